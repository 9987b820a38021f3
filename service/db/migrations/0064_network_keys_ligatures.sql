-- A network's name key is now folded with « œ », « æ » and « ß » spelled out (« Sœurs » → « soeurs »), where these
-- letters used to be dropped (« surs »): recompute the keys of names holding one, as the service now writes them
-- (lower case, accents and punctuation dropped, single spaces), so that the same name cannot be created twice.
UPDATE prevention_networks
SET name_key = btrim(regexp_replace(lower(unaccent(name)), '[^a-z0-9]+', ' ', 'g'))
WHERE name ~ '[œŒæÆßẞ]';

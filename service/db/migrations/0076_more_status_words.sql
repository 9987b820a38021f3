-- More words registers of other communes use for a report's status (each refused its row): waiting or passed on
-- is in progress (« en attente », « en cours de traitement », « transmis », Dutch « lopend »), received is new
-- (« réceptionné », « enregistré »), finished is closed (« terminé », « classé sans suite », « archivé »).
-- A report the source cancelled, rejected or marked as a repeat is still refused: it is not a nuisance to count,
-- and only the person who imports it can say so. Added to the synonyms an administrator may already have changed
-- (each word once).
UPDATE report_statuses s SET synonyms = ARRAY(
    SELECT DISTINCT w FROM unnest(s.synonyms || added.words) AS w ORDER BY w)
FROM (VALUES
    ('en_cours', ARRAY['en attente', 'en cours de traitement', 'transmis', 'transmis au service', 'lopend',
                       'in uitvoering', 'doorgestuurd']),
    ('nouveau', ARRAY['réceptionné', 'enregistré', 'reçu', 'ontvangen', 'geregistreerd']),
    ('clos', ARRAY['terminé', 'classé sans suite', 'classé', 'archivé', 'beëindigd', 'gearchiveerd'])
) AS added(code, words)
WHERE s.code = added.code;

-- The words a police register uses for dumping: « abandon de déchets » (the Walloon environment code's own term
-- for the infraction), « dépôt sur la voie publique » and their Dutch counterparts. Each refused a row of a police
-- records system's export. Added to the synonyms an administrator may already have changed (each word once).
UPDATE categories c SET synonyms = ARRAY(
    SELECT DISTINCT w FROM unnest(c.synonyms || added.words) AS w ORDER BY w)
FROM (VALUES
    ('depot_clandestin', ARRAY['abandon de déchets', 'dépôt sur la voie publique', 'déchets sur la voie publique',
                               'dépôt de déchets sur la voie publique', 'achterlaten van afval', 'sluikstorting',
                               'afval op de openbare weg'])
) AS added(code, words)
WHERE c.code = added.code;

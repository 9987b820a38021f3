-- Words registers use for a category that the first vocabulary missed (each refused a row): bulky items
-- left on the pavement are dumping (« encombrants », Belgian French « crasses », Dutch « grofvuil », German
-- « Sperrmüll »), and so is a bare « dépôt » or « déchets » in an environment register; « crottes » are dog
-- fouling; a garden « feu » is burning. Added to the synonyms an administrator may already have changed (each
-- word once).
UPDATE categories c SET synonyms = ARRAY(
    SELECT DISTINCT w FROM unnest(c.synonyms || added.words) AS w ORDER BY w)
FROM (VALUES
    ('depot_clandestin', ARRAY['encombrants', 'dépôt d''encombrants', 'dépôt', 'dépôt illégal', 'déchets', 'crasses',
                               'grofvuil', 'sperrmüll']),
    ('dejections', ARRAY['crottes']),
    ('incineration', ARRAY['feu', 'feu de jardin', 'feu de déchets verts', 'vuur']),
    ('bruit', ARRAY['musique trop forte'])
) AS added(code, words)
WHERE c.code = added.code;

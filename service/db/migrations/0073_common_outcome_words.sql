-- Words officers write for a visit's outcome that the first vocabulary missed (each refused a row): a warning
-- given by word of mouth (« averti verbalement », « mise en garde »), a report written (« verbalisé », « pro
-- justitia », the Dutch « PV opgesteld »), nothing to report (« pas d'infraction », « nihil »), a dump removed
-- (« ramassé », « enlevé par la commune »), a place to see again (« à suivre », « à repasser »). Added to the
-- synonyms an administrator may already have changed (each word once).
UPDATE visit_outcomes o SET synonyms = ARRAY(
    SELECT DISTINCT w FROM unnest(o.synonyms || added.words) AS w ORDER BY w)
FROM (VALUES
    ('avertissement', ARRAY['averti', 'averti verbalement', 'avertissement verbal', 'avertissement donné',
                            'mise en garde', 'mis en garde', 'verwittigd', 'mondelinge waarschuwing']),
    ('pv', ARRAY['verbalisé', 'pv rédigé', 'pv établi', 'pro justitia', 'procès-verbal dressé',
                 'pv opgesteld', 'geverbaliseerd']),
    ('rien_constate', ARRAY['pas d''infraction', 'aucune infraction', 'pas d''infraction constatée',
                            'rien de constaté', 'nihil', 'niets te melden']),
    ('nettoye', ARRAY['ramassé', 'enlevé par la commune', 'dépôt enlevé', 'déchets ramassés', 'nettoyé par la commune',
                      'opgehaald', 'verwijderd']),
    ('a_revoir', ARRAY['à suivre', 'à repasser', 'repasser', 'à revérifier', 'opnieuw controleren'])
) AS added(code, words)
WHERE o.code = added.code;

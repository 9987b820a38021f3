-- More words registers of other communes use for a visit's outcome (each refused a row): a written notice or a
-- demand to clean up is a warning (« mise en demeure », « courrier envoyé », « propriétaire contacté »,
-- « nettoyage demandé », Dutch « aanmaning »); a « rapport administratif » or a « GAS-boete » is the municipal
-- sanction; a problem set right is cleaned (« régularisé », « nettoyage effectué », « opgelost »), a place in order
-- is nothing found (« situation en ordre »: a bare « en ordre » would be the nearest word to any unknown outcome
-- holding « en », and suggested for it); a dump still there, or nobody met, is to see again (« toujours présent »,
-- « absent »). Added to the synonyms an administrator may already have changed (each word once).
UPDATE visit_outcomes o SET synonyms = ARRAY(
    SELECT DISTINCT w FROM unnest(o.synonyms || added.words) AS w ORDER BY w)
FROM (VALUES
    ('avertissement', ARRAY['mise en demeure', 'courrier envoyé', 'courrier', 'lettre de rappel', 'rappel à la loi',
                            'sensibilisation', 'information donnée', 'conseil', 'propriétaire contacté',
                            'contact avec le propriétaire', 'nettoyage demandé', 'injonction de nettoyer',
                            'aanmaning', 'waarschuwing gegeven', 'eigenaar gecontacteerd', 'opruiming gevraagd',
                            'sensibilisering']),
    ('sac', ARRAY['rapport administratif', 'amende', 'gas-boete', 'gas boete', 'administratieve boete']),
    ('nettoye', ARRAY['nettoyage effectué', 'régularisé', 'situation régularisée', 'résolu', 'réglé',
                      'problème réglé', 'opgelost', 'opgeruimd door eigenaar']),
    ('rien_constate', ARRAY['rien d''anormal', 'situation en ordre', 'alles in orde']),
    ('a_revoir', ARRAY['toujours présent', 'persiste', 'dépôt toujours présent', 'absent', 'personne absente',
                       'pas de contact', 'nog aanwezig', 'niemand thuis']),
    ('transmis', ARRAY['transmis au service travaux', 'transmis aux travaux', 'transmis à la commune',
                       'doorgestuurd naar de gemeente'])
) AS added(code, words)
WHERE o.code = added.code;

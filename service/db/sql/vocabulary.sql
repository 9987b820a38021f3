-- name: terms
-- Every term of the three vocabularies (categories with their gravity and whether they are in use), by kind and code.
SELECT 'categorie' AS kind, code, label_fr, label_nl, label_en, label_de, synonyms, gravity, active FROM categories
UNION ALL
SELECT 'resultat', code, label_fr, label_nl, label_en, label_de, synonyms, NULL, true FROM visit_outcomes
UNION ALL
SELECT 'statut', code, label_fr, label_nl, label_en, label_de, synonyms, NULL, true FROM report_statuses
ORDER BY 1, 2;

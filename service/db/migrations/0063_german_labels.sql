-- German, Belgium's third official language (the German-speaking Community lies in the province of Liège): every
-- term of the three vocabularies gets a German label, shown by Open311 (?langue=de) and read back by the importer,
-- with a few German words people write for it. A term the service added itself without one shows its French label.
ALTER TABLE categories ADD COLUMN label_de text;
ALTER TABLE visit_outcomes ADD COLUMN label_de text;
ALTER TABLE report_statuses ADD COLUMN label_de text;

UPDATE categories AS c SET label_de = v.label, synonyms = c.synonyms || v.words
FROM (VALUES
    ('depot_clandestin', 'Wilde Müllablagerung', ARRAY['wilde müllablagerungen', 'illegale müllablagerung', 'müllablagerung', 'wilder müll']),
    ('sacs_hors_jour', 'Müllsäcke außerhalb der Abfuhrtage', ARRAY['müllsäcke', 'müllsack', 'müllsäcke zu früh draußen', 'müllsäcke außerhalb der abfuhr']),
    ('incineration', 'Verbrennen von Abfällen', ARRAY['müllverbrennung', 'abfallverbrennung', 'abfälle verbrannt', 'offenes feuer']),
    ('dejections', 'Hundekot', ARRAY['hundehaufen', 'hundedreck']),
    ('affichage_sauvage', 'Wildes Plakatieren', ARRAY['wildplakatierung', 'plakate', 'wilde plakate']),
    ('graffiti', 'Graffiti und Tags', ARRAY['schmiererei', 'schmierereien']),
    ('vehicule_abandonne', 'Abgestelltes Fahrzeug', ARRAY['autowrack', 'fahrzeugwrack', 'schrottauto', 'abgestelltes auto']),
    ('bruit', 'Lärm', ARRAY['lärmbelästigung', 'ruhestörung', 'lärmbelastung']),
    ('odeurs', 'Gerüche', ARRAY['geruch', 'geruchsbelästigung', 'gestank']),
    ('pollution_eau', 'Gewässerverschmutzung', ARRAY['wasserverschmutzung', 'verschmutzung eines bachs', 'abwassereinleitung']),
    ('pollution_sol', 'Bodenverschmutzung', ARRAY['bodenverunreinigung', 'ölspur', 'öl auf dem boden']),
    ('insalubrite', 'Gesundheitsgefährdendes Gebäude', ARRAY['unbewohnbares gebäude', 'verwahrlostes gebäude', 'baufälliges gebäude']),
    ('terrain_malpropre', 'Verwahrlostes Grundstück', ARRAY['ungepflegtes grundstück', 'verschmutztes grundstück']),
    ('activite_sans_permis', 'Tätigkeit ohne Genehmigung', ARRAY['ohne genehmigung', 'betrieb ohne genehmigung']),
    ('bruit_voisinage', 'Nachbarschaftslärm', ARRAY['lärm der nachbarn', 'laute nachbarn', 'nachbarschaftsstreit']),
    ('autre', 'Sonstiges', ARRAY['andere', 'verschiedenes'])
) AS v(code, label, words)
WHERE c.code = v.code;

UPDATE visit_outcomes AS o SET label_de = v.label, synonyms = o.synonyms || v.words
FROM (VALUES
    ('rien_constate', 'Nichts festgestellt', ARRAY['nichts festgestellt', 'ohne befund']),
    ('nettoye', 'Gereinigt', ARRAY['gereinigt', 'beseitigt', 'entfernt', 'aufgeräumt']),
    ('avertissement', 'Verwarnung', ARRAY['verwarnung', 'ermahnung', 'mündliche verwarnung']),
    ('pv', 'Protokoll', ARRAY['protokoll erstellt', 'polizeiprotokoll', 'anzeige']),
    ('sac', 'Kommunale Verwaltungssanktion', ARRAY['verwaltungssanktion', 'kvs', 'verwaltungsstrafe']),
    ('transmis', 'An einen Partner weitergeleitet', ARRAY['weitergeleitet', 'übermittelt']),
    ('a_revoir', 'Nachkontrolle nötig', ARRAY['nachkontrolle', 'wiedervorlage', 'erneut prüfen']),
    ('mediation', 'An die Mediation verwiesen', ARRAY['mediation', 'schlichtung', 'an die mediation verwiesen'])
) AS v(code, label, words)
WHERE o.code = v.code;

UPDATE report_statuses AS s SET label_de = v.label, synonyms = s.synonyms || v.words
FROM (VALUES
    ('nouveau', 'Neu', ARRAY['neu', 'offen', 'eingegangen']),
    ('en_cours', 'In Bearbeitung', ARRAY['in bearbeitung', 'bearbeitung']),
    ('clos', 'Abgeschlossen', ARRAY['abgeschlossen', 'erledigt', 'geschlossen'])
) AS v(code, label, words)
WHERE s.code = v.code;

UPDATE categories SET label_de = label_fr WHERE label_de IS NULL;
UPDATE visit_outcomes SET label_de = label_fr WHERE label_de IS NULL;
UPDATE report_statuses SET label_de = label_fr WHERE label_de IS NULL;
ALTER TABLE categories ALTER COLUMN label_de SET NOT NULL;
ALTER TABLE visit_outcomes ALTER COLUMN label_de SET NOT NULL;
ALTER TABLE report_statuses ALTER COLUMN label_de SET NOT NULL;

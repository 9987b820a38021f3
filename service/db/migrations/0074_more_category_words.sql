-- More words registers of other communes use for a category (each refused a row): dumping of tyres, asbestos,
-- rubble or bottles at a bottle bank (Belgian French « vidanges »), bags out on the wrong day or not the
-- commune's, a car left on the street for months (« voiture ventouse »), a building left empty (« chancre »,
-- « taudis », Dutch « leegstand »), land left to itself (« friche ») and litter (« mégots », « canettes »),
-- barking next door, a noisy building site, oil spilled. Added to the synonyms an administrator may already have
-- changed (each word once).
UPDATE categories c SET synonyms = ARRAY(
    SELECT DISTINCT w FROM unnest(c.synonyms || added.words) AS w ORDER BY w)
FROM (VALUES
    ('depot_clandestin', ARRAY['dépôt sauvage de déchets', 'déchets sauvages', 'dépôt de pneus', 'pneus',
                               'pneus abandonnés', 'dépôt d''amiante', 'amiante', 'gravats', 'dépôt de gravats',
                               'déchets de construction', 'sacs éventrés', 'bulles à verre',
                               'dépôt aux bulles à verre', 'vidanges', 'vidanges sauvages',
                               'déchets hors conteneur', 'dépôt au pied des conteneurs', 'déchets verts abandonnés',
                               'afval naast glasbol', 'achtergelaten afval', 'illegaal gestort afval']),
    ('sacs_hors_jour', ARRAY['sacs poubelles non conformes', 'sacs non conformes', 'sac non conforme',
                             'poubelles sorties hors délai', 'poubelles hors jour', 'conteneur sorti hors jour',
                             'niet-conforme zakken', 'afvalzakken buiten']),
    ('vehicule_abandonne', ARRAY['voiture ventouse', 'véhicule ventouse', 'épave de voiture', 'verlaten voertuig',
                                 'weesauto', 'véhicule sans plaque']),
    ('incineration', ARRAY['brandend afval', 'fumées noires', 'feu de plastique']),
    ('bruit', ARRAY['chantier bruyant', 'bruit de chantier', 'werfgeluid']),
    ('bruit_voisinage', ARRAY['aboiements', 'chien qui aboie', 'chiens qui aboient', 'blaffende hond']),
    ('insalubrite', ARRAY['immeuble abandonné', 'immeuble inoccupé', 'bâtiment inoccupé', 'bâtiment à l''abandon',
                          'maison abandonnée', 'taudis', 'chancre', 'chancre urbain', 'leegstand',
                          'verwaarloosd gebouw']),
    ('terrain_malpropre', ARRAY['terrain en friche', 'friche', 'terrain abandonné', 'jardin à l''abandon',
                                'mégots', 'canettes', 'détritus', 'déchets épars', 'papiers']),
    ('pollution_sol', ARRAY['huile de vidange', 'huile de vidange déversée', 'hydrocarbures', 'olie op de grond'])
) AS added(code, words)
WHERE c.code = added.code;

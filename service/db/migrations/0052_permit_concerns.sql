-- Which nuisance categories a permit concerns (service/permits): a report links to a permitted facility only when
-- it is near it (setting permit_link_m) and of one of these categories. Rules are read in this order:
--   * keyword rows: the keyword (lower case, no accents) starts a word of the permit's activity;
--   * when no keyword matches, the rows of the permit's type (permit_type set, keyword empty);
--   * rows with neither apply to every permit.
-- The service can add or change rows (an activity of its own, a category it wants linked).
CREATE TABLE permit_concerns (
    id           serial PRIMARY KEY,
    keyword      text CHECK (keyword IS NULL OR keyword ~ '^[a-z0-9 ]+$'),
    permit_type  text CHECK (permit_type IN ('environnement', 'urbanisme', 'unique')),
    categories   text[] NOT NULL CHECK (cardinality(categories) > 0)
);
COMMENT ON TABLE permit_concerns IS 'Catégories de nuisance qu''un permis concerne, par mot de son activité ou par type de permis.';

INSERT INTO permit_concerns (keyword, permit_type, categories) VALUES
('mitraille', NULL, ARRAY['depot_clandestin', 'vehicule_abandonne', 'pollution_sol', 'bruit', 'incineration']),
('ferraille', NULL, ARRAY['depot_clandestin', 'vehicule_abandonne', 'pollution_sol', 'bruit', 'incineration']),
('metaux', NULL, ARRAY['depot_clandestin', 'pollution_sol', 'bruit']),
('casse', NULL, ARRAY['depot_clandestin', 'vehicule_abandonne', 'pollution_sol', 'bruit']),
('demontage', NULL, ARRAY['depot_clandestin', 'vehicule_abandonne', 'pollution_sol', 'bruit']),
('vehicules hors d usage', NULL, ARRAY['vehicule_abandonne', 'pollution_sol', 'depot_clandestin']),
('carrosserie', NULL, ARRAY['odeurs', 'pollution_sol', 'bruit', 'vehicule_abandonne']),
('peinture', NULL, ARRAY['odeurs', 'pollution_sol', 'pollution_eau']),
('garage', NULL, ARRAY['vehicule_abandonne', 'pollution_sol', 'odeurs', 'bruit']),
('station service', NULL, ARRAY['pollution_sol', 'pollution_eau', 'odeurs']),
('carburant', NULL, ARRAY['pollution_sol', 'pollution_eau', 'odeurs']),
('citerne', NULL, ARRAY['pollution_sol', 'pollution_eau', 'odeurs']),
('mazout', NULL, ARRAY['pollution_sol', 'pollution_eau', 'odeurs']),
('dechet', NULL, ARRAY['depot_clandestin', 'incineration', 'odeurs', 'bruit', 'terrain_malpropre']),
('tri', NULL, ARRAY['depot_clandestin', 'odeurs', 'bruit', 'terrain_malpropre']),
('recyclage', NULL, ARRAY['depot_clandestin', 'incineration', 'odeurs', 'bruit', 'terrain_malpropre']),
('recyparc', NULL, ARRAY['depot_clandestin', 'bruit', 'terrain_malpropre']),
('compost', NULL, ARRAY['odeurs', 'pollution_eau']),
('inerte', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
('gravat', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
('concassage', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
('carriere', NULL, ARRAY['bruit', 'pollution_eau', 'terrain_malpropre']),
('pneu', NULL, ARRAY['depot_clandestin', 'incineration', 'pollution_sol']),
('menuiserie', NULL, ARRAY['bruit', 'incineration', 'odeurs']),
('scierie', NULL, ARRAY['bruit', 'incineration']),
('elevage', NULL, ARRAY['odeurs', 'pollution_eau', 'bruit']),
('porcherie', NULL, ARRAY['odeurs', 'pollution_eau']),
('poulailler', NULL, ARRAY['odeurs', 'pollution_eau']),
('fumier', NULL, ARRAY['odeurs', 'pollution_eau']),
('biomethanisation', NULL, ARRAY['odeurs', 'pollution_eau', 'bruit']),
('restaurant', NULL, ARRAY['odeurs', 'bruit', 'sacs_hors_jour']),
('friterie', NULL, ARRAY['odeurs', 'sacs_hors_jour']),
('boulangerie', NULL, ARRAY['odeurs', 'bruit']),
('discotheque', NULL, ARRAY['bruit', 'sacs_hors_jour']),
('salle', NULL, ARRAY['bruit', 'sacs_hors_jour']),
('chantier', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
('construction', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
('transformation', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
('demolition', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre', 'pollution_sol']),
('hangar', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
('entrepot', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
('parking', NULL, ARRAY['vehicule_abandonne', 'depot_clandestin', 'terrain_malpropre']),
('amenagement', NULL, ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
(NULL, 'environnement', ARRAY['odeurs', 'bruit', 'pollution_sol', 'pollution_eau', 'depot_clandestin']),
(NULL, 'urbanisme', ARRAY['bruit', 'depot_clandestin', 'terrain_malpropre']),
(NULL, 'unique', ARRAY['odeurs', 'bruit', 'pollution_sol', 'pollution_eau', 'depot_clandestin', 'terrain_malpropre']),
(NULL, NULL, ARRAY['activite_sans_permis']);

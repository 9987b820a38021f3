-- Green neighbourhood information networks (service/prevention): a name, an area (a polygon, a list of streets or a
-- commune section, kept as given in area_spec and drawn as a polygon in geom) and a coordinator whose contact is
-- personal data (schema private, read only with a reason, like reporters' contacts). The digests sent to a network
-- (or to a section's cleanliness service) keep the sites they showed, so the next list of changes starts from there.
-- What residents can do, per category, is text the service can change (prevention_advice).
CREATE TABLE prevention_networks (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 2 AND 120),
    name_key    text NOT NULL UNIQUE,
    area_kind   text NOT NULL CHECK (area_kind IN ('polygone', 'rues', 'section')),
    area_spec   jsonb NOT NULL DEFAULT '{}',
    commune     text,
    geom        geometry(MultiPolygon, 31370) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL
);
COMMENT ON TABLE prevention_networks IS 'Réseaux d''information de quartier (prévention) : nom, zone (polygone, rues ou section).';
COMMENT ON COLUMN prevention_networks.name_key IS 'Nom sans majuscules, accents ni ponctuation : deux réseaux ne peuvent pas porter le même.';
CREATE INDEX prevention_networks_geom ON prevention_networks USING gist (geom);

CREATE TABLE private.network_coordinators (
    network_id  bigint PRIMARY KEY REFERENCES public.prevention_networks (id) ON DELETE CASCADE,
    name        text,
    phone       text,
    email       text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE network_digests (
    id            bigserial PRIMARY KEY,
    scope_kind    text NOT NULL CHECK (scope_kind IN ('reseau', 'section')),
    network_id    bigint REFERENCES prevention_networks (id) ON DELETE CASCADE,
    section       text,
    period_start  date NOT NULL,
    period_end    date NOT NULL CHECK (period_end > period_start),
    issued_at     timestamptz NOT NULL DEFAULT now(),
    issued_by     text NOT NULL,
    sites         jsonb NOT NULL DEFAULT '[]',
    CONSTRAINT digest_scope CHECK ((scope_kind = 'reseau' AND network_id IS NOT NULL)
                                   OR (scope_kind = 'section' AND section IS NOT NULL))
);
COMMENT ON COLUMN network_digests.sites IS 'Points sensibles et axes montrés par le bilan (identifiant, état, tendance, priorité) : base des nouveautés suivantes.';
CREATE INDEX network_digests_scope ON network_digests (network_id, section, issued_at DESC);

CREATE TABLE prevention_advice (
    category     text PRIMARY KEY REFERENCES categories (code),
    advice_fr    text NOT NULL,
    sanction_fr  text NOT NULL
);
COMMENT ON TABLE prevention_advice IS 'Ce que les habitants peuvent faire, et ce qui est sanctionné, par catégorie (texte des bilans, modifiable).';

INSERT INTO prevention_advice (category, advice_fr, sanction_fr) VALUES
('depot_clandestin',
 'Les encombrants et les déchets qui ne vont pas dans les sacs se déposent au recyparc de l''intercommunale (Intradel) ; les objets encore utilisables peuvent être donnés à une ressourcerie. Signalez un dépôt sans y toucher : il peut contenir des indices.',
 'Abandonner des déchets est une infraction environnementale : procès-verbal ou amende administrative, et les frais d''enlèvement peuvent être réclamés à l''auteur.'),
('sacs_hors_jour',
 'Sortez les sacs et conteneurs seulement aux jours et heures de collecte fixés par la commune (calendrier de collecte de l''intercommunale), et rentrez les conteneurs après le passage.',
 'Des sacs sortis hors des jours et heures prévus peuvent valoir une sanction administrative communale.'),
('incineration',
 'Brûler des déchets ménagers, du bois traité, du plastique ou des pneus est interdit et toxique : apportez-les au recyparc. Seuls les déchets verts secs de jardin peuvent être brûlés, à plus de 100 m des habitations.',
 'L''incinération de déchets est une infraction environnementale : procès-verbal ou amende administrative.'),
('dejections',
 'Emportez toujours un sac pour ramasser les déjections de votre chien et jetez-le dans une poubelle publique.',
 'Ne pas ramasser les déjections de son chien est sanctionné par une amende administrative communale.'),
('affichage_sauvage',
 'Les affiches et annonces se placent seulement sur les panneaux d''affichage libre de la commune.',
 'L''affichage hors des emplacements autorisés est sanctionné (amende administrative) et l''enlèvement peut être facturé.'),
('graffiti',
 'Signalez les tags rapidement : un tag vite effacé est moins souvent refait. Sur une façade privée, le propriétaire peut demander conseil à la commune pour le nettoyage.',
 'Les tags et graffitis sur le bien d''autrui sont punis (procès-verbal).'),
('vehicule_abandonne',
 'Un véhicule hors d''usage se remet à un centre agréé de traitement (gratuitement pour un véhicule complet). Signalez un véhicule abandonné sur la voie publique.',
 'Laisser un véhicule hors d''usage sur la voie publique ou un terrain est une infraction : procès-verbal, enlèvement aux frais du propriétaire.'),
('bruit',
 'Pour un tapage en cours, appelez la police (101). Les activités bruyantes (tonte, travaux) se font aux heures permises par le règlement communal.',
 'Le tapage nocturne et le bruit qui dépasse les normes sont sanctionnés (procès-verbal ou amende administrative).'),
('bruit_voisinage',
 'Parlez-en d''abord calmement avec votre voisin. Si le désaccord dure, le service de médiation de la zone de police peut vous aider, gratuitement, à trouver un arrangement.',
 'Un différend entre voisins se règle d''abord par le dialogue ou la médiation ; le tapage nocturne reste sanctionné.'),
('odeurs',
 'Signalez une odeur persistante en précisant le jour, l''heure et la direction du vent : cela aide à trouver son origine.',
 'Une installation qui ne respecte pas les conditions de son permis peut être mise en demeure et sanctionnée.'),
('pollution_eau',
 'Ne versez jamais d''huile, de peinture ou de produit chimique dans un égout, un avaloir ou un ruisseau : apportez-les au recyparc. Pour une pollution en cours, appelez le 112.',
 'Polluer un cours d''eau ou un égout est une infraction environnementale grave : procès-verbal.'),
('pollution_sol',
 'Les huiles, solvants et produits dangereux vont au recyparc (petits déchets dangereux), jamais au sol.',
 'Déverser des produits polluants au sol est une infraction environnementale : procès-verbal, frais d''assainissement à charge de l''auteur.'),
('insalubrite',
 'Un logement ou un bâtiment insalubre se signale au service logement de la commune, qui peut faire une enquête de salubrité.',
 'Le bourgmestre peut déclarer un logement inhabitable et imposer des travaux.'),
('terrain_malpropre',
 'Le propriétaire ou l''occupant d''un terrain doit l''entretenir ; les déchets verts vont au recyparc ou au compost.',
 'Un terrain laissé à l''abandon ou encombré de déchets peut valoir une sanction administrative communale.'),
('activite_sans_permis',
 'Une activité qui semble exploitée sans permis (atelier, dépôt, élevage) se signale au service Environnement, qui vérifiera.',
 'Exploiter sans le permis requis est une infraction environnementale : procès-verbal, arrêt de l''activité possible.'),
('autre',
 'En cas de doute, signalez la nuisance au service Environnement de la zone de police.',
 'Selon les faits : procès-verbal ou sanction administrative.');

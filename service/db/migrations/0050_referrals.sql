-- Referral of reports and sites to the zone's Mediation service or to a partner (service/referrals), the
-- neighbour-noise category such referrals often start from, and the visit outcome « médiation ».
--
-- A referral keeps who, when, why and to whom; a referred report leaves the hotspot counts (reports.referral_id
-- names its active referral, so that the analysis, the map and the planner skip it with a plain IS NULL) and keeps
-- its history (referral_reports lists the reports of every referral, withdrawn ones included). A rule can propose
-- a referral when reports are imported; a proposal changes nothing until a planner confirms it.

INSERT INTO categories (code, label_fr, label_nl, label_en, gravity, synonyms) VALUES
('bruit_voisinage', 'Bruit de voisinage', 'Burenlawaai', 'Neighbour noise', 1.0,
  ARRAY['bruits de voisinage', 'tapage de voisinage', 'nuisances de voisinage', 'voisin bruyant', 'voisins bruyants',
        'conflit de voisinage', 'différend de voisinage', 'dispute entre voisins', 'burenruzie',
        'geluidsoverlast van buren', 'lawaaierige buren', 'noisy neighbours', 'neighbour dispute']);

INSERT INTO visit_outcomes (code, label_fr, label_nl, label_en, synonyms) VALUES
('mediation', 'Renvoyé à la médiation', 'Doorverwezen naar bemiddeling', 'Referred to mediation',
  ARRAY['médiation', 'renvoi médiation', 'renvoyé en médiation', 'service de médiation', 'bemiddeling',
        'mediation']);

CREATE TABLE referral_recipients (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z_]*$'),
    label_fr    text NOT NULL,
    label_nl    text NOT NULL,
    label_en    text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('mediation', 'partenaire')),
    synonyms    text[] NOT NULL DEFAULT '{}',
    active      boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE referral_recipients IS 'À qui un signalement ou un site peut être renvoyé : la médiation de la zone ou un partenaire.';

INSERT INTO referral_recipients (code, label_fr, label_nl, label_en, kind, synonyms) VALUES
('mediation', 'Service de médiation de la zone de police', 'Bemiddelingsdienst van de politiezone',
  'Mediation service of the police zone', 'mediation', ARRAY['médiation', 'mediation', 'bemiddeling', 'médiateur']),
('commune_proprete', 'Service propreté de la commune', 'Netheidsdienst van de gemeente', 'Municipal cleanliness service',
  'partenaire', ARRAY['propreté', 'service propreté', 'commune', 'netheid']),
('commune_urbanisme', 'Service urbanisme de la commune', 'Stedenbouwdienst van de gemeente', 'Municipal planning service',
  'partenaire', ARRAY['urbanisme', 'service urbanisme', 'stedenbouw']),
('commune_logement', 'Service logement de la commune (salubrité)', 'Huisvestingsdienst van de gemeente',
  'Municipal housing service', 'partenaire', ARRAY['logement', 'salubrité', 'service logement', 'huisvesting']),
('intercommunale', 'Intercommunale de gestion des déchets (Intradel)', 'Intercommunale afvalbeheer (Intradel)',
  'Waste intercommunal (Intradel)', 'partenaire', ARRAY['intradel', 'intercommunale', 'déchets']),
('police_environnement', 'Police de l''environnement de la Région wallonne (DPC)', 'Waalse milieupolitie (DPC)',
  'Walloon environmental police (DPC)', 'partenaire',
  ARRAY['dpc', 'police de l''environnement', 'région wallonne', 'spw', 'milieupolitie']);

-- Rules that propose a referral on import (proposed, never applied before a planner confirms).
CREATE TABLE referral_rules (
    id          serial PRIMARY KEY,
    category    text NOT NULL REFERENCES categories (code),
    place       text NOT NULL CHECK (place IN ('adresse_privee', 'partout')),
    recipient   text NOT NULL REFERENCES referral_recipients (code),
    reason      text NOT NULL,
    active      boolean NOT NULL DEFAULT true
);
COMMENT ON COLUMN referral_rules.place IS 'adresse_privee : le signalement est à moins de 15 m (réglage) d''une adresse officielle, une habitation ; partout : où qu''il soit.';

INSERT INTO referral_rules (category, place, recipient, reason) VALUES
('bruit_voisinage', 'adresse_privee', 'mediation',
 'Bruit entre voisins à une adresse privée : un différend de voisinage sans réponse policière, pour la médiation');

CREATE TABLE referrals (
    id            bigserial PRIMARY KEY,
    target_kind   text NOT NULL CHECK (target_kind IN ('signalement', 'point_sensible', 'axe')),
    target_id     text NOT NULL,
    recipient     text NOT NULL REFERENCES referral_recipients (code),
    status        text NOT NULL CHECK (status IN ('propose', 'actif', 'retire', 'refuse')),
    reason        text NOT NULL CHECK (length(btrim(reason)) >= 3),
    rule_id       integer REFERENCES referral_rules (id),
    label         text,
    geom          geometry(Geometry, 31370),
    proposed_at   timestamptz,
    proposed_by   text,
    referred_at   timestamptz,
    referred_by   text,
    closed_at     timestamptz,
    closed_by     text,
    close_reason  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT referral_active_has_author CHECK (status <> 'actif' OR (referred_at IS NOT NULL AND referred_by IS NOT NULL)),
    CONSTRAINT referral_closed_has_reason CHECK (status NOT IN ('retire', 'refuse') OR (closed_at IS NOT NULL AND close_reason IS NOT NULL))
);
COMMENT ON TABLE referrals IS 'Renvois vers la médiation ou un partenaire : qui, quand, pourquoi, à qui ; proposés par une règle, confirmés, retirés.';
-- one open referral (proposed or active) per report or site
CREATE UNIQUE INDEX referrals_one_open_per_target ON referrals (target_kind, target_id) WHERE status IN ('propose', 'actif');
CREATE INDEX referrals_status ON referrals (status, created_at);
CREATE INDEX referrals_geom ON referrals USING gist (geom);

CREATE TABLE referral_reports (
    referral_id  bigint NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    report_id    bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    PRIMARY KEY (referral_id, report_id)
);
CREATE INDEX referral_reports_report ON referral_reports (report_id);

ALTER TABLE reports ADD COLUMN referral_id bigint;
COMMENT ON COLUMN reports.referral_id IS 'Renvoi actif (referrals.id) : le signalement sort des comptes des points sensibles et des axes.';
CREATE INDEX reports_referred ON reports (referral_id) WHERE referral_id IS NOT NULL;

-- Rules run over the reports of each imported batch: a BRIN index on the batch number (rows of a batch lie together
-- in the table) finds them without reading the whole table, for almost nothing on insert.
CREATE INDEX reports_batch_brin ON reports USING brin (batch_id);

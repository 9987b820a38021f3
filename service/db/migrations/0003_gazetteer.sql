-- Official address register (ICAR / BeST-Address) for the offline geocoder, and its review queue.
CREATE TABLE gazetteer_addresses (
    id            bigserial PRIMARY KEY,
    source        text NOT NULL,
    street_id     text NOT NULL,
    street        text NOT NULL,
    street_nl     text,
    street_de     text,
    house_number  text NOT NULL,
    number        integer,
    suffix        text NOT NULL DEFAULT '',
    boxes         text,
    postcode      text NOT NULL,
    municipality  text NOT NULL,
    section       text,
    geom          geometry(Point, 31370) NOT NULL
);
CREATE INDEX gazetteer_addresses_street ON gazetteer_addresses (street_id, number);
CREATE INDEX gazetteer_addresses_geom ON gazetteer_addresses USING gist (geom);
CREATE INDEX gazetteer_addresses_municipality ON gazetteer_addresses (municipality);
COMMENT ON TABLE gazetteer_addresses IS 'Adresses officielles (registre ICAR / BeST-Address), une ligne par numéro de maison.';

-- One row per street and commune; the point is the official address nearest the mean of the street's addresses.
CREATE TABLE gazetteer_streets (
    street_id     text PRIMARY KEY,
    street        text NOT NULL,
    street_nl     text,
    street_de     text,
    municipality  text NOT NULL,
    postcodes     text[] NOT NULL,
    sections      text[] NOT NULL DEFAULT '{}',
    n_addresses   integer NOT NULL,
    geom          geometry(Point, 31370) NOT NULL
);
CREATE INDEX gazetteer_streets_name_trgm ON gazetteer_streets USING gin (lower(street) gin_trgm_ops);

-- Communes, sections (former communes) and postcodes, for coarse matches.
CREATE TABLE gazetteer_localities (
    kind          text NOT NULL CHECK (kind IN ('commune', 'section', 'code_postal')),
    name          text NOT NULL,
    municipality  text NOT NULL,
    postcodes     text[] NOT NULL,
    geom          geometry(Point, 31370) NOT NULL,
    PRIMARY KEY (kind, name, municipality)
);

ALTER TABLE reports ADD COLUMN geocode_label text;
ALTER TABLE visits ADD COLUMN geocode_level text, ADD COLUMN geocode_score real, ADD COLUMN geocode_label text;
ALTER TABLE permits ADD COLUMN geocode_level text, ADD COLUMN geocode_score real, ADD COLUMN geocode_label text;

-- Rows whose address the geocoder could not place with confidence: a person accepts an alternative or places
-- the point by hand (hotspots geocode review).
CREATE TABLE geocode_reviews (
    id            bigserial PRIMARY KEY,
    target        text NOT NULL CHECK (target IN ('reports', 'visits', 'permits')),
    target_id     bigint NOT NULL,
    address       text,
    level         text NOT NULL,
    score         real NOT NULL,
    reason        text,
    alternatives  jsonb NOT NULL DEFAULT '[]',
    created_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    resolution    text,
    UNIQUE (target, target_id)
);
CREATE INDEX geocode_reviews_open ON geocode_reviews (created_at) WHERE resolved_at IS NULL;

-- The register of interventions (service/activity/interventions.py, migration 0058): what was put in place at a
-- site, from which day.

-- name: insert
INSERT INTO interventions (kind, site_id, address, geom, started_at, ended_at, note, recorded_by)
VALUES (%(kind)s, %(site_id)s, %(address)s, ST_GeomFromWKB(%(geom)s, 31370), %(start)s, %(end)s, %(note)s,
        %(actor)s)
RETURNING id;

-- name: listed
-- The interventions not withdrawn: one by its number, those of one place or all, started in [start, end) when
-- given; the latest first. Those of a point or an axis are the ones recorded on it by its id and those recorded
-- at an address whose circle touches it; those of an address, any whose outline touches its circle.
SELECT i.id, i.kind, coalesce(i.site_id, i.address) AS lieu, i.site_id IS NULL AS at_address, i.started_at,
       i.ended_at, i.note, i.recorded_by, i.recorded_at,
       ST_X(ST_Transform(ST_Centroid(i.geom), 4326)) AS lon, ST_Y(ST_Transform(ST_Centroid(i.geom), 4326)) AS lat,
       ST_AsBinary(i.geom) AS geom
FROM interventions i
WHERE i.withdrawn_at IS NULL
  AND (%(id)s::bigint IS NULL OR i.id = %(id)s)
  AND (%(site)s::bytea IS NULL
       OR (%(site_id)s::text IS NOT NULL AND i.site_id = %(site_id)s)
       OR ((i.site_id IS NULL OR %(site_id)s::text IS NULL)
           AND ST_Intersects(i.geom, ST_GeomFromWKB(%(site)s, 31370))))
  AND (%(start)s::timestamptz IS NULL OR i.started_at >= %(start)s)
  AND (%(end)s::timestamptz IS NULL OR i.started_at < %(end)s)
ORDER BY i.started_at DESC, i.id DESC;

-- name: withdraw
UPDATE interventions SET withdrawn_at = now(), withdrawn_by = %(actor)s
WHERE id = %(id)s AND withdrawn_at IS NULL
RETURNING id;

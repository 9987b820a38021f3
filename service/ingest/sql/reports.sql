-- name: create_stage
-- One row per valid input row, in-file repeats already removed. The loader computes natural_key and
-- content_hash (service.ingest.dedupe.fingerprints): content_hash covers what a person would call "the
-- content" of a report, so that re-reading an unchanged row is recognised as such.
-- The columns are those of the table reports that a file brings, grouped as the report reads (the contact goes to
-- the personal table); the table's checks apply at the insert.
CREATE TEMP TABLE stage (
    row_number integer NOT NULL, source text NOT NULL, natural_key text NOT NULL, external_id text,
    content_hash text NOT NULL,
    category text NOT NULL, category_raw text, observed_at timestamptz NOT NULL, status text NOT NULL,
    closed_at timestamptz,
    description text,
    address text, postcode text, commune text, geom geometry(Point, 31370), input_crs text,
    geocode_status text NOT NULL,
    extra jsonb,
    contact_name text, contact_phone text, contact_email text
) ON COMMIT DROP;

-- name: insert_rows
-- Staged rows not already stored unchanged. Unchanged rows are filtered out before the insert: an ON CONFLICT
-- that ends in "no update" still locks and dirties the stored row.
INSERT INTO reports AS r (source, natural_key, external_id, content_hash, category, category_raw,
                          observed_at, status, closed_at, description, address, postcode, commune, geom,
                          input_crs, geocode_status, extra, batch_id, row_number)
SELECT s.source, s.natural_key, s.external_id, s.content_hash, s.category, s.category_raw,
       s.observed_at, s.status, s.closed_at, s.description, s.address, s.postcode, s.commune, s.geom,
       s.input_crs, s.geocode_status, s.extra, %(batch)s, s.row_number
FROM stage s
WHERE %(bulk)s  -- a bulk load holds no source already stored: nothing to compare with
   OR NOT EXISTS (SELECT 1 FROM reports o
                  WHERE o.source = s.source AND o.natural_key = s.natural_key AND o.content_hash = s.content_hash)

-- name: on_conflict
ON CONFLICT (source, natural_key) DO UPDATE SET
    content_hash = EXCLUDED.content_hash,
    category = EXCLUDED.category,
    category_raw = EXCLUDED.category_raw,
    observed_at = EXCLUDED.observed_at,
    status = EXCLUDED.status,
    -- a file without the closing date of a report still closed keeps the one known (given before, or by the API)
    closed_at = CASE WHEN EXCLUDED.status = 'clos' THEN coalesce(EXCLUDED.closed_at, r.closed_at) END,
    description = EXCLUDED.description,
    -- the place survives an update that brings the same address: a point found by the geocoder when the update
    -- brings no coordinates, a point placed by a person even when it brings them again (they are what the person
    -- corrected); a new address, or new coordinates for a point nobody placed, are placed anew
    (geom, geocode_status, geocode_level, geocode_score, geocode_label, commune, postcode) = (
        SELECT CASE WHEN kept THEN r.geom ELSE EXCLUDED.geom END,
               CASE WHEN kept THEN r.geocode_status ELSE EXCLUDED.geocode_status END,
               CASE WHEN kept THEN r.geocode_level END, CASE WHEN kept THEN r.geocode_score END,
               CASE WHEN kept THEN r.geocode_label END,
               -- the kept place's commune and postcode (a person's choice; the geocoder's when the source gives none)
               CASE WHEN kept AND r.geocode_status = 'manuel' THEN r.commune
                    WHEN kept THEN coalesce(EXCLUDED.commune, r.commune) ELSE EXCLUDED.commune END,
               CASE WHEN kept AND r.geocode_status = 'manuel' THEN r.postcode
                    WHEN kept THEN coalesce(EXCLUDED.postcode, r.postcode) ELSE EXCLUDED.postcode END
        FROM (SELECT r.address IS NOT DISTINCT FROM EXCLUDED.address
                             AND (EXCLUDED.geom IS NULL OR r.geocode_status = 'manuel') AS kept) k
    ),
    address = EXCLUDED.address,
    input_crs = EXCLUDED.input_crs,
    extra = EXCLUDED.extra,
    batch_id = EXCLUDED.batch_id,
    row_number = EXCLUDED.row_number,
    updated_at = now()
WHERE r.content_hash <> EXCLUDED.content_hash

-- name: stored_ids
-- The stored row of each staged row (the rows of an in-memory table, whose ids the API answers with).
SELECT s.row_number, r.id
FROM stage s JOIN reports r ON r.source = s.source AND r.natural_key = s.natural_key;

-- name: store_contacts
INSERT INTO private.reporter_contacts AS c (report_id, name, phone, email)
SELECT r.id, s.contact_name, s.contact_phone, s.contact_email
FROM stage s
JOIN reports r ON r.source = s.source AND r.natural_key = s.natural_key
WHERE (s.contact_name IS NOT NULL OR s.contact_phone IS NOT NULL OR s.contact_email IS NOT NULL)
  AND r.batch_id = %(batch)s
ON CONFLICT (report_id) DO UPDATE SET
    name = EXCLUDED.name, phone = EXCLUDED.phone, email = EXCLUDED.email, updated_at = now();

-- name: other_sources_nearby_in_time
-- Near-duplicates need a stored report of another source in the batch's time span (± the window); without
-- one (and with a single source in the file) the per-row search is skipped. The sources are listed first by
-- hopping along the (source, natural_key) index, so a table holding only this batch's source answers at once.
WITH RECURSIVE sources AS (
    SELECT min(source) AS source FROM reports
    UNION ALL
    SELECT (SELECT min(r.source) FROM reports r WHERE r.source > sources.source) FROM sources
    WHERE sources.source IS NOT NULL
),
others AS (
    SELECT source FROM sources WHERE source IS NOT NULL AND source <> ALL(%(sources)s)
)
SELECT EXISTS (SELECT 1 FROM others)
   AND EXISTS (
        SELECT 1 FROM reports o
        WHERE o.source IN (SELECT source FROM others)
          AND o.observed_at BETWEEN %(lo)s::timestamptz - make_interval(secs => %(hours)s * 3600)
                                AND %(hi)s::timestamptz + make_interval(secs => %(hours)s * 3600)
          AND o.geom IS NOT NULL
          AND o.created_at < now());

-- name: near_new
-- Near-duplicates, set-based (service.ingest.dedupe.link_near_duplicates): the batch's new placed reports, each
-- with its cell in space and time. Cells measure a little more than twice the distance and the time window.
CREATE TEMP TABLE near_new ON COMMIT DROP AS
SELECT r.id, r.source, r.category, r.observed_at, r.geom,
       floor(ST_X(r.geom) / %(cell_m)s)::bigint AS cx,
       floor(ST_Y(r.geom) / %(cell_m)s)::bigint AS cy,
       floor(extract(epoch FROM r.observed_at) / %(cell_s)s)::bigint AS ct
FROM reports r
WHERE r.batch_id = %(batch)s AND r.created_at = now() AND r.geom IS NOT NULL AND r.duplicate_of IS NULL
  AND r.geocode_status IS DISTINCT FROM 'a_verifier';  -- a provisional point: no ground to hide a report

-- name: near_cells
-- The reports a new one may be linked to (another source, same category, in the batch's time span), each listed
-- in its own cell and in the neighbour on its nearer side along x, y and time: 8 cells. A report within reach
-- of it always lies in one of those 8 (the cells are wider than twice the reach), so a join on equal cells finds
-- every pair.
CREATE TEMP TABLE near_cells ON COMMIT DROP AS
WITH span AS (
    SELECT min(observed_at) - make_interval(secs => %(hours)s * 3600) AS lo,
           max(observed_at) + make_interval(secs => %(hours)s * 3600) AS hi,
           array_agg(DISTINCT category) AS categories,
           min(source) AS source, count(DISTINCT source) > 1 AS mixed
    FROM near_new
), candidates AS (
    SELECT o.id, o.source, o.category, o.observed_at, o.geom, o.created_at < now() AS stored,
           ST_X(o.geom) / %(cell_m)s AS fx, ST_Y(o.geom) / %(cell_m)s AS fy,
           extract(epoch FROM o.observed_at) / %(cell_s)s AS ft
    FROM reports o, span
    WHERE o.duplicate_of IS NULL AND o.geom IS NOT NULL AND o.geocode_status IS DISTINCT FROM 'a_verifier'
      AND o.category = ANY(span.categories)
      AND o.observed_at BETWEEN span.lo AND span.hi
      AND (span.mixed OR o.source <> span.source)
)
SELECT c.id, c.source, c.category, c.observed_at, c.geom, c.stored,
       floor(c.fx)::bigint + k.ox * (CASE WHEN c.fx - floor(c.fx) < 0.5 THEN -1 ELSE 1 END) AS cx,
       floor(c.fy)::bigint + k.oy * (CASE WHEN c.fy - floor(c.fy) < 0.5 THEN -1 ELSE 1 END) AS cy,
       floor(c.ft)::bigint + k.ot * (CASE WHEN c.ft - floor(c.ft) < 0.5 THEN -1 ELSE 1 END) AS ct
FROM candidates c
CROSS JOIN (VALUES (0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 1), (1, 1, 1))
    AS k (ox, oy, ot);

-- name: link_near_duplicates
-- A new report of the same category within %(metres)s m and %(hours)s h of a report from another source is linked
-- to the first such report (stored earlier, or earlier in this file) instead of counting twice.
UPDATE reports r SET duplicate_of = f.first_id
FROM (
    SELECT DISTINCT ON (n.id) n.id, c.id AS first_id
    FROM near_new n
    JOIN near_cells c ON c.category = n.category AND c.cx = n.cx AND c.cy = n.cy AND c.ct = n.ct
    WHERE c.source <> n.source
      AND c.observed_at BETWEEN n.observed_at - make_interval(secs => %(hours)s * 3600)
                            AND n.observed_at + make_interval(secs => %(hours)s * 3600)
      AND ST_DWithin(c.geom, n.geom, %(metres)s)
      AND (c.stored OR c.id < n.id)
    ORDER BY n.id, c.observed_at, c.id
) f
WHERE r.id = f.id;

-- name: link_few_near_duplicates
-- The same links for a batch of few new reports (a record sent through the API): each new report looks its first
-- near-duplicate up in the spatial index, in one statement and without the cell tables. Same rule: same category,
-- another source, within %(metres)s m and %(hours)s h, not itself a duplicate, stored earlier or earlier in this
-- batch; the first by date then id.
UPDATE reports r SET duplicate_of = f.first_id
FROM (
    SELECT n.id,
           (SELECT c.id FROM reports c
            WHERE c.category = n.category AND c.source <> n.source
              AND c.duplicate_of IS NULL AND c.geom IS NOT NULL AND c.geocode_status IS DISTINCT FROM 'a_verifier'
              AND c.observed_at BETWEEN n.observed_at - make_interval(secs => %(hours)s * 3600)
                                    AND n.observed_at + make_interval(secs => %(hours)s * 3600)
              AND ST_DWithin(c.geom, n.geom, %(metres)s)
              AND (c.created_at < now() OR c.id < n.id)
            ORDER BY c.observed_at, c.id
            LIMIT 1) AS first_id
    FROM reports n
    WHERE n.batch_id = %(batch)s AND n.created_at = now() AND n.geom IS NOT NULL AND n.duplicate_of IS NULL
      AND n.geocode_status IS DISTINCT FROM 'a_verifier'
) f
WHERE r.id = f.id AND f.first_id IS NOT NULL;

-- name: link_placed_near_duplicate
-- A report placed after its import (an address checked by a person) is linked as its batch's would have been:
-- to the first report of another source, same category, within %(metres)s m and %(hours)s h. Not when another
-- report is already linked to it (no chains).
UPDATE reports r SET duplicate_of = f.first_id
FROM (
    SELECT (SELECT c.id FROM reports c
            WHERE c.category = n.category AND c.source <> n.source AND c.id <> n.id
              AND c.duplicate_of IS NULL AND c.geom IS NOT NULL AND c.geocode_status IS DISTINCT FROM 'a_verifier'
              AND c.observed_at BETWEEN n.observed_at - make_interval(secs => %(hours)s * 3600)
                                    AND n.observed_at + make_interval(secs => %(hours)s * 3600)
              AND ST_DWithin(c.geom, n.geom, %(metres)s)
            ORDER BY c.observed_at, c.id
            LIMIT 1) AS first_id
    FROM reports n
    WHERE n.id = %(id)s AND n.duplicate_of IS NULL AND n.geom IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM reports d WHERE d.duplicate_of = n.id)
) f
WHERE r.id = %(id)s AND f.first_id IS NOT NULL
RETURNING r.duplicate_of;

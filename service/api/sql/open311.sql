-- name: services
SELECT code,
       CASE %(lang)s WHEN 'nl' THEN label_nl WHEN 'en' THEN label_en ELSE label_fr END,
       label_fr || ' / ' || label_nl,
       synonyms
FROM categories WHERE active ORDER BY code;

-- name: requests
-- Open311 "open" is every status but "clos"; at most 1000 requests, newest first (as the spec suggests).
SELECT r.id, CASE WHEN r.status = 'clos' THEN 'closed' ELSE 'open' END, r.category, c.label_fr,
       r.observed_at, r.updated_at, r.address,
       round(ST_X(ST_Transform(r.geom, 4326))::numeric, 6)::float8,
       round(ST_Y(ST_Transform(r.geom, 4326))::numeric, 6)::float8
FROM reports r JOIN categories c ON c.code = r.category
WHERE (%(ids)s::bigint[] IS NULL OR r.id = ANY(%(ids)s))
  AND (%(codes)s::text[] IS NULL OR r.category = ANY(%(codes)s))
  AND (%(since)s::timestamptz IS NULL OR r.observed_at >= %(since)s)
  AND (%(until)s::timestamptz IS NULL OR r.observed_at < %(until)s)
  AND (%(statuses)s::text[] IS NULL
       OR (CASE WHEN r.status = 'clos' THEN 'closed' ELSE 'open' END) = ANY(%(statuses)s))
ORDER BY r.observed_at DESC, r.id DESC
LIMIT 1000;

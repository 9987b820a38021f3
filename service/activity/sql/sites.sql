-- The place of an action (service/activity/sites.py): a sensitive point or a problem axis by its id.

-- name: point_site
-- A sensitive point as the place of an action: its outline, its label and the categories it was found in.
SELECT p.id, ST_AsBinary(p.geom), coalesce(p.address_label, p.id), nullif(p.category_scope, 'toutes')
FROM sensitive_points p WHERE p.id = %(id)s;

-- name: axis_site
-- A problem axis as the place of an action: its street stretch widened by %(band)s metres (the reports the axis
-- page lists), its street and commune.
SELECT a.id, ST_AsBinary(ST_Buffer(a.geom, %(band)s)), a.street || coalesce(' (' || a.municipality || ')', ''), NULL
FROM problem_axes a WHERE a.id = %(id)s;

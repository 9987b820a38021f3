-- name: points
-- Stored sensitive points of one scope ('toutes': every category together), the highest priority first.
SELECT id, state, address_label, main_category, n_reports, trend, priority, priority_components, recurrence_weeks,
       first_report, last_report, category_scope, ST_AsBinary(geom) AS geom, ST_X(point) AS x, ST_Y(point) AS y
FROM sensitive_points
WHERE category_scope = %(scope)s AND (%(states)s::text[] IS NULL OR state = ANY(%(states)s))
ORDER BY priority DESC NULLS LAST, id
LIMIT %(limit)s;

-- name: axes
-- Stored problem axes, the most reports first.
SELECT id, state, street, municipality, segments, length_m, reports, rate_per_100m, expected, ratio, origin,
       cluster_reports, first_report, last_report, priority, ST_AsBinary(geom) AS geom
FROM problem_axes
WHERE (%(states)s::text[] IS NULL OR state = ANY(%(states)s))
ORDER BY reports DESC, id
LIMIT %(limit)s;

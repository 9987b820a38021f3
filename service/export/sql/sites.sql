-- name: sites
-- Sites to inspect: sensitive points and problem axes, highest priority first, in WGS84 for GPS devices.
-- Axes have no priority of their own: they are ranked by their ratio to the expected count.
SELECT * FROM (
    SELECT 'point_sensible' AS type, p.id, coalesce(p.address_label, '') AS lieu, p.state AS etat,
           p.main_category AS categorie, p.n_reports AS signalements, p.trend AS tendance,
           round(p.priority::numeric, 2)::float8 AS priorite, p.last_report AS dernier_signalement,
           v.visited_at AS derniere_visite, v.outcome AS suite_visite,
           ST_X(ST_Transform(p.point, 4326)) AS lon, ST_Y(ST_Transform(p.point, 4326)) AS lat
    FROM sensitive_points p
    LEFT JOIN LATERAL (SELECT visited_at, outcome FROM visits v
                       WHERE v.point_id = p.id OR (v.geom IS NOT NULL AND ST_DWithin(v.geom, p.geom, 25))
                       ORDER BY visited_at DESC LIMIT 1) v ON true
    WHERE p.category_scope = 'toutes'
      AND (%(states)s::text[] IS NULL OR p.state = ANY(%(states)s))
      AND (%(min_priority)s::float8 IS NULL OR p.priority >= %(min_priority)s)
    UNION ALL
    SELECT 'axe', a.id, a.street || coalesce(' (' || a.municipality || ')', ''), a.state, NULL, a.reports, NULL,
           round(coalesce(a.ratio, 0)::numeric, 2)::float8, NULL, v.visited_at, v.outcome,
           ST_X(ST_Transform(ST_PointOnSurface(a.geom), 4326)), ST_Y(ST_Transform(ST_PointOnSurface(a.geom), 4326))
    FROM problem_axes a
    LEFT JOIN LATERAL (SELECT visited_at, outcome FROM visits v
                       WHERE v.axis_id = a.id OR (v.geom IS NOT NULL AND ST_DWithin(v.geom, a.geom, 15))
                       ORDER BY visited_at DESC LIMIT 1) v ON true
    WHERE %(with_axes)s AND (%(states)s::text[] IS NULL OR a.state = ANY(%(states)s))
) s
ORDER BY type DESC, priorite DESC NULLS LAST, id
LIMIT %(limit)s;

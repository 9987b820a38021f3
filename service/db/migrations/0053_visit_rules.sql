-- What counts as a visit of a site, written once for the API, the planner and the analysis: a visit recorded on the
-- sensitive point, or made within 25 m of its polygon; recorded on the problem axis, or made within 15 m of its
-- line. One-expression SQL functions: PostgreSQL inlines them into the calling query, so the indexes on
-- visits (point_id, axis_id, the GiST on geom) still serve them.
CREATE FUNCTION visit_counts_for(v visits, p sensitive_points) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN v.point_id = p.id OR (v.geom IS NOT NULL AND ST_DWithin(v.geom, p.geom, 25));

CREATE FUNCTION visit_counts_for(v visits, a problem_axes) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN v.axis_id = a.id OR (v.geom IS NOT NULL AND ST_DWithin(v.geom, a.geom, 15));

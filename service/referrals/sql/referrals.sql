-- name: recipients
SELECT code, label_fr, kind, synonyms FROM referral_recipients WHERE active ORDER BY kind, code;

-- name: open_for_target
-- The proposed or active referral of a report or site, if any.
SELECT id, status, recipient, referred_at, proposed_at FROM referrals
WHERE target_kind = %(kind)s AND target_id = %(id)s AND status IN ('propose', 'actif');

-- name: report_target
-- A report to refer: its point, how people name the place, and the active referral it already belongs to.
SELECT r.id, r.referral_id, r.duplicate_of, coalesce(r.geocode_label, r.address) AS label, r.geom,
       (SELECT f.recipient FROM referrals f WHERE f.id = r.referral_id) AS referred_to
FROM reports r WHERE r.id = %(id)s;

-- name: point_target
-- A sensitive point to refer: its polygon, its name, and its reports not referred yet (near-duplicates left out).
SELECT p.id, p.address_label AS label, p.geom,
       coalesce((SELECT array_agg(r.id ORDER BY r.id) FROM reports r
                 WHERE r.id = ANY(p.report_ids) AND r.referral_id IS NULL AND r.duplicate_of IS NULL), '{}') AS free,
       cardinality(p.report_ids) AS total
FROM sensitive_points p WHERE p.id = %(id)s;

-- name: axis_target
-- A problem axis to refer: its line, its street, and the reports within 15 m of it over the analysis window (as the
-- planner counts them) not referred yet.
SELECT a.id, a.street || coalesce(' (' || a.municipality || ')', '') AS label, a.geom,
       coalesce((SELECT array_agg(r.id ORDER BY r.id) FROM reports r
                 WHERE r.geom IS NOT NULL AND ST_DWithin(r.geom, a.geom, 15) AND r.observed_at >= %(since)s
                   AND r.referral_id IS NULL AND r.duplicate_of IS NULL), '{}') AS free,
       (SELECT count(*) FROM reports r
        WHERE r.geom IS NOT NULL AND ST_DWithin(r.geom, a.geom, 15) AND r.observed_at >= %(since)s
          AND r.duplicate_of IS NULL) AS total
FROM problem_axes a WHERE a.id = %(id)s;

-- name: insert
INSERT INTO referrals (target_kind, target_id, recipient, status, reason, rule_id, label, geom,
                       proposed_at, proposed_by, referred_at, referred_by)
VALUES (%(kind)s, %(id)s, %(recipient)s, %(status)s, %(reason)s, %(rule)s, %(label)s, %(geom)s,
        %(proposed_at)s, %(proposed_by)s, %(referred_at)s, %(referred_by)s)
RETURNING id;

-- name: link_reports
INSERT INTO referral_reports (referral_id, report_id) SELECT %(referral)s, unnest(%(reports)s::bigint[])
ON CONFLICT DO NOTHING;

-- name: mark_reports
-- The reports of an active referral leave the hotspot counts (a report already referred elsewhere stays there).
UPDATE reports SET referral_id = %(referral)s
WHERE id IN (SELECT report_id FROM referral_reports WHERE referral_id = %(referral)s) AND referral_id IS NULL;

-- name: unmark_reports
UPDATE reports SET referral_id = NULL WHERE referral_id = %(referral)s;

-- name: one
SELECT f.id, f.target_kind, f.target_id, f.recipient, rr.label_fr AS recipient_label, rr.kind AS recipient_kind,
       f.status, f.reason, f.rule_id, f.label, f.proposed_at, f.proposed_by, f.referred_at, f.referred_by,
       f.closed_at, f.closed_by, f.close_reason, f.created_at
FROM referrals f JOIN referral_recipients rr ON rr.code = f.recipient
WHERE f.id = %(id)s;

-- name: lock_one
SELECT status FROM referrals WHERE id = %(id)s FOR UPDATE;

-- name: confirm
UPDATE referrals SET status = 'actif', referred_at = %(at)s, referred_by = %(by)s,
                     reason = coalesce(%(reason)s, reason)
WHERE id = %(id)s AND status = 'propose';

-- name: close
UPDATE referrals SET status = %(status)s, closed_at = %(at)s, closed_by = %(by)s, close_reason = %(reason)s
WHERE id = %(id)s AND status = %(from)s;

-- name: already_referred
-- Reports of a proposal that another referral took meanwhile.
SELECT rr.report_id, r.referral_id FROM referral_reports rr JOIN reports r ON r.id = rr.report_id
WHERE rr.referral_id = %(id)s AND r.referral_id IS NOT NULL AND r.referral_id <> %(id)s;

-- name: list
-- Referrals with their recipient, place, main category, report count and a representative point (Lambert 72), newest
-- first. No report text, no personal data.
SELECT f.id, f.target_kind, f.target_id, f.recipient, rr.label_fr AS recipient_label, f.status, f.reason,
       f.rule_id, f.label, f.proposed_at, f.proposed_by, f.referred_at, f.referred_by, f.closed_at, f.closed_by,
       f.close_reason, f.created_at,
       s.n_reports, s.main_category, s.first_report, s.last_report,
       coalesce(near.municipality, s.commune) AS commune,
       ST_X(pt.p) AS x, ST_Y(pt.p) AS y, ST_AsBinary(f.geom) AS geom
FROM referrals f
JOIN referral_recipients rr ON rr.code = f.recipient
LEFT JOIN LATERAL (
    SELECT count(*) AS n_reports, min(r.observed_at) AS first_report, max(r.observed_at) AS last_report,
           mode() WITHIN GROUP (ORDER BY r.category) AS main_category, min(r.commune) AS commune
    FROM referral_reports l JOIN reports r ON r.id = l.report_id WHERE l.referral_id = f.id
) s ON true
LEFT JOIN LATERAL (SELECT CASE WHEN f.geom IS NULL THEN NULL
                               WHEN GeometryType(f.geom) = 'POINT' THEN f.geom
                               ELSE ST_PointOnSurface(f.geom) END AS p) pt ON true
LEFT JOIN LATERAL (
    SELECT a.municipality FROM gazetteer_addresses a WHERE pt.p IS NOT NULL ORDER BY a.geom <-> pt.p LIMIT 1
) near ON true
WHERE (%(statuses)s::text[] IS NULL OR f.status = ANY(%(statuses)s))
  AND (%(recipient)s::text IS NULL OR f.recipient = %(recipient)s)
  AND (%(report)s::bigint IS NULL OR EXISTS (SELECT 1 FROM referral_reports l
                                             WHERE l.referral_id = f.id AND l.report_id = %(report)s))
  AND (%(target)s::text IS NULL OR f.target_id = %(target)s)
ORDER BY coalesce(f.referred_at, f.proposed_at, f.created_at) DESC, f.id DESC
LIMIT %(limit)s;

-- name: reports_of
-- The reports a referral covers (its history), without text or personal data.
SELECT r.id, r.category, r.observed_at, r.status, r.referral_id = %(id)s AS still_out
FROM referral_reports l JOIN reports r ON r.id = l.report_id
WHERE l.referral_id = %(id)s ORDER BY r.observed_at DESC, r.id DESC;

-- name: propose
-- Proposals of the active rules for reports of one batch (or of every report when batch is null): reports of the
-- rule's category, placed, not a near-duplicate, never referred nor proposed before (a refused proposal is not made
-- again), at a private address when the rule says so (an official address within %(private_m)s metres).
WITH candidates AS (
    SELECT DISTINCT ON (r.id) r.id, q.id AS rule_id, q.recipient, q.reason, r.geom,
           coalesce(r.geocode_label, r.address) AS label
    FROM reports r
    JOIN referral_rules q ON q.active AND q.category = r.category
    WHERE (%(batch)s::bigint IS NULL OR r.batch_id = %(batch)s)
      AND r.geom IS NOT NULL AND r.duplicate_of IS NULL AND r.referral_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM referral_reports l WHERE l.report_id = r.id)
      AND NOT EXISTS (SELECT 1 FROM referrals f WHERE f.target_kind = 'signalement' AND f.target_id = r.id::text)
      AND (q.place = 'partout'
           OR EXISTS (SELECT 1 FROM gazetteer_addresses a WHERE ST_DWithin(a.geom, r.geom, %(private_m)s)))
    ORDER BY r.id, q.id
), made AS (
    INSERT INTO referrals (target_kind, target_id, recipient, status, reason, rule_id, label, geom,
                           proposed_at, proposed_by)
    SELECT 'signalement', c.id::text, c.recipient, 'propose', c.reason, c.rule_id, c.label, c.geom,
           now(), 'regle:' || c.rule_id
    FROM candidates c
    RETURNING id, target_id
)
INSERT INTO referral_reports (referral_id, report_id) SELECT id, target_id::bigint FROM made;

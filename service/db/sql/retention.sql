-- The retention of personal data (service/db/personal.py): a reporter's contact details go once their report has
-- been closed for longer than the retention — from the closing date the source gave, else from the last change of
-- the closed report, which is never before its closing — and the personal columns of a rejected row once its
-- import is that old.

-- name: expired_counts
SELECT (SELECT count(*) FROM private.reporter_contacts c JOIN reports r ON r.id = c.report_id
        WHERE r.status = 'clos' AND coalesce(r.closed_at, r.updated_at) < %(before)s) AS reporters,
       (SELECT count(*) FROM private.rejected_row_contacts c
        JOIN rejected_rows j ON j.id = c.rejected_row_id JOIN ingestion_batches b ON b.id = j.batch_id
        WHERE b.started_at < %(before)s) AS rejected_rows

-- name: erase_reporters
DELETE FROM private.reporter_contacts c USING reports r
WHERE r.id = c.report_id AND r.status = 'clos' AND coalesce(r.closed_at, r.updated_at) < %(before)s

-- name: erase_rejected_rows
DELETE FROM private.rejected_row_contacts c USING rejected_rows j, ingestion_batches b
WHERE j.id = c.rejected_row_id AND b.id = j.batch_id AND b.started_at < %(before)s

-- name: open_kept
-- Reports still open though received before the limit: their reporter's details stay (someone should close them).
SELECT count(*) FROM private.reporter_contacts c JOIN reports r ON r.id = c.report_id
WHERE r.status <> 'clos' AND r.observed_at < %(before)s

-- name: erase_reporter
-- Its name comes back, to be looked for in the description.
DELETE FROM private.reporter_contacts WHERE report_id = %(report)s RETURNING name

-- name: closed_descriptions
-- Descriptions of reports closed before the limit that may hold personal data (a digit, an @, a title, or a
-- reporter's name still kept: a cheap first look; service/db/redact.py reads them precisely), with that name. Read
-- before the reporters are erased.
SELECT r.id, r.description, c.name FROM reports r
LEFT JOIN private.reporter_contacts c ON c.report_id = r.id
WHERE r.status = 'clos' AND coalesce(r.closed_at, r.updated_at) < %(before)s AND r.description IS NOT NULL
  AND (r.description ~* %(maybe)s OR nullif(btrim(c.name), '') IS NOT NULL)
ORDER BY r.id

-- name: redact_description
UPDATE reports SET description = %(description)s WHERE id = %(id)s

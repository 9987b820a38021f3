-- name: forget_old_jobs
-- The jobs ended more than an hour ago (their batch stays in the list of batches), and those cut short long ago.
DELETE FROM import_jobs
WHERE ended_at < clock_timestamp() - make_interval(secs => %(keep)s)
   OR (ended_at IS NULL AND beat_at < clock_timestamp() - make_interval(secs => %(keep)s));

-- name: running_jobs
-- The imports running now, in any server process (one whose process stopped giving signs is not counted).
SELECT count(*) FROM import_jobs
WHERE ended_at IS NULL AND beat_at >= clock_timestamp() - make_interval(secs => %(stale)s);

-- name: lock_jobs
-- One start at a time, across processes: two starts never both see one free place.
SELECT pg_advisory_xact_lock(hashtext('hotspots:imports'));

-- name: new_job
INSERT INTO import_jobs (id, login, file_name, kind) VALUES (%(id)s, %(login)s, %(file_name)s, %(kind)s);

-- name: job_progress
UPDATE import_jobs SET read_bytes = %(read)s, total_bytes = %(total)s, stage = %(stage)s, beat_at = clock_timestamp()
WHERE id = %(id)s AND ended_at IS NULL;

-- name: job_sheet
-- A register imported sheet by sheet: the sheet now read, from its start.
UPDATE import_jobs SET sheet = %(sheet)s, read_bytes = 0, stage = 'lecture', beat_at = clock_timestamp()
WHERE id = %(id)s AND ended_at IS NULL;

-- name: job_beat
UPDATE import_jobs SET beat_at = clock_timestamp() WHERE id = %(id)s AND ended_at IS NULL;

-- name: job_end
UPDATE import_jobs
SET stage = %(stage)s, result = %(result)s, error = %(error)s, ended_at = clock_timestamp(), beat_at = clock_timestamp()
WHERE id = %(id)s;

-- name: job
-- One job as the page reads it; « stale »: not ended, and no sign from its process for a while.
SELECT login, file_name, kind, stage, read_bytes, total_bytes, sheet,
       extract(epoch FROM coalesce(ended_at, clock_timestamp()) - started_at)::float8 AS seconds,
       result, error,
       ended_at IS NULL AND beat_at < clock_timestamp() - make_interval(secs => %(stale)s) AS stale
FROM import_jobs WHERE id = %(id)s;

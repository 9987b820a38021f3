-- A shift can be cancelled: planned again with other settings, or called off. It stays (who planned it, what it
-- held) but leaves the activity report's counts, and its sites become free for another shift; a shift that has
-- visits recorded took place and cannot be cancelled.
ALTER TABLE plans ADD COLUMN cancelled_at timestamptz, ADD COLUMN cancelled_by text;
COMMENT ON COLUMN plans.cancelled_at IS 'Quand la tournée a été annulée (NULL : elle vaut) ; ses sites redeviennent libres.';

-- A batch imported by mistake (the wrong file, the wrong month, under the wrong source) is withdrawn: its rows are
-- taken out of their table, the batch stays in the list as « annulé » with who, when and why, its account intact
-- (its counts still add up: they say what the file held).
ALTER TABLE ingestion_batches DROP CONSTRAINT ingestion_batches_status_check;
ALTER TABLE ingestion_batches ADD CONSTRAINT ingestion_batches_status_check
    CHECK (status IN ('en_cours', 'termine', 'refuse', 'annule'));
ALTER TABLE ingestion_batches DROP CONSTRAINT batch_counts_add_up;
ALTER TABLE ingestion_batches ADD CONSTRAINT batch_counts_add_up
    CHECK (status NOT IN ('termine', 'annule') OR rows_in = inserted + updated + duplicates + rejected);
ALTER TABLE ingestion_batches
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawn_by text,
    ADD COLUMN withdrawn_reason text,
    ADD COLUMN withdrawn_rows integer,
    ADD CONSTRAINT batch_withdrawn_said CHECK (
        (status = 'annule') = (withdrawn_at IS NOT NULL AND withdrawn_by IS NOT NULL AND withdrawn_reason IS NOT NULL));
COMMENT ON COLUMN ingestion_batches.withdrawn_reason IS 'Pourquoi le lot a été annulé (« mauvais fichier : février au lieu de mars »).';
COMMENT ON COLUMN ingestion_batches.withdrawn_rows IS 'Lignes retirées de leur table à l''annulation.';

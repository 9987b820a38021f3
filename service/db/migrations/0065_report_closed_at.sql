-- The date a report was closed, when the file that brings it says so (« date de clôture »): the retention of the
-- reporter's personal data counts from it. Without it (older imports, files without that column), the last change
-- of a closed report stands for its closing, as before.
ALTER TABLE reports ADD COLUMN closed_at timestamptz;
ALTER TABLE reports ADD CONSTRAINT reports_closed_at_closed CHECK (closed_at IS NULL OR status = 'clos');
COMMENT ON COLUMN reports.closed_at IS 'Date de clôture donnée par la source (vide : inconnue ; la dernière modification d''un signalement clos en tient lieu).';

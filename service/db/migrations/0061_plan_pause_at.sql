-- A shift's break at a time asked (lunch « vers 12h »): each team takes it after the first stop that ends at or
-- after that time, instead of at mid-shift. NULL: at mid-shift, as before.
ALTER TABLE plans ADD COLUMN pause_at timestamptz;

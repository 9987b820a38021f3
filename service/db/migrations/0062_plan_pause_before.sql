-- A team whose first stop is a window after the break (an appointment at 11:00, a company opening after lunch)
-- takes its break on arrival there, before the visit: nothing came before it to take the break after. Its minutes
-- were in the times but no sheet said so.
ALTER TABLE plan_stops ADD COLUMN pause_before_minutes double precision NOT NULL DEFAULT 0
    CHECK (pause_before_minutes >= 0);

-- A shift's break: each team takes it once, at mid-shift, within the shift's duration (a 7 h 30 shift with a
-- 30 min break leaves 7 h to travel and visit). The plan keeps its length; each stop how long the team rests
-- after it (0 for every stop but one per team), so the sheets say where the break falls.
ALTER TABLE plans ADD COLUMN pause_minutes double precision NOT NULL DEFAULT 0
    CHECK (pause_minutes >= 0 AND pause_minutes < budget_minutes);
ALTER TABLE plan_stops ADD COLUMN pause_after_minutes double precision NOT NULL DEFAULT 0
    CHECK (pause_after_minutes >= 0);

-- Appointments in a shift: a stop set at a time agreed with the people met there (an owner, a company, a
-- complainant), and the minutes a team waits on site for it.
ALTER TABLE plan_stops ADD COLUMN appointment_at timestamptz;
ALTER TABLE plan_stops ADD COLUMN wait_minutes double precision NOT NULL DEFAULT 0 CHECK (wait_minutes >= 0);

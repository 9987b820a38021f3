-- A shift's break at a time asked (lunch « vers 12h »): each team takes it after the first stop that ends at or
-- after that time, instead of at mid-shift (NULL: at mid-shift, as before). And an appointment may be a range
-- (« entre 10h et 11h »): the visit starts between appointment_at and appointment_until (NULL: at the time set).
ALTER TABLE plans ADD COLUMN pause_at timestamptz;
ALTER TABLE plan_stops ADD COLUMN appointment_until timestamptz
    CHECK (appointment_until IS NULL OR appointment_until > appointment_at);
-- A company's own opening hours, from the permit register (« lun-ven 07:00-16:00 », as service.hours writes them):
-- its checks are planned in them (NULL: the service's HOTSPOTS_PLAN_PERMIT_HOURS).
ALTER TABLE permits ADD COLUMN opening_hours text;

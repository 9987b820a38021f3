-- The nearest official address of each sensitive point: how officers name a place.
ALTER TABLE sensitive_points ADD COLUMN address_label text;

-- A citizen app's key renewed with an overlap: the former key keeps working until previous_until, so the app can
-- be given its new key without a day of refused reports. Withdrawing the key stops both.
ALTER TABLE open311_clients ADD COLUMN previous_key_sha256 text;
ALTER TABLE open311_clients ADD COLUMN previous_until timestamptz;
ALTER TABLE open311_clients ADD COLUMN renewed_at timestamptz;
COMMENT ON COLUMN open311_clients.previous_until IS 'La clé précédente reste valable jusqu''à cette date (renouvellement avec chevauchement).';

-- Failed logins, so that guessing passwords is slowed down across every server process: after too many failures
-- for one login (or from one address) within a window, logins are refused for a while (service/accounts).
-- Rows older than a day are purged as new ones come.
CREATE TABLE login_failures (
    id              bigserial PRIMARY KEY,
    login           text NOT NULL,
    address         text,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_address ON login_failures (address, at) WHERE address IS NOT NULL;
CREATE INDEX login_failures_at ON login_failures (at);
COMMENT ON TABLE login_failures IS 'Échecs de connexion récents (identifiant, adresse), pour limiter les essais.';

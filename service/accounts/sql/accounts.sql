-- name: insert_user
INSERT INTO users (login, full_name, role, password_hash)
VALUES (%(login)s, %(full_name)s, %(role)s, %(password_hash)s)
RETURNING id;

-- name: user_by_login
SELECT id, login, full_name, role, password_hash, active FROM users WHERE login = %(login)s;

-- name: list_users
SELECT id, login, full_name, role, active, created_at, last_login_at FROM users ORDER BY login;

-- name: set_password
UPDATE users SET password_hash = %(password_hash)s WHERE login = %(login)s RETURNING id;

-- name: set_role
UPDATE users SET role = %(role)s WHERE login = %(login)s RETURNING id;

-- name: set_active
UPDATE users SET active = %(active)s WHERE login = %(login)s RETURNING id;

-- name: revoke_user_sessions
UPDATE sessions SET revoked = true WHERE user_id = (SELECT id FROM users WHERE login = %(login)s);

-- name: touch_login
UPDATE users SET last_login_at = now() WHERE id = %(id)s;

-- name: insert_session
INSERT INTO sessions (token_sha256, user_id, expires_at) VALUES (%(digest)s, %(user_id)s, %(expires_at)s);

-- name: session_user
SELECT u.id, u.login, u.full_name, u.role, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_sha256 = %(digest)s AND NOT s.revoked AND s.expires_at > now() AND u.active;

-- name: revoke_session
UPDATE sessions SET revoked = true WHERE token_sha256 = %(digest)s;

-- name: purge_sessions
DELETE FROM sessions WHERE expires_at < now() - interval '30 days';

-- name: insert_client
-- A renewal keeps the former key working until %(overlap_until)s (NULL: it stops now); a withdrawn key renewed
-- gives no overlap to the withdrawn one.
INSERT INTO open311_clients AS c (name, key_sha256) VALUES (%(name)s, %(digest)s)
ON CONFLICT (name) DO UPDATE SET
    key_sha256 = EXCLUDED.key_sha256,
    previous_key_sha256 = CASE WHEN c.active AND %(overlap_until)s::timestamptz IS NOT NULL THEN c.key_sha256 END,
    previous_until = CASE WHEN c.active THEN %(overlap_until)s::timestamptz END,
    renewed_at = now(),
    active = true
RETURNING id;

-- name: client_by_key
SELECT name FROM open311_clients
WHERE active AND (key_sha256 = %(digest)s OR (previous_key_sha256 = %(digest)s AND previous_until > now()));

-- name: recent_failures
-- Failures within the window: for this login, and from this address; the oldest of each, to say when to retry.
SELECT count(*) FILTER (WHERE login = %(login)s),
       min(at) FILTER (WHERE login = %(login)s),
       count(*) FILTER (WHERE address = %(address)s),
       min(at) FILTER (WHERE address = %(address)s)
FROM login_failures
WHERE at > now() - make_interval(secs => %(window_s)s)
  AND (login = %(login)s OR address = %(address)s);

-- name: record_failure
INSERT INTO login_failures (login, address) VALUES (%(login)s, %(address)s);

-- name: purge_failures
DELETE FROM login_failures WHERE at < now() - interval '1 day';

-- name: clear_failures
DELETE FROM login_failures WHERE login = %(login)s;

-- name: other_active_admins
-- The other active administrators, locked until the change commits: two administrators removing each other at
-- the same moment cannot both succeed.
SELECT count(*) FROM (
    SELECT 1 FROM users WHERE role = 'admin' AND active AND login <> %(login)s FOR UPDATE
) AS others;

-- name: list_clients
SELECT name, active, created_at, renewed_at,
       CASE WHEN active AND previous_until > now() THEN previous_until END AS previous_until
FROM open311_clients ORDER BY name;

-- name: disable_client
UPDATE open311_clients SET active = false WHERE name = %(name)s RETURNING id;

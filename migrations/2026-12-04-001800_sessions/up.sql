-- Sessions that can be ended: the cookie holds the id of a row here; every request (through a short cache) checks
-- that the row is not revoked, not idle too long, not too old, and that its account is still enabled.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);

-- A disabled account cannot sign in and its sessions end.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;

-- What was done to an account, and by whom (disabled, enabled, signed out everywhere).
CREATE TABLE account_events (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX account_events_user_idx ON account_events (user_id, created_at);

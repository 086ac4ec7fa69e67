-- Browsers an account signed in from (known devices): the cookie holds a random token, this table its SHA-256. The
-- sign-in limiter lets a known device past the account's delay, so a stranger's guesses cannot keep the owner out.
CREATE TABLE known_devices (
    token_hash TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- One browser can be known to several accounts (a shared computer at home).
    PRIMARY KEY (token_hash, user_id)
);
CREATE INDEX known_devices_last_seen_idx ON known_devices (last_seen_at);

-- A failure from a known device of the account names the device; failures from elsewhere (device NULL) are the ones
-- that slow the account.
ALTER TABLE login_failures ADD COLUMN device TEXT;
CREATE INDEX login_failures_device_idx ON login_failures (device, failed_at) WHERE device IS NOT NULL;

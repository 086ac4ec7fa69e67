-- Messages leaving the system (email, SMS), written in the same transaction as
-- the change they report and delivered by the worker (transactional outbox).
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT NOT NULL,
    user_id         BIGINT REFERENCES users (id),
    ticket_id       BIGINT REFERENCES tickets (id),
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    -- A sender's claim: others leave the row alone until it runs out.
    claimed_until   TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    -- Given up after too many failures.
    failed_at       TIMESTAMPTZ,
    last_error      TEXT
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Each person's language for messages, and whether they want email at all.
ALTER TABLE users
    ADD COLUMN language TEXT NOT NULL DEFAULT 'zh-CN' CHECK (language IN ('zh-CN', 'en')),
    ADD COLUMN email_notifications BOOLEAN NOT NULL DEFAULT TRUE;

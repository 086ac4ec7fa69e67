-- Idempotent submissions: each state-changing form carries a one-time key; the first request with it claims the row
-- (the unique key makes a second one wait for the first) and records where its result is, so a repeat gets the same
-- answer instead of doing the work again. `status` is null while the first is under way.
CREATE TABLE submissions (
    key TEXT PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    route TEXT NOT NULL,
    status SMALLINT,
    location TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX submissions_created_idx ON submissions (created_at);

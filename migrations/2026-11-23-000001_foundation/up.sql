-- Foundation: accounts, tickets, the append-only event log.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'supervisor')),
    name          TEXT NOT NULL,
    email         TEXT,
    phone         TEXT,
    company       TEXT,
    -- NULL for customer records made by an agent at intake (no login yet).
    password_hash TEXT,
    region        TEXT,
    skills        TEXT[] NOT NULL DEFAULT '{}',
    available     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
);
-- Emails are stored lower-cased by the app; the unique index makes a duplicate
-- registration fail even when two arrive at once.
CREATE UNIQUE INDEX users_email_key ON users (email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_phone_key ON users (phone) WHERE phone IS NOT NULL;
CREATE INDEX users_role_idx ON users (role, name);

-- Failed logins, counted per account and per address for rate limiting.
-- A table (not process memory) so several app instances share the count.
CREATE TABLE login_failures (
    id        BIGSERIAL PRIMARY KEY,
    account   TEXT NOT NULL,
    address   TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_account_idx ON login_failures (account, failed_at);
CREATE INDEX login_failures_address_idx ON login_failures (address, failed_at);

-- Per-day counters behind ticket numbers (AS20261123-000042). The row lock taken
-- by the upsert serialises concurrent filings on the same day.
CREATE TABLE ticket_number_days (
    day      DATE PRIMARY KEY,
    last_seq INTEGER NOT NULL
);

CREATE TABLE tickets (
    id                BIGSERIAL PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    customer_id       BIGINT NOT NULL REFERENCES users (id),
    ticket_type       TEXT NOT NULL CHECK (ticket_type IN ('fault_repair', 'consultation', 'complaint',
                          'maintenance', 'return_exchange', 'account', 'service_process')),
    urgency           TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent', 'critical')),
    -- The queue sorts most urgent first; a rank column lets one ascending
    -- index serve both the sort and the keyset comparison.
    urgency_rank      SMALLINT GENERATED ALWAYS AS (
                          CASE urgency WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END) STORED,
    channel           TEXT NOT NULL CHECK (channel IN ('web', 'phone', 'email', 'app', 'social', 'store')),
    state             TEXT NOT NULL CHECK (state IN ('submitted', 'assigned', 'in_progress',
                          'awaiting_customer', 'resolved', 'closed', 'withdrawn')),
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    desired_outcome   TEXT NOT NULL CHECK (desired_outcome IN ('repair', 'replacement', 'refund',
                          'explanation', 'other')),
    product_model     TEXT NOT NULL,
    serial_number     TEXT,
    purchase_date     DATE,
    order_number      TEXT,
    contact_name      TEXT NOT NULL,
    contact_phone     TEXT,
    contact_email     TEXT,
    address           TEXT,
    region            TEXT,
    assignee_id       BIGINT REFERENCES users (id),
    version           INTEGER NOT NULL DEFAULT 1,
    reopen_count      INTEGER NOT NULL DEFAULT 0,
    first_response_at TIMESTAMPTZ,
    resolved_at       TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    withdrawn_at      TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- What the queue's text filter matches: number, title, contact name and phone.
    search_text       TEXT GENERATED ALWAYS AS (
                          number || ' ' || title || ' ' || contact_name || ' ' || coalesce(contact_phone, '')) STORED
);

-- Queue orders: urgency, then age, then id (the keyset).
CREATE INDEX tickets_open_queue_idx ON tickets (urgency_rank, created_at, id)
    WHERE state NOT IN ('closed', 'withdrawn');
CREATE INDEX tickets_state_queue_idx ON tickets (state, urgency_rank, created_at, id);
CREATE INDEX tickets_assignee_queue_idx ON tickets (assignee_id, urgency_rank, created_at, id);
CREATE INDEX tickets_customer_idx ON tickets (customer_id, created_at DESC, id DESC);
CREATE INDEX tickets_search_trgm_idx ON tickets USING gin (search_text gin_trgm_ops);

-- The append-only event log (处理进度). Public replies and internal notes are
-- events too, so the log is the one history of a ticket.
CREATE TABLE ticket_events (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    actor_id    BIGINT REFERENCES users (id),
    kind        TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    body        TEXT,
    internal    BOOLEAN NOT NULL DEFAULT FALSE,
    data        JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);

CREATE FUNCTION ticket_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ticket_events is append-only';
END;
$$;
CREATE TRIGGER ticket_events_no_change BEFORE UPDATE OR DELETE ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only();

-- SLA (服务时限): policies, the business calendar, due times on tickets, and
-- the warnings and breaches recorded once each.

-- A policy per urgency, optionally narrowed to one ticket type (which wins).
CREATE TABLE sla_policies (
    id                     BIGSERIAL PRIMARY KEY,
    urgency                TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent', 'critical')),
    ticket_type            TEXT CHECK (ticket_type IN ('fault_repair', 'consultation', 'complaint',
                               'maintenance', 'return_exchange', 'account', 'service_process')),
    first_response_minutes INTEGER NOT NULL CHECK (first_response_minutes > 0),
    resolution_minutes     INTEGER NOT NULL CHECK (resolution_minutes > 0),
    -- FALSE: around the clock (24×7).
    business_hours         BOOLEAN NOT NULL DEFAULT TRUE,
    updated_by             BIGINT REFERENCES users (id),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (urgency, ticket_type)
);
INSERT INTO sla_policies (urgency, first_response_minutes, resolution_minutes) VALUES
    ('normal', 24 * 60, 72 * 60),
    ('urgent', 2 * 60, 24 * 60),
    ('critical', 30, 8 * 60);

-- The zone business hours are counted in: the app writes its configured zone
-- (AFTERSALES_TIMEZONE) here at start, so every instance and job agrees.
CREATE TABLE service_zone (
    single    BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (single),
    time_zone TEXT NOT NULL
);
INSERT INTO service_zone (time_zone) VALUES ('Asia/Shanghai');

-- Weekly working hours (local time of the configured zone); Monday = 0.
CREATE TABLE business_hours (
    id      BIGSERIAL PRIMARY KEY,
    weekday SMALLINT NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    starts  TIME NOT NULL,
    ends    TIME NOT NULL CHECK (ends > starts)
);
INSERT INTO business_hours (weekday, starts, ends)
    SELECT d, TIME '09:00', TIME '18:00' FROM generate_series(0, 4) AS d;

-- Holidays (法定节假日) and make-up working days (调休).
CREATE TABLE calendar_days (
    day    DATE PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name   TEXT NOT NULL DEFAULT '',
    -- A make-up day's hours; none means the usual Monday hours.
    starts TIME,
    ends   TIME,
    CHECK ((starts IS NULL) = (ends IS NULL) AND (ends IS NULL OR ends > starts))
);

ALTER TABLE tickets
    ADD COLUMN first_response_due_at TIMESTAMPTZ,
    ADD COLUMN resolution_due_at     TIMESTAMPTZ,
    -- Clock time given back by pauses (awaiting the customer), in seconds of
    -- the policy's clock: business seconds, or wall seconds for 24×7.
    ADD COLUMN sla_paused_seconds    BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN sla_paused_at         TIMESTAMPTZ,
    -- The target running now (first response, then resolution): when it
    -- warns (80 %) and when it is due; none while paused or when met.
    ADD COLUMN sla_warn_at           TIMESTAMPTZ,
    ADD COLUMN sla_due_at            TIMESTAMPTZ,
    -- When the SLA sweep must next look at this ticket; none if nothing is pending.
    ADD COLUMN sla_check_at          TIMESTAMPTZ;
CREATE INDEX tickets_sla_check_idx ON tickets (sla_check_at) WHERE sla_check_at IS NOT NULL;
-- The queue sorted by time left, most pressing first.
CREATE INDEX tickets_sla_queue_idx ON tickets (sla_due_at, id)
    WHERE state NOT IN ('closed', 'withdrawn') AND sla_due_at IS NOT NULL;

CREATE TABLE sla_marks (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    target    TEXT NOT NULL CHECK (target IN ('first_response', 'resolution')),
    level     TEXT NOT NULL CHECK (level IN ('warning', 'breach')),
    due_at    TIMESTAMPTZ NOT NULL,
    marked_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, target, level)
);

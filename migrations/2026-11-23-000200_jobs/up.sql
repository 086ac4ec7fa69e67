-- The background worker's queue, and what the auto-close sweep needs from tickets.

-- One row per job. A worker claims due rows with FOR UPDATE SKIP LOCKED and
-- marks the claim in the row (locked_by, locked_until), so the claim outlives
-- the claiming statement but not a crashed worker: once locked_until passes,
-- another worker picks the job up again.
CREATE TABLE jobs (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL,
    payload        JSONB NOT NULL DEFAULT '{}',
    -- A job that must exist once (a recurring sweep, "remind about AS… once")
    -- names itself; enqueueing it again is a no-op.
    dedupe_key     TEXT UNIQUE,
    -- Recurring jobs run again this many seconds after each run; NULL = once.
    repeat_seconds INTEGER CHECK (repeat_seconds > 0),
    run_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Counted when claimed, so a job that kills its worker still runs out of attempts.
    attempts       INTEGER NOT NULL DEFAULT 0,
    max_attempts   INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    locked_by      TEXT,
    locked_until   TIMESTAMPTZ,
    last_error     TEXT,
    done_at        TIMESTAMPTZ,
    -- Gave up after max_attempts; kept for inspection.
    failed_at      TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- The claim query walks pending jobs in run_at order; finished ones drop out of the index.
CREATE INDEX jobs_pending_idx ON jobs (run_at, id) WHERE done_at IS NULL AND failed_at IS NULL;

-- The auto-close sweep: resolved tickets by the time they were resolved.
CREATE INDEX tickets_resolved_sweep_idx ON tickets (resolved_at) WHERE state = 'resolved';

-- Tickets resolved or closed before these columns were kept get them from the event log.
UPDATE tickets t SET resolved_at = (
    SELECT max(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'resolved')
WHERE t.resolved_at IS NULL AND t.state IN ('resolved', 'closed');
UPDATE tickets t SET closed_at = (
    SELECT max(e.created_at) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind IN ('confirmed', 'auto_closed'))
WHERE t.closed_at IS NULL AND t.state = 'closed';

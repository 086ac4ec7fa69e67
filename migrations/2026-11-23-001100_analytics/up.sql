-- Analytics (数据分析): the figures of the supervisors' dashboard, kept up to date as tickets change, so that a
-- page view reads a few thousand rollup rows instead of scanning tickets.
--
-- The chain: every change of a ticket runs analytics_touch(ticket) when its transaction commits. It recomputes the
-- ticket's fact rows (analytics_fact_source: "created on day D", "closed on day D, never reopened", "first
-- response after M minutes", …), compares them with the ticket's previous facts (analytics_facts) and appends the
-- difference, signed, to analytics_deltas: a few small inserts, no shared row. A recurring job
-- (analytics_fold) moves deltas into analytics_rollup, summed per day and slice, every few seconds; the
-- dashboard reads rollups plus the deltas not folded yet, so it is never stale. analytics_rebuild() recomputes
-- everything from the tickets in one set-based pass (the benchmark's loader, which bypasses the services).

-- Minutes the services measured on the business calendar where the SLA policy counts business hours; without a
-- row (or a column) the facts count wall-clock minutes.
CREATE TABLE analytics_minutes (
    ticket_id          BIGINT PRIMARY KEY REFERENCES tickets (id),
    response_minutes   INTEGER,
    resolution_minutes INTEGER
);

-- Histogram buckets for medians and p90 (the bucket's lower bound, in minutes): exact under 2 hours, 10 minutes
-- under a day, an hour under a week, a day beyond. A median read from them is exact for whole minutes under
-- 2 hours and at most one bucket low above.
CREATE FUNCTION analytics_bucket(minutes INTEGER) RETURNS INTEGER LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN minutes < 0 THEN 0
        WHEN minutes < 120 THEN minutes
        WHEN minutes < 1440 THEN minutes - minutes % 10
        WHEN minutes < 10080 THEN minutes - minutes % 60
        ELSE minutes - minutes % 1440
    END
$$;

-- Whole minutes from one instant to another.
CREATE FUNCTION analytics_minutes_between(a TIMESTAMPTZ, b TIMESTAMPTZ) RETURNS INTEGER
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(extract(epoch FROM b - a) / 60)::integer
$$;

-- A ticket's facts as it is now: one row per measure, with the day (in the service zone) it counts on, a key
-- (a breakdown: state, reason, histogram bucket …), a count and a sum, and the ticket's filter dimensions.
CREATE VIEW analytics_fact_source AS
SELECT b.id AS ticket_id, f.measure, (f.at AT TIME ZONE b.zone)::date AS day, coalesce(f.key, '') AS key,
    1::bigint AS n, coalesce(f.total, 0)::bigint AS total,
    b.ticket_type, b.line AS product_line, b.channel, b.assignee_id AS agent_id, b.region
FROM (
    SELECT t.*, (SELECT z.time_zone FROM service_zone z) AS zone,
        (SELECT p.product_line FROM products p WHERE lower(p.model_code) = lower(btrim(t.product_model))) AS line,
        s.score, s.created_at AS rated_at,
        w.reason AS withdrawal_reason, w.state_at_request, w.feedback, w.feedback_at,
        coalesce(m.response_minutes, analytics_minutes_between(t.created_at, t.first_response_at)) AS response,
        coalesce(m.resolution_minutes, analytics_minutes_between(t.created_at, t.resolved_at)) AS resolution,
        analytics_minutes_between(t.created_at, t.withdrawn_at) AS withdrawal,
        t.merged_into_id IS NULL AND t.state = 'closed' AS counted_closed,
        t.state = 'withdrawn' AS counted_withdrawn
    FROM tickets t
    LEFT JOIN surveys s ON s.ticket_id = t.id
    LEFT JOIN LATERAL (
        SELECT * FROM withdrawals w
        WHERE w.ticket_id = t.id AND w.status IN ('immediate', 'accepted', 'approved') AND t.state = 'withdrawn'
        ORDER BY w.id DESC LIMIT 1
    ) w ON TRUE
    LEFT JOIN analytics_minutes m ON m.ticket_id = t.id
) b
-- One reference to the ticket row, so a lookup by ticket id reaches the tickets' primary key.
CROSS JOIN LATERAL (VALUES
    ('created', b.created_at, b.ticket_type, NULL::integer),
    ('product', b.created_at, b.product_model, NULL),
    ('open', CASE WHEN b.state IN ('submitted', 'assigned', 'in_progress', 'awaiting_customer', 'resolved')
        AND b.merged_into_id IS NULL THEN b.created_at END, b.state, NULL),
    ('response', b.first_response_at, analytics_bucket(b.response)::text, b.response),
    ('closed', CASE WHEN b.counted_closed THEN b.closed_at END,
        CASE WHEN b.reopen_count > 0 THEN 'reopened' ELSE 'first' END, NULL),
    ('resolution', CASE WHEN b.counted_closed AND b.resolved_at IS NOT NULL THEN b.closed_at END,
        analytics_bucket(b.resolution)::text, b.resolution),
    ('cause', CASE WHEN b.state IN ('resolved', 'closed') AND b.merged_into_id IS NULL THEN b.resolved_at END,
        b.cause_code, NULL),
    ('csat', b.rated_at, b.score::text, b.score::integer),
    ('sla', CASE WHEN b.state <> 'withdrawn' AND b.merged_into_id IS NULL THEN b.resolution_due_at END,
        CASE
            WHEN b.resolved_at IS NULL OR b.state NOT IN ('resolved', 'closed') THEN 'open'
            WHEN b.first_response_at <= b.first_response_due_at AND b.resolved_at <= b.resolution_due_at THEN 'met'
            ELSE 'missed'
        END, NULL),
    ('withdrawn', CASE WHEN b.counted_withdrawn THEN b.withdrawn_at END, b.withdrawal_reason, NULL),
    ('withdrawn_state', CASE WHEN b.counted_withdrawn THEN b.withdrawn_at END, b.state_at_request, NULL),
    ('withdrawal_time', CASE WHEN b.counted_withdrawn THEN b.withdrawn_at END,
        analytics_bucket(b.withdrawal)::text, b.withdrawal),
    ('withdrawal_when', CASE WHEN b.counted_withdrawn THEN b.withdrawn_at END,
        to_char(b.withdrawn_at AT TIME ZONE b.zone, 'ID:HH24'), NULL),
    ('feedback', b.feedback_at, b.feedback, NULL),
    ('ended', CASE WHEN b.counted_closed THEN b.closed_at WHEN b.counted_withdrawn THEN b.withdrawn_at END, '', NULL),
    ('follow_up', CASE WHEN b.follow_up_of IS NOT NULL THEN b.created_at END, '', NULL)
    UNION ALL
    -- 高频问题 by keyword: the keywords of the classification rules that the title holds.
    SELECT 'keyword', b.created_at, k.word, NULL
    FROM (
        SELECT DISTINCT lower(word) AS word FROM keyword_rules r, unnest(r.keywords) AS word
        WHERE strpos(lower(b.title), lower(word)) > 0
    ) k
) AS f (measure, at, key, total)
WHERE f.at IS NOT NULL;

-- Each ticket's facts as last counted: what its next change is compared with.
CREATE TABLE analytics_facts (
    ticket_id    BIGINT NOT NULL,
    measure      TEXT NOT NULL,
    day          DATE NOT NULL,
    key          TEXT NOT NULL,
    n            BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    ticket_type  TEXT NOT NULL,
    product_line TEXT,
    channel      TEXT NOT NULL,
    agent_id     BIGINT,
    region       TEXT
);
CREATE INDEX analytics_facts_ticket_idx ON analytics_facts (ticket_id);
-- The dashboard's fallback for two or more filters at once reads facts by day.
CREATE INDEX analytics_facts_day_idx ON analytics_facts (day);

-- Changes of facts not folded into the rollups yet (signed counts and sums).
CREATE TABLE analytics_deltas (
    id           BIGSERIAL PRIMARY KEY,
    measure      TEXT NOT NULL,
    day          DATE NOT NULL,
    key          TEXT NOT NULL,
    n            BIGINT NOT NULL,
    total        BIGINT NOT NULL,
    ticket_type  TEXT NOT NULL,
    product_line TEXT,
    channel      TEXT NOT NULL,
    agent_id     BIGINT,
    region       TEXT
);

-- Sums per day and slice. A slice is '' (everything) or one filter ('t:<type>', 'l:<product line>',
-- 'c:<channel>', 'r:<region>', 'a:<agent id>'); agent_id 0 holds every measure with its breakdown, agent_id N
-- the agent table's measures for agent N within the slice (histogram keys folded into one).
CREATE TABLE analytics_rollup (
    slice    TEXT NOT NULL,
    day      DATE NOT NULL,
    agent_id BIGINT NOT NULL,
    measure  TEXT NOT NULL,
    key      TEXT NOT NULL,
    n        BIGINT NOT NULL,
    total    BIGINT NOT NULL,
    PRIMARY KEY (slice, day, agent_id, measure, key)
);
-- The backlog is "now": its rows are read over all days.
CREATE INDEX analytics_rollup_open_idx ON analytics_rollup (slice, day) WHERE measure = 'open';

-- Bumped by every fold and rebuild: the dashboard caches what it read from the rollups under this number.
CREATE TABLE analytics_state (
    single     BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (single),
    generation BIGINT NOT NULL
);
INSERT INTO analytics_state (generation) VALUES (0);

-- The rollup rows one fact row adds to.
CREATE FUNCTION analytics_slices(
    p_measure TEXT, p_key TEXT, p_type TEXT, p_line TEXT, p_channel TEXT, p_agent BIGINT, p_region TEXT
) RETURNS TABLE (slice TEXT, agent_id BIGINT, key TEXT) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT v.slice, 0::bigint, p_key
    FROM (VALUES (''), ('t:' || p_type), ('l:' || p_line), ('c:' || p_channel), ('r:' || p_region),
        ('a:' || p_agent)) AS v (slice)
    WHERE v.slice IS NOT NULL
    UNION ALL
    SELECT v.slice, p_agent, CASE WHEN p_measure IN ('closed', 'sla') THEN p_key ELSE '' END
    FROM (VALUES (''), ('t:' || p_type), ('l:' || p_line), ('c:' || p_channel), ('r:' || p_region)) AS v (slice)
    WHERE v.slice IS NOT NULL AND p_agent IS NOT NULL
        AND p_measure IN ('open', 'response', 'resolution', 'closed', 'csat', 'sla')
$$;

-- Counts one ticket's change: recomputes its facts and appends what changed to the deltas. Idempotent: a second
-- call without a change adds nothing.
CREATE FUNCTION analytics_touch(p_ticket BIGINT) RETURNS void LANGUAGE plpgsql
    -- One ticket's rows: compiling the plan (JIT) would cost more than running it.
    SET jit = off AS $$
BEGIN
    WITH fresh AS (
        SELECT measure, day, key, n, total, ticket_type, product_line, channel, agent_id, region
        FROM analytics_fact_source WHERE ticket_id = p_ticket
    ), old AS (
        DELETE FROM analytics_facts WHERE ticket_id = p_ticket
        RETURNING measure, day, key, n, total, ticket_type, product_line, channel, agent_id, region
    ), kept AS (
        INSERT INTO analytics_facts SELECT p_ticket, * FROM fresh
    ), gone AS (
        SELECT * FROM old EXCEPT ALL SELECT * FROM fresh
    ), came AS (
        SELECT * FROM fresh EXCEPT ALL SELECT * FROM old
    )
    INSERT INTO analytics_deltas (measure, day, key, n, total, ticket_type, product_line, channel, agent_id, region)
    SELECT measure, day, key, -n, -total, ticket_type, product_line, channel, agent_id, region FROM gone
    UNION ALL
    SELECT measure, day, key, n, total, ticket_type, product_line, channel, agent_id, region FROM came;
END
$$;

-- The touch runs when the change commits (deferred constraint triggers below), so it sees every write of the
-- change, whichever service made it and in whatever order (a cause set after the resolve, a merge link, a
-- withdrawal decided after the state change). A change fires several row events for one ticket; the one
-- transaction-local setting skips the repeats that follow each other. A bulk load (the benchmark's COPY) sets
-- analytics.bulk and calls analytics_rebuild() afterwards.
CREATE FUNCTION analytics_touch_once(p_ticket BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    mark TEXT := txid_current()::text || ':' || p_ticket;
BEGIN
    IF current_setting('analytics.bulk', TRUE) = 'on' OR current_setting('analytics.last', TRUE) = mark THEN
        RETURN;
    END IF;
    PERFORM set_config('analytics.last', mark, TRUE);
    PERFORM analytics_touch(p_ticket);
END
$$;

CREATE FUNCTION analytics_ticket_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_touch_once(NEW.id);
    RETURN NULL;
END
$$;

CREATE FUNCTION analytics_related_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_touch_once(NEW.ticket_id);
    RETURN NULL;
END
$$;

-- Only the columns the facts read: the SLA sweep's bookkeeping and other updates do not fire it.
CREATE CONSTRAINT TRIGGER analytics_ticket_changed
    AFTER INSERT OR UPDATE OF ticket_type, product_model, channel, state, title, region, assignee_id, reopen_count,
        first_response_at, resolved_at, closed_at, withdrawn_at, created_at, cause_code, merged_into_id,
        follow_up_of, first_response_due_at, resolution_due_at
    ON tickets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION analytics_ticket_changed();
CREATE CONSTRAINT TRIGGER analytics_survey_changed
    AFTER INSERT OR UPDATE ON surveys DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION analytics_related_changed();
CREATE CONSTRAINT TRIGGER analytics_withdrawal_changed
    AFTER INSERT OR UPDATE ON withdrawals DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION analytics_related_changed();
CREATE CONSTRAINT TRIGGER analytics_minutes_changed
    AFTER INSERT OR UPDATE ON analytics_minutes DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION analytics_related_changed();

-- Moves up to p_limit deltas into the rollups; returns how many. Two folds at once take different deltas (SKIP
-- LOCKED); rollup rows are upserted in key order so they cannot deadlock.
CREATE FUNCTION analytics_fold(p_limit INTEGER) RETURNS INTEGER LANGUAGE plpgsql AS $$
DECLARE
    folded INTEGER;
BEGIN
    WITH moved AS (
        DELETE FROM analytics_deltas
        WHERE id IN (SELECT id FROM analytics_deltas ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED)
        RETURNING *
    ), sums AS (
        SELECT s.slice, d.day, s.agent_id, d.measure, s.key, sum(d.n) AS n, sum(d.total) AS total
        FROM moved d
        CROSS JOIN LATERAL analytics_slices(d.measure, d.key, d.ticket_type, d.product_line, d.channel, d.agent_id,
            d.region) s
        GROUP BY 1, 2, 3, 4, 5
    ), upserted AS (
        INSERT INTO analytics_rollup (slice, day, agent_id, measure, key, n, total)
        SELECT * FROM sums ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (slice, day, agent_id, measure, key) DO UPDATE SET
            n = analytics_rollup.n + excluded.n, total = analytics_rollup.total + excluded.total
    )
    SELECT count(*) INTO folded FROM moved;
    IF folded > 0 THEN
        UPDATE analytics_state SET generation = generation + 1;
    END IF;
    RETURN folded;
END
$$;

-- Everything again from the tickets, in one set-based pass.
-- The indexes are dropped for the inserts and built once afterwards (a sort instead of a million index inserts).
CREATE FUNCTION analytics_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE analytics_facts, analytics_deltas, analytics_rollup;
    DROP INDEX analytics_facts_ticket_idx, analytics_facts_day_idx, analytics_rollup_open_idx;
    ALTER TABLE analytics_rollup DROP CONSTRAINT analytics_rollup_pkey;
    INSERT INTO analytics_facts SELECT * FROM analytics_fact_source;
    INSERT INTO analytics_rollup (slice, day, agent_id, measure, key, n, total)
    SELECT s.slice, f.day, s.agent_id, f.measure, s.key, sum(f.n), sum(f.total)
    FROM analytics_facts f
    CROSS JOIN LATERAL analytics_slices(f.measure, f.key, f.ticket_type, f.product_line, f.channel, f.agent_id,
        f.region) s
    GROUP BY 1, 2, 3, 4, 5;
    CREATE INDEX analytics_facts_ticket_idx ON analytics_facts (ticket_id);
    CREATE INDEX analytics_facts_day_idx ON analytics_facts (day);
    ALTER TABLE analytics_rollup ADD PRIMARY KEY (slice, day, agent_id, measure, key);
    CREATE INDEX analytics_rollup_open_idx ON analytics_rollup (slice, day) WHERE measure = 'open';
    UPDATE analytics_state SET generation = generation + 1;
END
$$;

-- Assignment rules (分派规则): the one active rule, chosen by supervisors, and
-- the round-robin cursor, in a single row so every app instance reads the same.
CREATE TABLE assignment_settings (
    -- Always TRUE: the table holds exactly one row.
    id            BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id),
    rule          TEXT NOT NULL DEFAULT 'manual'
                      CHECK (rule IN ('manual', 'skill', 'region', 'workload', 'round_robin')),
    -- The agent round robin picked last; the next pick is the next available
    -- agent by id. Locked while a ticket is assigned, so two instances never
    -- hand out the same turn.
    last_agent_id BIGINT REFERENCES users (id),
    updated_by    BIGINT REFERENCES users (id),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO assignment_settings (id) VALUES (TRUE);

-- Every change of the rule: who, from what, to what, when.
CREATE TABLE assignment_rule_changes (
    id         BIGSERIAL PRIMARY KEY,
    changed_by BIGINT NOT NULL REFERENCES users (id),
    old_rule   TEXT NOT NULL,
    new_rule   TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX assignment_rule_changes_recent_idx ON assignment_rule_changes (changed_at DESC, id DESC);

-- Open tickets per assignee, counted on every automatic assignment: an
-- index-only scan over open tickets alone, however many closed ones pile up.
-- Queries must spell the predicate literally (not as a bound array) to use it.
CREATE INDEX tickets_open_assignee_idx ON tickets (assignee_id) WHERE state NOT IN ('closed', 'withdrawn');

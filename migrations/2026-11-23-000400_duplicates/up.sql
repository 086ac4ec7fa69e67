-- Duplicates: a ticket merged into another (the survivor) closes and points to it.
ALTER TABLE tickets
    ADD COLUMN merged_into_id BIGINT REFERENCES tickets (id),
    ADD CONSTRAINT tickets_not_merged_into_itself CHECK (merged_into_id <> id);

-- The survivor's page lists what was merged into it on every view; only merged
-- tickets are in the index, so it stays tiny however many tickets there are.
CREATE INDEX tickets_merged_into_idx ON tickets (merged_into_id) WHERE merged_into_id IS NOT NULL;

-- The "you may already have …" hint needs no index of its own: it reads one
-- customer's last 30 days along tickets_customer_idx (customer_id, created_at)
-- and compares those few rows with pg_trgm's similarity().

DROP TRIGGER analytics_deltas_emptied ON analytics_deltas;
DROP FUNCTION analytics_deltas_emptied();
-- The fold as it was: folded deltas are deleted.
-- Moves up to p_limit deltas into the rollups; returns how many. Two folds at once take different deltas (SKIP
-- LOCKED); rollup rows are upserted in key order so they cannot deadlock.
CREATE OR REPLACE FUNCTION analytics_fold(p_limit INTEGER) RETURNS INTEGER LANGUAGE plpgsql AS $$
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
DROP FUNCTION analytics_kept_folds();
DELETE FROM analytics_deltas WHERE folded_in IS NOT NULL;
ALTER TABLE analytics_state DROP COLUMN kept_since;
DROP INDEX analytics_deltas_folded_idx;
DROP INDEX analytics_deltas_pending_idx;
ALTER TABLE analytics_deltas DROP COLUMN folded_in;
-- The rebuild keeps its key order (only the rows' layout differs from before).
ALTER TABLE analytics_rollup RESET (fillfactor);

DROP INDEX tickets_open_search_idx;
-- Back to grams computed by PostgreSQL (the function of the `search` migration).
DROP INDEX tickets_search_grams_idx;
ALTER TABLE tickets DROP COLUMN search_grams;
CREATE FUNCTION search_grams(doc TEXT) RETURNS TEXT[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
    FROM regexp_matches(lower(doc), '[a-z0-9]{3,}|[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]+', 'g') AS found (m),
         LATERAL generate_series(1, length(m[1])) AS at (i),
         LATERAL unnest(CASE
             WHEN m[1] ~ '^[a-z0-9]' THEN CASE WHEN i <= length(m[1]) - 2 THEN ARRAY[substr(m[1], i, 3)] END
             WHEN i < length(m[1]) THEN ARRAY[substr(m[1], i, 1), substr(m[1], i, 2)]
             ELSE ARRAY[substr(m[1], i, 1)]
         END) AS g (gram);
END;
ALTER TABLE tickets
    ADD COLUMN search_grams TEXT[] NOT NULL GENERATED ALWAYS AS (
        search_grams(ticket_search_text(number, title, description, product_model, contact_name, contact_phone)))
        STORED;
ALTER TABLE tickets ALTER COLUMN search_grams SET STATISTICS 1000;
CREATE INDEX tickets_search_grams_idx ON tickets USING gin (search_grams);

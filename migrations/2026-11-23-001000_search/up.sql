-- Search that stays fast for one- and two-character Chinese terms, which
-- pg_trgm cannot help with (it needs three characters to make a trigram).
--
-- Every ticket keeps its "grams": for each run of CJK characters, every
-- character and every pair of neighbours (bigram); for each run of ASCII
-- letters and digits, every trigram (so part of a number or the last digits
-- of a phone are found too). A term is a substring of the text only if the
-- term's grams are all among the text's grams, so a GIN index on the grams
-- narrows the search and an ILIKE on the text makes it exact. The app builds
-- a term's grams the same way (src/domain/search.rs); both must change together.

-- What the search box looks in: number, title, description, product, contact name and phone.
CREATE FUNCTION ticket_search_text(number TEXT, title TEXT, description TEXT, product_model TEXT,
                                   contact_name TEXT, contact_phone TEXT)
    RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN number || ' ' || title || ' ' || product_model || ' ' || contact_name || ' '
        || coalesce(contact_phone, '') || ' ' || description;

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

DROP INDEX tickets_search_trgm_idx;
ALTER TABLE tickets DROP COLUMN search_text;
ALTER TABLE tickets
    ADD COLUMN search_text TEXT NOT NULL GENERATED ALWAYS AS (
        ticket_search_text(number, title, description, product_model, contact_name, contact_phone)) STORED,
    ADD COLUMN search_grams TEXT[] NOT NULL GENERATED ALWAYS AS (
        search_grams(ticket_search_text(number, title, description, product_model, contact_name, contact_phone)))
        STORED;
-- The planner weighs a gram by how common it is (most_common_elems); a longer
-- list keeps the frequent single characters apart from the rare ones.
ALTER TABLE tickets ALTER COLUMN search_grams SET STATISTICS 1000;
CREATE INDEX tickets_search_grams_idx ON tickets USING gin (search_grams);

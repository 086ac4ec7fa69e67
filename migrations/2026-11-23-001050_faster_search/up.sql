-- The grams are now computed by the app (domain::search::document_grams) and
-- written with the ticket: the SQL function cost about 0.3 ms per ticket on
-- every filing and edit (and 5 minutes of a million-ticket load), the Rust one
-- a few microseconds. Terms and documents are then cut by the same code.
-- DROP EXPRESSION keeps the values already computed; the index stays.
ALTER TABLE tickets ALTER COLUMN search_grams DROP EXPRESSION;
DROP FUNCTION search_grams(TEXT);

-- The agents' queue searches open tickets (a few percent of all): a gram index
-- of those alone keeps a common term's candidates few, where the full index
-- would hand over every closed ticket holding it too. Its predicate is the
-- queue's, written the same way in the query (store::tickets::OPEN).
CREATE INDEX tickets_open_search_idx ON tickets USING gin (search_grams)
    WHERE state NOT IN ('closed', 'withdrawn');

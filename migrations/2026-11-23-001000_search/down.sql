DROP INDEX tickets_search_grams_idx;
ALTER TABLE tickets DROP COLUMN search_grams, DROP COLUMN search_text;
DROP FUNCTION search_grams(TEXT);
DROP FUNCTION ticket_search_text(TEXT, TEXT, TEXT, TEXT, TEXT, TEXT);
ALTER TABLE tickets ADD COLUMN search_text TEXT GENERATED ALWAYS AS (
    number || ' ' || title || ' ' || contact_name || ' ' || coalesce(contact_phone, '')) STORED;
CREATE INDEX tickets_search_trgm_idx ON tickets USING gin (search_text gin_trgm_ops);

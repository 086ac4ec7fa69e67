DROP INDEX tickets_merged_into_idx;
ALTER TABLE tickets DROP CONSTRAINT tickets_not_merged_into_itself, DROP COLUMN merged_into_id;

DROP TABLE account_events;
ALTER TABLE users DROP COLUMN disabled_at;
DROP TABLE sessions;

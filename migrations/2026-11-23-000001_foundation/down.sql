DROP TABLE ticket_events;
DROP FUNCTION ticket_events_append_only();
DROP TABLE tickets;
DROP TABLE ticket_number_days;
DROP TABLE login_failures;
DROP TABLE users;
DROP EXTENSION IF EXISTS pg_trgm;

ALTER TABLE users DROP COLUMN language, DROP COLUMN email_notifications;
DROP TABLE outbox;

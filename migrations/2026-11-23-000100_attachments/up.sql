-- Attachments of tickets and of their log entries (photos, video, PDF, logs).
-- The bytes live in the data folder under their SHA-256 (data/attachments/ab/cd/<hash>),
-- so the same file uploaded twice is stored once; this table says who may see what.
CREATE TABLE attachments (
    id           BIGSERIAL PRIMARY KEY,
    ticket_id    BIGINT NOT NULL REFERENCES tickets (id),
    -- The log entry the file came with; its `internal` flag decides who sees the
    -- file (an internal note's files are staff-only). NULL: the ticket's own file.
    event_id     BIGINT REFERENCES ticket_events (id),
    uploader_id  BIGINT NOT NULL REFERENCES users (id),
    -- The uploader's file name, cleaned (no folders, no control characters).
    file_name    TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 255),
    -- Told from the content, never from the name or the browser.
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp',
                     'image/heif', 'video/mp4', 'video/quicktime', 'video/webm', 'application/pdf',
                     'text/plain', 'application/zip')),
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256       TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- The ticket page lists a ticket's files in upload order, and uploads count them.
CREATE INDEX attachments_ticket_idx ON attachments (ticket_id, id);

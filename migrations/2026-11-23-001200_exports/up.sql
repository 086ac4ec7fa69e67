-- Exports (导出) of the filtered ticket list: a supervisor asks, the background worker writes the file under the
-- data folder in keyset batches and records its progress here, the page polls this row, and a recurring job
-- removes files older than a day.
CREATE TABLE exports (
    id             BIGSERIAL PRIMARY KEY,
    -- Only this supervisor sees the export and downloads its file.
    requested_by   BIGINT NOT NULL REFERENCES users (id),
    format         TEXT NOT NULL CHECK (format IN ('csv', 'xlsx')),
    -- The queue's filters as its URL carries them (`state=open&type=…`), read by the same parser.
    filters        TEXT NOT NULL,
    -- The requester's language (headers and labels) and the service zone (times), as when asked.
    lang           TEXT NOT NULL,
    tz             TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'done', 'failed', 'expired')),
    -- Counted when the run starts; rows_done grows batch by batch.
    rows_expected  BIGINT,
    rows_done      BIGINT NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
    -- Where the worker writes the file (under the data folder's exports/).
    file_path      TEXT NOT NULL,
    -- Why it failed, as a message key people can read in their language.
    error          TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ
);
-- The expiry sweep: exports whose file may still exist, oldest first.
CREATE INDEX exports_live_idx ON exports (created_at) WHERE status <> 'expired';
CREATE INDEX exports_requested_by_idx ON exports (requested_by, id);

-- The prune job removes rows whose use is over, oldest first; these indexes let each batch find them without
-- reading the table.
CREATE INDEX jobs_finished_idx ON jobs ((coalesce(done_at, failed_at))) WHERE repeat_seconds IS NULL;
CREATE INDEX outbox_sent_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_failed_idx ON outbox (failed_at) WHERE failed_at IS NOT NULL;
CREATE INDEX login_failures_failed_idx ON login_failures (failed_at);
CREATE INDEX exports_ended_idx ON exports (created_at) WHERE status IN ('expired', 'failed');

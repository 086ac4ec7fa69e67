DROP INDEX exports_ended_idx;
DROP INDEX login_failures_failed_idx;
DROP INDEX outbox_failed_idx;
DROP INDEX outbox_sent_idx;
DROP INDEX jobs_finished_idx;

DROP TABLE sla_marks;
DROP INDEX tickets_sla_queue_idx;
DROP INDEX tickets_sla_check_idx;
ALTER TABLE tickets
    DROP COLUMN first_response_due_at, DROP COLUMN resolution_due_at, DROP COLUMN sla_paused_seconds,
    DROP COLUMN sla_paused_at, DROP COLUMN sla_warn_at, DROP COLUMN sla_due_at, DROP COLUMN sla_check_at;
DROP TABLE calendar_days;
DROP TABLE service_zone;
DROP TABLE business_hours;
DROP TABLE sla_policies;

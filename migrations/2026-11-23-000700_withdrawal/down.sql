DROP TABLE notifications;
DROP TABLE compensations;
DROP INDEX tickets_follow_up_idx;
ALTER TABLE tickets DROP CONSTRAINT tickets_not_follow_up_of_itself, DROP COLUMN follow_up_of, DROP COLUMN withdrawal_id;
DROP TABLE withdrawals;

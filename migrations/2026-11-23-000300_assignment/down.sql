DROP INDEX tickets_open_assignee_idx;
DROP TABLE assignment_rule_changes;
DROP TABLE assignment_settings;

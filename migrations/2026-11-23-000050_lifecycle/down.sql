DROP TABLE surveys;
ALTER TABLE tickets DROP COLUMN cause_code, DROP COLUMN solution;
DROP TABLE cause_categories;

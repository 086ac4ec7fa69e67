DROP INDEX tickets_resolved_sweep_idx;
DROP TABLE jobs;

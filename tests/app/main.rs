//! Integration tests: the real app over HTTP on a real PostgreSQL.

mod browser;
mod chaos;
mod helpers;

mod analytics;
mod approvals;
mod assignment;
mod attachments;
mod auth;
mod authorization;
mod backup;
#[cfg(feature = "bench")]
mod bench_floor;
mod catalogue;
mod cli;
mod compensation;
mod db_tls;
mod deploy;
mod duplicates;
mod exports;
mod faults;
mod follow_up;
mod idempotency;
mod jobs;
mod journeys;
mod journeys_harness;
mod journeys_pages;
mod journeys_withdrawal;
mod lifecycle;
mod migrations;
mod notifications;
mod operations;
mod outbox;
mod portal;
mod queue;
mod search;
mod security;
mod seed;
mod sessions;
mod sla;
mod sla_jobs;
mod sla_pages;
mod storage;
mod templates;
mod tickets;
mod withdrawal;

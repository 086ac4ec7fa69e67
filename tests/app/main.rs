//! Integration tests: the real app over HTTP on a real PostgreSQL.

mod helpers;

mod assignment;
mod attachments;
mod auth;
mod catalogue;
mod cli;
mod duplicates;
mod jobs;
mod lifecycle;
mod migrations;
mod portal;
mod queue;
mod security;
mod templates;
mod tickets;
mod withdrawal;

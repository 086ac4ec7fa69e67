//! Integration tests: the real app over HTTP on a real PostgreSQL.

mod helpers;

mod assignment;
mod auth;
mod cli;
mod portal;
mod queue;
mod security;
mod tickets;

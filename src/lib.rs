//! aftersales: an after-sales service ticket system (售后工单系统).
//!
//! `domain` holds the rules, `store` the queries, `services` the use cases,
//! `web` the HTTP side; `db` the database (managed or external); `storage` the files (the data folder or
//! an S3 bucket); `cli` the commands.

pub mod backup;
#[cfg(feature = "bench")]
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod i18n;
pub mod jobs;
pub mod nginx;
pub mod seed;
pub mod services;
pub mod startup;
pub mod storage;
pub mod store;
pub mod web;

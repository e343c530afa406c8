//! Integritas: citizen surveys (IPAK, IPKP, SKM) for Zona Integritas units.
//!
//! Where things live:
//! * [`config`] — settings from the environment, with defaults that need no setup;
//! * [`telemetry`] — tracing subscriber (text or JSON);
//! * [`startup`] — connects, migrates, loads forms, builds the actix app and binds the listener;
//! * [`error`] — the one application error type, mapped to problem+json in one place;
//! * [`domain`] — pure domain logic (forms, statistics, scoring, credentials), no actix or sea-orm;
//! * [`entities`] — sea-orm entities only; [`repo`] — the only code that talks to the database;
//! * [`group_commit`] — the one writer task that stores concurrent submissions in one transaction;
//! * [`service`] — the use cases: role checks, transactions with their audit entries; they return
//!   [`views`], the response shapes;
//! * [`routes`] — thin handlers (parse, call one service function, respond); [`pages`] — HTML
//!   templates; [`export`] — CSV and XLSX files; [`auth`] — finding the caller's key;
//!   [`cli`] — the command line; [`limiter`] — the in-memory submission rate limit.
//!
//! Dependencies point one way: `routes` → `service` → `repo`/`domain`, and `pages`, `export` and
//! `cli` never import `routes`; no two top-level modules import each other, even indirectly
//! (`tests/api/architecture.rs` checks both).

pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod entities;
pub mod error;
pub mod export;
pub mod group_commit;
pub mod healthcheck;
pub mod limiter;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod qr;
pub mod repo;
pub mod routes;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;

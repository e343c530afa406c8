//! The one integration-test binary. Every test starts the real server on port 0 against a fresh
//! database (in-memory SQLite, or a new PostgreSQL database when `TEST_DATABASE_URL` is set).

mod helpers;

mod hostile;
mod public_url;

mod access;
mod anonymity;
mod architecture;
mod audit;
mod browser;
mod browser_workbench;
mod campaigns;
mod docs;
mod errors;
mod exports;
mod foundation;
mod hardening;
mod hardening_exports;
mod hardening_sessions;
mod hasil;
mod hasil_example;
mod hasil_zones;
mod healthcheck;
mod integrity;
mod latency;
mod ledger_verify;
mod openapi;
mod processes;
mod publication;
mod reliability;
mod reliability_outage;
mod reports;
mod results;
mod survey;
mod survey_defences;
mod upgrade;
mod workbench;

//! The one integration-test binary. Every test starts the real server on port 0 against a fresh
//! database (in-memory SQLite, or a new PostgreSQL database when `TEST_DATABASE_URL` is set).

mod helpers;

mod hostile;

mod access;
mod browser;
mod campaigns;
mod errors;
mod foundation;
mod integrity;
mod openapi;
mod reliability;
mod reports;
mod results;
mod survey;

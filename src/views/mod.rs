//! The response shapes: what the service layer returns and the API serialises (JSON, and the
//! OpenAPI schemas through `utoipa::ToSchema`), what pages and exports are drawn from. None of
//! them lives in a handler module, so `pages` and `export` read them without depending on `routes`.
//!
//! Moving a type here keeps its name, fields and doc comments (the schema name and description in
//! `/openapi.json`) and its field order (the JSON bytes).
//!
//! * [`units`], [`keys`], [`campaigns`], [`links`], [`tokens`] — the administration resources;
//! * [`survey`] — the citizen's survey as JSON;
//! * [`results`] — a campaign's statistics, flags and ledger head; [`hasil`] — hasil scores and the
//!   national table; [`evaluations`] — a unit's evaluation record for a year;
//! * [`exclusions`], [`audit`] — the assessor's workbench; [`download`] — a file to hand out;
//! * [`health`] — liveness and readiness.

pub mod audit;
pub mod campaigns;
pub mod download;
pub mod evaluations;
pub mod exclusions;
pub mod hasil;
pub mod health;
pub mod keys;
pub mod links;
pub mod results;
pub mod survey;
pub mod tokens;
pub mod units;

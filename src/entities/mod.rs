//! sea-orm entities, one per table, generated in shape and kept free of behaviour.

pub mod answer;
pub mod api_key;
pub mod app_secret;
pub mod audit_log;
pub mod campaign;
pub mod evaluation;
pub mod exclusion;
pub mod form_version;
pub mod open_link;
pub mod response;
pub mod response_field;
pub mod token;
pub mod token_batch;
pub mod unit;

//! sea-orm entities, one per table, generated in shape and kept free of behaviour.

pub mod unit;
pub mod api_key;
pub mod form_version;
pub mod campaign;
pub mod open_link;
pub mod token_batch;
pub mod token;
pub mod response;
pub mod answer;
pub mod response_field;
pub mod exclusion;
pub mod audit_log;
pub mod app_secret;

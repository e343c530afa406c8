//! Survey forms (IPAK, IPKP, SKM): the form model, parsing and validating the TOML form files,
//! the one loader (built-in forms plus `INTEGRITAS_FORMS_DIR`), the frozen canonical content of
//! a form version, and validating a citizen's submission against a form.
//!
//! Pure domain code: the form files are read at the edge (`startup`) and handed in as text.
//! Each concern is a module of its own, and everything is re-exported here, so callers say
//! `domain::forms::{Form, parse_form, validate_submission, …}` whatever file it lives in:
//!
//! * [`model`] — what a form is ([`Form`], [`Item`], [`Scale`], …);
//! * [`parse`] and [`sections`] — a form file's text to a [`Form`] or every [`FormProblem`];
//! * [`load`](mod@load) — the built-in forms and the overrides, duplicate ids refused;
//! * [`canonical`] — the frozen content, its fingerprint and the freeze rule;
//! * [`submission`] and [`field_error`] — a citizen's answers, validated, refusals by field.
//!
//! Everything a citizen reads (texts, labels, messages) is in Bahasa Indonesia first, with
//! English available through [`Lang`].

pub mod canonical;
pub mod field_error;
#[cfg(test)]
mod fuzz;
pub mod load;
pub mod model;
pub mod parse;
pub mod sections;
pub mod submission;
#[cfg(test)]
mod testing;

pub use super::language::{Lang, Localized};
pub use canonical::check_frozen;
pub use field_error::{FieldError, FieldErrors, field_error_messages};
pub use load::{SHIPPED, built_in_source, load, overlay, parse_files, shipped};
pub use model::{Choice, Demographic, Form, IndexName, Item, Scale, Screening};
pub use parse::{FormProblem, WHOLE_FILE, parse_form};
pub use submission::{RawSubmission, ValidSubmission, validate_submission};

/// Longest accepted submission key or value, in characters. Keys and option
/// values in forms are far shorter; anything longer is abuse or a mistake.
pub const MAX_FIELD_LEN: usize = 100;

/// Longest id (form, item, screening, demographic) a form file may declare.
pub const MAX_ID_LEN: usize = 64;

/// Tolerance on the sum of item weights.
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;

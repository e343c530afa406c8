//! A unit's evaluation for a year, as an assessor records it, and how its hasil inputs are
//! assembled: which rule applies, which campaigns count, and how campaigns are pooled.
//!
//! * [`record`] — the evaluation record (rule, TLHP, kinerja, chosen campaigns, pooling, note),
//!   its checks, and the one place that decides the rule;
//! * [`choice`] — which ended campaigns count for a year (empty ones skipped with a note), which
//!   of them are pooled, and which earlier campaign a change is measured against;
//! * [`pool`] — pooling campaigns from their sufficient statistics, exactly as if they were one.
//!
//! Pure: the service layer loads the record, the campaigns and their aggregates and asks here.

pub mod choice;
pub mod pool;
pub mod record;

pub use choice::{Candidate, Choice, Note, NoteKind, PreviousCampaign, Scope, UnknownCampaign, choose, previous_for_change};
pub use pool::Sufficient;
pub use record::{Evaluation, Pooling, decide_rule};

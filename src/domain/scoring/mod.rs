//! The Zona Integritas "komponen hasil" scoring rules (DESIGN.md §2.1), kept as data tables, and
//! their evaluation against survey indices and entered inputs with 95 % threshold verdicts (§3).
//!
//! Only the hasil part (40 of 100 points) is this service's data: the totals and the pengungkit are
//! reported as conditions it cannot judge. A missing non-survey input is never assumed: its
//! indicator, component, the hasil total and every verdict needing it are `null` with a reason.
//!
//! * [`ids`] — the rule sets' and kinerja grades' names, parsed strictly;
//! * [`rules`] — the rule tables (weights, components, thresholds), data only;
//! * [`hasil`] — what an evaluation takes and gives;
//! * [`evaluate`](mod@evaluate) — scoring and judging under one rule set;
//! * [`verdict`](mod@verdict) — one threshold's verdict at 95 %, and their combination.
//!
//! Everything is re-exported here: callers say `domain::scoring::{evaluate, RuleId, …}`.

pub mod evaluate;
pub mod hasil;
pub mod ids;
pub mod rules;
pub mod verdict;

pub use evaluate::evaluate;
pub use hasil::{ComponentScore, Condition, Hasil, HasilInputs, IndicatorScore, Predicate, PredicateVerdict, SurveyIndex};
pub use ids::{KinerjaGrade, ParseError, RuleId};
pub use rules::{IndexThreshold, index_thresholds, not_judged};
pub use verdict::{THRESHOLD_EPS, Verdict, verdict};

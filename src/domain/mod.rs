//! Pure domain logic: no actix, no sea-orm. Everything here is unit- and property-tested.
//!
//! * [`access`] — who may do what: the caller's key and the role rules;
//! * [`forms`] — survey definitions (the instruments, built in or from `INTEGRITAS_FORMS_DIR`),
//!   their validation and a citizen's answers;
//! * [`inbox`] — submissions waiting to be sealed, and how many are sealed when, in what order;
//! * [`language`] — Bahasa Indonesia first, English on request, and the one bilingual text type;
//! * [`stats`] — the statistics of DESIGN §3, from sufficient statistics the database computes;
//! * [`scoring`] — the ZI rule sets, hasil scores and WBK/WBBM verdicts;
//! * [`evaluation`] — a unit's evaluation record for a year, the campaigns its hasil rests on,
//!   and pooling them;
//! * [`time_zone`] — WIB, WITA, WIT: the date and year of an instant in a unit's zone;
//! * [`numbers`] — the one rounding rule of every number a person reads (and of the SKM category);
//! * [`publication`] — what a reader may see of an open campaign: figures that move only in
//!   steps of at least k responses, small cells suppressed (the anonymity rule of issue 12);
//! * [`sample_size`] — Krejcie & Morgan;
//! * [`credentials`] — API keys, single-use tokens, link codes, render tokens, and their hashes;
//! * [`network`] — the client's address behind trusted proxies, and its group for the rate limit;
//! * [`values`] — "parse, don't validate" newtypes for what the API accepts;
//! * [`ledger`] — content hashes of responses, the hash chain of sealed blocks, and its
//!   verification over the stored rows (which the repository loads).

pub mod access;
pub mod campaign;
pub mod credentials;
pub mod evaluation;
pub mod forms;
pub mod inbox;
pub mod language;
pub mod ledger;
pub mod network;
pub mod numbers;
pub mod publication;
pub mod respond;
pub mod sample_size;
pub mod scoring;
pub mod stats;
pub mod time_zone;
pub mod values;

/// Now, truncated to the microsecond: PostgreSQL keeps microseconds and SQLite nanoseconds, and
/// a value must read back equal on both.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    truncate_micros(chrono::Utc::now())
}

pub fn truncate_micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::Timelike;
    let nanos = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(nanos).unwrap_or(t)
}

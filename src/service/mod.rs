//! The use cases, one module each: what the API, the pages and the command line do, in the
//! domain's words. A service function takes what it needs (the [`AppState`] or its parts, and the
//! caller's [`Principal`](crate::domain::access::Principal) where access matters), checks the
//! caller's role, owns its transaction and audit entry, and returns view types
//! ([`crate::views`]). Handlers parse, call one of these and shape the response; nothing here knows
//! about HTTP.
//!
//! * [`units`], [`keys`], [`campaigns`], [`links`], [`tokens`] — administration;
//! * [`forms`] — the survey definitions; [`submit`] — a citizen's survey, from code to stored response;
//! * [`results`], [`ledger`], [`hasil`] — statistics, integrity, hasil scores and verdicts;
//!   [`evaluations`] — a unit's evaluation record for a year (what its hasil reads);
//! * [`exclusions`], [`audit_log`], [`exports`] — the assessor's workbench and its files;
//! * [`reports`] — what the `/laporan` pages show; [`health`] — readiness;
//! * [`workbench`] — what the workbench pages (`/kelola`) and the assessor's forms compose from the
//!   use cases above; [`evaluations`] — a unit's evaluation record for a year;
//! * [`background`] — the jobs beside the server (ledger sealing, forgetting idle rate-limit keys).
//!
//! Every change goes through [`audited`]: begin, change, audit entry, commit.

pub mod audit_log;
pub mod background;
pub mod campaigns;
pub mod evaluations;
pub mod exclusions;
pub mod exports;
pub mod forms;
pub mod hasil;
pub mod health;
pub mod keys;
pub mod ledger;
pub mod links;
pub mod published;
pub mod reports;
pub mod results;
pub mod submit;
pub mod tokens;
pub mod units;
pub mod workbench;

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};

use crate::error::{AppResult, During};
use crate::repo::audit::{self, Actor, Entry};

/// Runs `change` in one transaction with the audit entry it returns, and commits both, or
/// nothing. `change` gives back its value and the entry to record (`None` when it changed
/// nothing, e.g. revoking what was already revoked: no entry for a no-op).
///
/// On SQLite a transaction that reads first fails "database is locked" when it upgrades to a
/// writer under load, so callers read and validate before, and `change` starts with its write.
#[tracing::instrument(skip_all)]
pub async fn audited<'e, T>(
    db: &DatabaseConnection,
    actor: Actor,
    change: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<(T, Option<Entry<'e>>)>,
) -> AppResult<T> {
    let txn = db.begin().await.during("beginning a change")?;
    let (value, entry) = change(&txn).await?;
    if let Some(entry) = entry {
        audit::record(&txn, actor, entry).await.during("recording the audit entry")?;
    }
    txn.commit().await.during("committing a change")?;
    Ok(value)
}

//! Reading the audit log: every change made through the API or the command line, newest first.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::access::Principal;
use crate::error::{AppError, AppResult, During};
use crate::repo::audit;
use crate::state::AppState;
use crate::views::audit::AuditEntry;

/// Which entries, still unchecked.
pub struct AuditParams {
    pub unit_id: Option<Uuid>,
    /// Inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
    /// 1–1000 (default 200).
    pub limit: Option<u64>,
}

/// The audit log (admin, assessor).
#[tracing::instrument(skip_all)]
pub async fn list(state: &AppState, who: &Principal, q: AuditParams) -> AppResult<Vec<AuditEntry>> {
    who.require_admin_or_assessor()?;
    let limit = q.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::field("limit", "must be from 1 to 1000"));
    }
    let filter = audit::AuditFilter {
        unit_id: q.unit_id,
        from: q.from,
        to: q.to,
        limit,
    };
    let rows = audit::list(&state.db, &filter).await.during("reading the audit log")?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

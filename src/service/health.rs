//! Readiness: the database answers a query within three seconds. Metrics: for admins only (they
//! show submissions over time).

use crate::domain::access::Principal;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::views::health::Health;

#[tracing::instrument(skip_all)]
pub async fn ready(state: &AppState) -> AppResult<Health> {
    let ping = tokio::time::timeout(std::time::Duration::from_secs(3), crate::repo::ping(&state.db)).await;
    match ping {
        Ok(Ok(())) => Ok(Health { status: "ready" }),
        _ => Err(AppError::Unavailable("the database is not reachable".into())),
    }
}

/// The Prometheus text (admin): submission counts over time are the unit's business, not the
/// public's.
pub fn metrics(state: &AppState, who: &Principal) -> AppResult<String> {
    who.require_admin()?;
    Ok(state.metrics.render())
}

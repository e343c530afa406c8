//! Background jobs beside the server: the ledger sealer, and forgetting idle rate-limit keys.

use crate::state::AppState;

pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seal = tokio::time::interval(state.settings.seal_interval);
        let mut forget = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = seal.tick() => {
                    if let Err(e) = crate::service::ledger::seal_all(&state).await {
                        tracing::warn!(error = %e, "ledger sealing failed; will retry");
                    }
                }
                _ = forget.tick() => state.limiter.forget_idle(),
            }
        }
    })
}

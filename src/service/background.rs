//! Background jobs beside the server: the ledger sealer, the full ledger re-check (every
//! `INTEGRITAS_VERIFY_HOURS`), and forgetting idle rate-limit keys.

use crate::state::AppState;

pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seal = tokio::time::interval(state.settings.seal_interval);
        let mut recheck = tokio::time::interval(state.settings.verify_interval);
        // The first tick is at once; the first full re-check waits one period, so start-up
        // stays quick.
        recheck.tick().await;
        let mut forget = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = seal.tick() => {
                    if let Err(e) = crate::service::ledger::seal_all(&state).await {
                        tracing::warn!(error = %e, "ledger sealing failed; will retry");
                    }
                }
                _ = recheck.tick() => match crate::service::ledger::verify_all(&state).await {
                    Ok(all) => {
                        for (id, v) in &all {
                            match v {
                                Ok(v) if !v.ok => tracing::error!(campaign_id = %id, "the ledger re-check found tampering"),
                                Ok(_) => {}
                                Err(e) => tracing::error!(campaign_id = %id, error = %e, "the ledger re-check could not check this campaign"),
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "the full ledger re-check failed; will retry"),
                },
                _ = forget.tick() => state.limiter.forget_idle(),
            }
        }
    })
}

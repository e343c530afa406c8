//! Background jobs beside the server: forgetting idle rate-limit keys (and, later, the sealer).

use crate::state::AppState;

pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            state.limiter.forget_idle();
        }
    })
}

//! The integrity ledger as a use case: a campaign's chain re-verified from the stored rows, and
//! sealing (in groups of `INTEGRITAS_MIN_GROUP`; everything when a campaign closes). The hashing and sealing are `repo::ledger`'s and
//! the domain's; this module adds the role check and the form.

use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::domain::access::Principal;
use crate::error::{AppResult, During};
use crate::repo::{self, ledger::Turn};
use crate::state::AppState;
use crate::views::results::Verification;

/// The ledger of a campaign, re-verified now (admin, the unit's operator, assessor).
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn verify(state: &AppState, who: &Principal, id: Uuid) -> AppResult<Verification> {
    let c = load(state, who, id, Access::Read).await?;
    let form = super::forms::of_campaign(state, &c)?;
    repo::ledger::verify(&state.db, c.id, &form).await.during("verifying the ledger")
}

/// Seals a campaign's waiting submissions as far as the group size allows (everything, once it
/// is closed), waiting for a sealer of another process rather than racing it; then, on
/// PostgreSQL, settles its tokens (`repo::ledger::settle_tokens`).
#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn seal_campaign(state: &AppState, campaign_id: Uuid) -> AppResult<()> {
    let turn = Turn {
        wait: true,
        writer: state.writer_turn.as_deref(),
    };
    let mut sealed = 0;
    loop {
        let n = repo::ledger::seal_campaign(&state.db, campaign_id, state.settings.min_group, turn)
            .await
            .during("sealing the campaign's ledger")?;
        if n == 0 {
            break;
        }
        sealed += n;
    }
    if sealed > 0 {
        repo::ledger::settle_tokens(&state.db, campaign_id)
            .await
            .during("settling the campaign's tokens")?;
    }
    Ok(())
}

/// The periodic pass: every campaign with submissions waiting, without waiting for another
/// process's sealer (it finishes what it started).
pub async fn seal_all(state: &AppState) -> AppResult<i64> {
    repo::ledger::seal_all(&state.db, state.settings.min_group, state.writer_turn.as_deref())
        .await
        .during("sealing the ledger")
}

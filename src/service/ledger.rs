//! The integrity ledger as a use case: a campaign's chain re-verified from the stored rows, and
//! sealing what remains when a campaign closes. The hashing and sealing are `repo::ledger`'s and
//! the domain's; this module adds the role check and the form.

use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::domain::access::Principal;
use crate::error::{AppResult, During};
use crate::state::AppState;
use crate::views::results::Verification;

/// The ledger of a campaign, re-verified now (admin, the unit's operator, assessor).
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn verify(state: &AppState, who: &Principal, id: Uuid) -> AppResult<Verification> {
    let c = load(state, who, id, Access::Read).await?;
    let form = super::forms::of_campaign(state, &c)?;
    crate::repo::ledger::verify(&state.db, c.id, &form)
        .await
        .during("verifying the ledger")
}

/// Seals every response of a campaign not sealed yet (block by block).
#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn seal_campaign(state: &AppState, campaign_id: Uuid) -> AppResult<()> {
    while crate::repo::ledger::seal_campaign(&state.db, campaign_id)
        .await
        .during("sealing the campaign's ledger")?
        > 0
    {}
    Ok(())
}

//! Campaigns (survey periods): create, list, read, close; and [`load`], the one way every use
//! case reaches a campaign (the caller's role is checked against the campaign's unit).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::access::Principal;
use crate::domain::campaign::Period;
use crate::domain::values::Text;
use crate::entities::campaign;
use crate::error::{AppError, AppResult, During, Fields};
use crate::repo::{self, audit::Entry};
use crate::state::AppState;
use crate::views::campaigns::CampaignView;

/// How much a caller wants to do with a campaign.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Manage,
}

/// Loads a campaign and checks the caller's role on its unit.
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn load(state: &AppState, who: &Principal, id: Uuid, access: Access) -> AppResult<campaign::Model> {
    let c = repo::campaigns::find(&state.db, id)
        .await
        .during("reading a campaign")?
        .ok_or_else(|| AppError::not_found("campaign"))?;
    match access {
        Access::Read => who.require_read(c.unit_id)?,
        Access::Manage => who.require_manage(c.unit_id)?,
    }
    Ok(c)
}

/// A campaign as asked for, every field still unchecked.
pub struct CampaignInput {
    /// `ipak`, `ipkp` or `skm`: the form's current version is pinned.
    pub form: Option<String>,
    pub title: Option<String>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub population: Option<i64>,
}

/// Creates a campaign for a unit (admin, the unit's operator), pinning (and freezing) the form's
/// current version.
#[tracing::instrument(skip_all, fields(unit_id = %unit_id))]
pub async fn create(state: &AppState, who: &Principal, unit_id: Uuid, input: CampaignInput) -> AppResult<CampaignView> {
    who.require_manage(unit_id)?;
    super::units::find(state, unit_id).await?;
    let mut f = Fields::new();
    let form = f.require("form", input.form).and_then(|id| {
        let found = state.forms.current(&id);
        f.check("form", found.ok_or_else(|| format!("unknown form `{id}` (ipak, ipkp, skm)")))
    });
    let title = f.require("title", input.title).and_then(|t| f.check("title", Text::parse(&t, 200)));
    if let Err((field, msg)) = Period::validate_new(input.opens_at, input.closes_at, crate::domain::now()) {
        f.add(field, msg);
    }
    if let Some(p) = input.population
        && !(1..=1_000_000_000_000).contains(&p)
    {
        f.add("population", "must be a whole number from 1 to 10^12");
    }
    f.finish()?;
    let (Some(form), Some(title)) = (form, title) else {
        return Err(AppError::Internal(anyhow::anyhow!("validated campaign fields missing")));
    };
    let new = repo::campaigns::NewCampaign {
        unit_id,
        form_id: form.id.clone(),
        form_version: form.version,
        title: title.into_string(),
        opens_at: input.opens_at,
        closes_at: input.closes_at,
        population: input.population,
    };
    let c = super::audited(&state.db, who.into(), async |txn| {
        // Pinning a form version freezes it: its canonical content is kept for good.
        repo::form_versions::freeze(txn, &form).await.during("freezing the form version")?;
        let c = repo::campaigns::insert(txn, new).await.during("storing a campaign")?;
        let entry = Entry {
            action: "campaign.create",
            entity: "campaign",
            entity_id: c.id.to_string(),
            unit_id: Some(unit_id),
            reason: None,
            detail: serde_json::json!({"form": c.form_id, "form_version": c.form_version, "title": c.title, "population": c.population}),
        };
        Ok((c, Some(entry)))
    })
    .await?;
    Ok(c.into())
}

/// A unit's campaigns (admin, the unit's operator, assessor).
#[tracing::instrument(skip_all, fields(unit_id = %unit_id))]
pub async fn list(state: &AppState, who: &Principal, unit_id: Uuid) -> AppResult<Vec<CampaignView>> {
    who.require_read(unit_id)?;
    super::units::find(state, unit_id).await?;
    let list = repo::campaigns::list_for_unit(&state.db, unit_id)
        .await
        .during("listing campaigns")?;
    Ok(list.into_iter().map(CampaignView::from).collect())
}

/// One campaign (admin, the unit's operator, assessor).
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn get(state: &AppState, who: &Principal, id: Uuid) -> AppResult<CampaignView> {
    Ok(load(state, who, id, Access::Read).await?.into())
}

/// Closes a campaign now (admin, the unit's operator); idempotent. Closing seals what remains,
/// so the final ledger head exists as soon as the campaign ends.
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn close(state: &AppState, who: &Principal, id: Uuid) -> AppResult<CampaignView> {
    let c = load(state, who, id, Access::Manage).await?;
    let was_closed = c.closed_at.is_some();
    let c = super::audited(&state.db, who.into(), async |txn| {
        let c = repo::campaigns::close(txn, c).await.during("closing a campaign")?;
        let entry = (!was_closed).then(|| Entry {
            action: "campaign.close",
            entity: "campaign",
            entity_id: c.id.to_string(),
            unit_id: Some(c.unit_id),
            reason: None,
            detail: serde_json::json!({}),
        });
        Ok((c, entry))
    })
    .await?;
    super::ledger::seal_campaign(state, c.id).await?;
    Ok(c.into())
}

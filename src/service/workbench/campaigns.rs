//! The operator's workbench (an admin may do the same): the unit's campaigns at a glance, a new
//! campaign, one campaign's desks and token batches, and closing — through the same use cases as
//! the API, so the role checks and audit entries are theirs.
//!
//! The dashboard's index is the results service's (`service::results`), which applies the
//! anonymity rules for every reader; nothing here computes a statistic.

use uuid::Uuid;

use super::{Form, Reader, days_until};
use crate::domain::access::Principal;
use crate::domain::campaign::CampaignStatus;
use crate::domain::sample_size::required_n;
use crate::entities::campaign;
use crate::error::{AppError, AppResult, During};
use crate::pages::kelola::{BatchRow, CampaignRow, LinkRow};
use crate::repo;
use crate::service::campaigns::{Access, CampaignInput, load};
use crate::service::links::LinkInput;
use crate::service::tokens::{BatchInput, IssuedBatch};
use crate::service::{campaigns, links, results, tokens, units};
use crate::state::AppState;
use crate::views::campaigns::CampaignView;
use crate::views::links::LinkView;
use crate::views::units::UnitView;

/// One campaign's row: its status, live count against the required sample, the index as
/// published, and the days left.
async fn row(state: &AppState, c: &campaign::Model) -> AppResult<CampaignRow> {
    let r = results::compute(state, c).await?;
    let now = crate::domain::now();
    let status = repo::campaigns::period(c).status(now);
    Ok(CampaignRow {
        id: c.id,
        title: c.title.clone(),
        form: c.form_id.clone(),
        status,
        n: r.n,
        required_n: r.required_n,
        index: r.index.value,
        withheld: r.n > 0,
        days_left: match status {
            CampaignStatus::Closed => None,
            _ => c.closes_at.map(|t| days_until(t, now)),
        },
    })
}

/// The unit (admin, the unit's operator) and its campaigns, newest first.
pub async fn dashboard(state: &AppState, who: &Principal, unit_id: Uuid) -> AppResult<(UnitView, Vec<CampaignRow>)> {
    who.require_manage(unit_id)?;
    let unit = units::get(state, who, unit_id).await?;
    let mut list = repo::campaigns::list_for_unit(&state.db, unit_id)
        .await
        .during("listing the unit's campaigns")?;
    list.reverse();
    let mut rows = Vec::with_capacity(list.len());
    for c in &list {
        rows.push(row(state, c).await?);
    }
    Ok((unit, rows))
}

/// Krejcie–Morgan's required sample for populations a unit commonly has, for the table beside
/// the form (readable without submitting anything).
pub fn sample_table() -> Vec<(u64, u64)> {
    [50u64, 100, 200, 300, 500, 1_000, 2_000, 5_000, 10_000, 100_000]
        .into_iter()
        .map(|n| (n, required_n(Some(n))))
        .collect()
}

/// What the new-campaign form offers: the unit, and each form's id and title.
pub async fn new_campaign(state: &AppState, who: &Principal, unit_id: Uuid) -> AppResult<(UnitView, Vec<(String, String)>)> {
    who.require_manage(unit_id)?;
    let unit = units::get(state, who, unit_id).await?;
    let mut forms: Vec<(String, String)> = crate::service::forms::list(state)
        .into_iter()
        .map(|f| (f.id, format!("{} / {}", f.title.id, f.title.en)))
        .collect();
    forms.sort();
    Ok((unit, forms))
}

/// The required sample of the population typed in the form (`None` when it is empty: unknown),
/// or the field's message when it is not a number.
pub fn required_sample(form: &Form) -> AppResult<(Option<u64>, u64)> {
    let mut r = Reader::default();
    let p = r.whole(form, "population");
    r.finish()?;
    let p = match p {
        Some(p) if p >= 1 => Some(p as u64),
        Some(_) => return Err(AppError::field("population", "must be a whole number from 1 to 10^12")),
        None => None,
    };
    Ok((p, required_n(p)))
}

/// Creates a campaign from the form (`form`, `title`, `population`, `opens_at`, `closes_at` as
/// dates).
pub async fn create_campaign(state: &AppState, who: &Principal, unit_id: Uuid, form: &Form) -> AppResult<CampaignView> {
    who.require_manage(unit_id)?;
    let mut r = Reader::default();
    let input = CampaignInput {
        form: r.text(form, "form"),
        title: r.text(form, "title"),
        population: r.whole(form, "population"),
        opens_at: r.day(form, "opens_at", false),
        closes_at: r.day(form, "closes_at", true),
    };
    r.finish()?;
    campaigns::create(state, who, unit_id, input).await
}

/// Everything the campaign page shows.
pub struct CampaignData {
    pub campaign: campaign::Model,
    pub unit_name: String,
    pub form_title: String,
    pub row: CampaignRow,
    pub links: Vec<LinkRow>,
    pub batches: Vec<BatchRow>,
}

/// One campaign's page (admin, the unit's operator).
pub async fn campaign(state: &AppState, who: &Principal, id: Uuid) -> AppResult<CampaignData> {
    let c = load(state, who, id, Access::Manage).await?;
    let unit = units::find(state, c.unit_id).await?;
    let form = crate::service::forms::of_campaign(state, &c)?;
    let links = links::list(state, who, id)
        .await?
        .into_iter()
        .map(|l| LinkRow {
            id: l.id,
            label: l.label,
            url: l.url,
            max_responses: l.max_responses,
            expires_at: l.expires_at,
            revoked: l.revoked_at.is_some(),
        })
        .collect();
    let batches = tokens::list(state, who, id)
        .await?
        .into_iter()
        .map(|b| BatchRow {
            id: b.id,
            label: b.label,
            issued: b.issued,
            redeemed: b.redeemed,
            created_at: b.created_at,
            revoked: b.revoked_at.is_some(),
        })
        .collect();
    Ok(CampaignData {
        row: row(state, &c).await?,
        unit_name: unit.name,
        form_title: format!("{} / {}", form.title.id, form.title.en),
        campaign: c,
        links,
        batches,
    })
}

/// Adds a desk (an open link) from the form (`label`, `max_responses`, `expires_at` as a date).
pub async fn add_desk(state: &AppState, who: &Principal, campaign_id: Uuid, form: &Form) -> AppResult<LinkView> {
    let mut r = Reader::default();
    let input = LinkInput {
        label: r.text(form, "label"),
        max_responses: r.whole(form, "max_responses"),
        expires_at: r.day(form, "expires_at", true),
    };
    r.finish()?;
    links::create(state, who, campaign_id, input).await
}

/// Revokes a desk's link; returns it (its campaign is where the page goes back to).
pub async fn revoke_desk(state: &AppState, who: &Principal, link_id: Uuid) -> AppResult<LinkView> {
    links::revoke(state, who, link_id).await
}

/// How a new batch is handed out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SlipOutput {
    /// The printable slips page.
    Print,
    /// A CSV file of codes and addresses.
    Csv,
}

/// Issues a batch from the form (`count`, `label`, `expires_at` as a date, `format` `html` or
/// `csv`).
pub async fn issue_slips(state: &AppState, who: &Principal, campaign_id: Uuid, form: &Form) -> AppResult<(SlipOutput, IssuedBatch)> {
    let mut r = Reader::default();
    let count = r.whole(form, "count");
    let output = match r.text(form, "format").as_deref() {
        None | Some("html") => SlipOutput::Print,
        Some("csv") => SlipOutput::Csv,
        Some(_) => return Err(AppError::field("format", "choose printable slips or CSV")),
    };
    let input = BatchInput {
        count,
        label: r.text(form, "label"),
        expires_at: r.day(form, "expires_at", true),
    };
    r.finish()?;
    let issued = tokens::issue(state, who, campaign_id, input, output == SlipOutput::Print).await?;
    Ok((output, issued))
}

/// Revokes a batch; returns its campaign.
pub async fn revoke_slips(state: &AppState, who: &Principal, batch_id: Uuid) -> AppResult<Uuid> {
    Ok(tokens::revoke(state, who, batch_id).await?.campaign_id)
}

/// What the close confirmation shows: the campaign, its unit's name, and its count against the
/// required sample.
pub async fn close_check(state: &AppState, who: &Principal, id: Uuid) -> AppResult<(campaign::Model, String, CampaignRow)> {
    let c = load(state, who, id, Access::Manage).await?;
    let unit = units::find(state, c.unit_id).await?;
    let row = row(state, &c).await?;
    Ok((c, unit.name, row))
}

/// Closes the campaign.
pub async fn close(state: &AppState, who: &Principal, id: Uuid) -> AppResult<CampaignView> {
    campaigns::close(state, who, id).await
}

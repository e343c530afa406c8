//! Open links (QR posters at service desks): create, list, revoke, their QR codes and the
//! printable poster. A link's code is public by nature; it is never logged all the same.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::domain::access::Principal;
use crate::domain::credentials::new_link_code;
use crate::domain::forms::Form;
use crate::domain::values::Text;
use crate::entities::{campaign, open_link};
use crate::error::{AppError, AppResult, During, Fields};
use crate::pages::PosterPage;
use crate::repo::{self, audit::Entry};
use crate::state::AppState;
use crate::views::links::LinkView;

/// The survey address of a link code or token, under the public URL.
pub fn survey_url(state: &AppState, code: &str) -> String {
    format!("{}/s/{}", state.settings.public_url, code)
}

fn view(state: &AppState, l: open_link::Model) -> LinkView {
    let url = survey_url(state, &l.code);
    LinkView::new(l, url)
}

/// Loads a link and checks that the caller manages its campaign's unit.
async fn load_link(state: &AppState, who: &Principal, id: Uuid) -> AppResult<(open_link::Model, campaign::Model)> {
    let l = repo::links::find(&state.db, id)
        .await
        .during("reading a link")?
        .ok_or_else(|| AppError::not_found("link"))?;
    let c = load(state, who, l.campaign_id, Access::Manage).await?;
    Ok((l, c))
}

/// A link as asked for, every field still unchecked.
pub struct LinkInput {
    /// Where the poster hangs, e.g. "Loket 2".
    pub label: Option<String>,
    pub max_responses: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates an open link for a campaign (admin, the unit's operator).
#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn create(state: &AppState, who: &Principal, campaign_id: Uuid, input: LinkInput) -> AppResult<LinkView> {
    let c = load(state, who, campaign_id, Access::Manage).await?;
    let mut f = Fields::new();
    let label = f.require("label", input.label).and_then(|l| f.check("label", Text::parse(&l, 100)));
    if let Some(m) = input.max_responses
        && !(1..=10_000_000).contains(&m)
    {
        f.add("max_responses", "must be a whole number from 1 to 10,000,000");
    }
    if let Some(e) = input.expires_at
        && e <= crate::domain::now()
    {
        f.add("expires_at", "must be in the future");
    }
    f.finish()?;
    let Some(label) = label else {
        return Err(AppError::Internal(anyhow::anyhow!("validated link fields missing")));
    };
    let new = repo::links::NewLink {
        campaign_id: c.id,
        code: new_link_code(),
        label: label.into_string(),
        max_responses: input.max_responses,
        expires_at: input.expires_at,
    };
    let l = super::audited(&state.db, who.into(), async |txn| {
        let l = repo::links::insert(txn, new).await.during("storing a link")?;
        let entry = Entry {
            action: "link.create",
            entity: "open_link",
            entity_id: l.id.to_string(),
            unit_id: Some(c.unit_id),
            reason: None,
            detail: serde_json::json!({"campaign_id": c.id, "label": l.label, "max_responses": l.max_responses, "expires_at": l.expires_at}),
        };
        Ok((l, Some(entry)))
    })
    .await?;
    Ok(view(state, l))
}

/// A campaign's open links (admin, the unit's operator).
#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn list(state: &AppState, who: &Principal, campaign_id: Uuid) -> AppResult<Vec<LinkView>> {
    let c = load(state, who, campaign_id, Access::Manage).await?;
    let links = repo::links::list_for_campaign(&state.db, c.id).await.during("listing links")?;
    Ok(links.into_iter().map(|l| view(state, l)).collect())
}

/// Revokes an open link (admin, the unit's operator): its poster stops working at once.
#[tracing::instrument(skip_all, fields(link_id = %id))]
pub async fn revoke(state: &AppState, who: &Principal, id: Uuid) -> AppResult<LinkView> {
    let (l, c) = load_link(state, who, id).await?;
    let was_revoked = l.revoked_at.is_some();
    let l = super::audited(&state.db, who.into(), async |txn| {
        let l = repo::links::revoke(txn, l).await.during("revoking a link")?;
        let entry = (!was_revoked).then(|| Entry {
            action: "link.revoke",
            entity: "open_link",
            entity_id: l.id.to_string(),
            unit_id: Some(c.unit_id),
            reason: None,
            detail: serde_json::json!({"label": l.label}),
        });
        Ok((l, entry))
    })
    .await?;
    Ok(view(state, l))
}

/// The image formats of a link's QR code.
#[derive(Clone, Copy)]
pub enum QrFormat {
    Svg,
    Png,
}

/// A link's QR code (admin, the unit's operator), `size` pixels wide (64–2048, default 512).
#[tracing::instrument(skip_all, fields(link_id = %id))]
pub async fn qr(state: &AppState, who: &Principal, id: Uuid, size: Option<u32>, format: QrFormat) -> AppResult<Vec<u8>> {
    let size = match size {
        None => crate::qr::DEFAULT_SIZE,
        Some(s) if (crate::qr::MIN_SIZE..=crate::qr::MAX_SIZE).contains(&s) => s,
        Some(_) => {
            return Err(AppError::field(
                "size",
                format!("must be from {} to {}", crate::qr::MIN_SIZE, crate::qr::MAX_SIZE),
            ));
        }
    };
    let (l, _) = load_link(state, who, id).await?;
    let url = survey_url(state, &l.code);
    let image = match format {
        QrFormat::Svg => crate::qr::svg(&url, size).map(String::into_bytes),
        QrFormat::Png => crate::qr::png(&url, size),
    };
    image.map_err(|e| AppError::Internal(anyhow::anyhow!(e).context("drawing a QR code")))
}

/// What the printable poster shows; [`PosterView::page`] lends it to the template.
pub struct PosterView {
    unit_name: String,
    campaign_title: String,
    form: Arc<Form>,
    label: String,
    url: String,
    short_url: String,
    qr_svg: String,
    /// The public URL opens only on the server: the poster says "do not print".
    local_url: bool,
}

impl PosterView {
    pub fn page(&self) -> PosterPage<'_> {
        PosterPage {
            unit_name: &self.unit_name,
            campaign_title: &self.campaign_title,
            form_title: &self.form.title,
            label: &self.label,
            url: &self.url,
            short_url: &self.short_url,
            qr_svg: &self.qr_svg,
            local_url: self.local_url,
            questions: self.form.items.len() + self.form.screening.len() + self.form.demographics.len(),
        }
    }
}

/// The printable A4 poster of a link (admin, the unit's operator).
#[tracing::instrument(skip_all, fields(link_id = %id))]
pub async fn poster(state: &AppState, who: &Principal, id: Uuid) -> AppResult<PosterView> {
    let (l, c) = load_link(state, who, id).await?;
    let unit = super::units::find(state, c.unit_id).await?;
    let form = super::forms::of_campaign(state, &c)?;
    let url = survey_url(state, &l.code);
    let short_url = url
        .split_once("://")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| url.clone());
    let qr_svg = crate::qr::inline_svg(&url).map_err(|e| AppError::Internal(anyhow::anyhow!(e).context("drawing the poster's QR code")))?;
    Ok(PosterView {
        unit_name: unit.name,
        campaign_title: c.title,
        form,
        label: l.label,
        url,
        short_url,
        qr_svg,
        local_url: state.settings.public_url_is_local(),
    })
}

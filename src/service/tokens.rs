//! Single-use tokens: a batch is issued with its plaintext shown once (only hashes are stored),
//! optionally with a printable sheet of slips; batches list their counts and can be revoked.

use base64::Engine;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::domain::access::Principal;
use crate::domain::credentials::new_token;
use crate::domain::values::Text;
use crate::error::{AppError, AppResult, During, Fields};
use crate::repo::{self, audit::Entry};
use crate::state::AppState;
use crate::views::tokens::{BatchView, CreatedBatch, IssuedToken};

pub const MAX_BATCH: i64 = 10_000;
/// A slip sheet carries a QR image per token; past this a page gets too heavy to print.
pub const MAX_SLIPS: i64 = 1_000;

/// A batch as asked for, every field still unchecked.
pub struct BatchInput {
    /// 1–10,000 tokens (at most 1,000 for a printed sheet).
    pub count: Option<i64>,
    pub label: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What a printed sheet of slips needs besides the tokens: one QR image (`<img>`) per token, in
/// the tokens' order.
pub struct SlipSheet {
    pub unit_name: String,
    pub campaign_title: String,
    pub images: Vec<String>,
    /// The page where a citizen types a slip's code.
    pub code_url: String,
    /// The public URL opens only on the server: the slips say "do not print".
    pub local_url: bool,
}

pub struct IssuedBatch {
    pub batch: CreatedBatch,
    /// Present when the batch was issued for printing.
    pub sheet: Option<SlipSheet>,
}

/// Issues a batch of single-use tokens (admin, the unit's operator); `for_print` also draws the
/// slips' QR codes (and caps the batch at [`MAX_SLIPS`]).
#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn issue(state: &AppState, who: &Principal, campaign_id: Uuid, input: BatchInput, for_print: bool) -> AppResult<IssuedBatch> {
    let c = load(state, who, campaign_id, Access::Manage).await?;
    let mut f = Fields::new();
    let count = f.require("count", input.count);
    if let Some(n) = count
        && !(1..=MAX_BATCH).contains(&n)
    {
        f.add("count", format!("must be from 1 to {MAX_BATCH}"));
    }
    if for_print && count.is_some_and(|n| n > MAX_SLIPS) {
        f.add(
            "count",
            format!("a printable sheet holds at most {MAX_SLIPS} slips; use CSV for larger batches"),
        );
    }
    let label = match input.label {
        None => None,
        Some(l) => f.check("label", Text::parse(&l, 100)).map(Text::into_string),
    };
    if let Some(e) = input.expires_at
        && e <= crate::domain::now()
    {
        f.add("expires_at", "must be in the future");
    }
    f.finish()?;
    let count = count.unwrap_or(0) as usize;

    let pairs: Vec<(String, String)> = (0..count).map(|_| new_token()).collect();
    let hashes: Vec<String> = pairs.iter().map(|(_, h)| h.clone()).collect();
    let batch = super::audited(&state.db, who.into(), async |txn| {
        let batch = repo::tokens::insert_batch(txn, c.id, label.clone(), input.expires_at, &hashes)
            .await
            .during("storing a token batch")?;
        let entry = Entry {
            action: "tokens.create",
            entity: "token_batch",
            entity_id: batch.id.to_string(),
            unit_id: Some(c.unit_id),
            reason: None,
            detail: serde_json::json!({"campaign_id": c.id, "count": count, "label": label, "expires_at": batch.expires_at}),
        };
        Ok((batch, Some(entry)))
    })
    .await?;
    let tokens: Vec<IssuedToken> = pairs
        .into_iter()
        .map(|(t, _)| IssuedToken {
            url: super::links::survey_url(state, &t),
            token: t,
        })
        .collect();
    let sheet = match for_print {
        true => Some(SlipSheet {
            unit_name: super::units::find(state, c.unit_id).await?.name,
            campaign_title: c.title.clone(),
            images: slip_images(&tokens)?,
            code_url: format!("{}/kode", state.settings.public_url),
            local_url: state.settings.public_url_is_local(),
        }),
        false => None,
    };
    let batch = CreatedBatch {
        batch_id: batch.id,
        campaign_id: c.id,
        label,
        count: tokens.len(),
        expires_at: batch.expires_at,
        tokens,
    };
    Ok(IssuedBatch { batch, sheet })
}

/// A small PNG per slip keeps a 1,000-slip sheet printable (SVG paths would weigh ~30× more).
fn slip_images(tokens: &[IssuedToken]) -> AppResult<Vec<String>> {
    tokens
        .iter()
        .map(|t| {
            let png =
                crate::qr::png(&t.url, 160).map_err(|e| AppError::Internal(anyhow::anyhow!(e).context("drawing a slip's QR code")))?;
            Ok(format!(
                "<img src=\"data:image/png;base64,{}\" alt=\"QR\" width=\"120\" height=\"120\">",
                base64::engine::general_purpose::STANDARD.encode(png)
            ))
        })
        .collect()
}

async fn redeemed(state: &AppState, campaign_id: Uuid) -> AppResult<Vec<(Uuid, i64)>> {
    repo::tokens::redeemed_counts(&state.db, campaign_id)
        .await
        .during("counting redeemed tokens")
}

fn redeemed_of(counts: &[(Uuid, i64)], batch: Uuid) -> i64 {
    counts.iter().find(|(id, _)| *id == batch).map(|(_, n)| *n).unwrap_or(0)
}

/// A campaign's token batches with their counts (admin, the unit's operator).
#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn list(state: &AppState, who: &Principal, campaign_id: Uuid) -> AppResult<Vec<BatchView>> {
    let c = load(state, who, campaign_id, Access::Manage).await?;
    let batches = repo::tokens::list_batches(&state.db, c.id).await.during("listing token batches")?;
    let counts = redeemed(state, c.id).await?;
    Ok(batches
        .into_iter()
        .map(|b| {
            let r = redeemed_of(&counts, b.id);
            BatchView::new(b, r)
        })
        .collect())
}

/// Revokes a batch (admin, the unit's operator): its unused tokens stop working at once.
#[tracing::instrument(skip_all, fields(batch_id = %id))]
pub async fn revoke(state: &AppState, who: &Principal, id: Uuid) -> AppResult<BatchView> {
    let b = repo::tokens::find_batch(&state.db, id)
        .await
        .during("reading a token batch")?
        .ok_or_else(|| AppError::not_found("token batch"))?;
    let c = load(state, who, b.campaign_id, Access::Manage).await?;
    let was_revoked = b.revoked_at.is_some();
    let b = super::audited(&state.db, who.into(), async |txn| {
        let b = repo::tokens::revoke_batch(txn, b).await.during("revoking a token batch")?;
        let entry = (!was_revoked).then(|| Entry {
            action: "tokens.revoke",
            entity: "token_batch",
            entity_id: b.id.to_string(),
            unit_id: Some(c.unit_id),
            reason: None,
            detail: serde_json::json!({"issued": b.issued}),
        });
        Ok((b, entry))
    })
    .await?;
    let r = redeemed_of(&redeemed(state, c.id).await?, b.id);
    Ok(BatchView::new(b, r))
}

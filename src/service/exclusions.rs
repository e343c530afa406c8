//! Exclusions: an assessor takes a response out of the analysis set with a written reason, and
//! can put it back — each an audited action; the response itself is never touched.

use uuid::Uuid;

use crate::domain::access::Principal;
use crate::domain::values::Text;
use crate::entities::response;
use crate::error::{AppError, AppResult, During, Fields};
use crate::repo::{self, audit::Entry};
use crate::state::AppState;
use crate::views::exclusions::ExclusionView;

/// A written reason: 5–1000 characters.
fn reason(reason: Option<String>) -> AppResult<String> {
    let mut f = Fields::new();
    let r = f.require("reason", reason).and_then(|r| {
        let t = f.check("reason", Text::parse(&r, 1000));
        if t.as_ref().is_some_and(|t| t.as_str().chars().count() < 5) {
            f.add("reason", "write at least 5 characters");
        }
        t
    });
    f.finish()?;
    r.map(Text::into_string)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("validated reason missing")))
}

/// The response and its campaign's unit, after the role and the reason are checked.
async fn prepare(state: &AppState, who: &Principal, id: Uuid, why: Option<String>) -> AppResult<(String, response::Model, Uuid)> {
    who.require_admin_or_assessor()?;
    let why = reason(why)?;
    let r = repo::exclusions::find_response(&state.db, id)
        .await
        .during("reading a response")?
        .ok_or_else(|| AppError::not_found("response"))?;
    let c = repo::campaigns::find(&state.db, r.campaign_id)
        .await
        .during("reading the response's campaign")?
        .ok_or_else(|| AppError::not_found("campaign"))?;
    Ok((why, r, c.unit_id))
}

fn entry<'a>(action: &'a str, r: &response::Model, unit_id: Uuid, why: &'a str) -> Entry<'a> {
    Entry {
        action,
        entity: "response",
        entity_id: r.id.to_string(),
        unit_id: Some(unit_id),
        reason: Some(why),
        detail: serde_json::json!({"campaign_id": r.campaign_id}),
    }
}

/// Excludes a response from the analysis set (admin, assessor); a second exclusion is a 409.
#[tracing::instrument(skip_all, fields(response_id = %id))]
pub async fn exclude(state: &AppState, who: &Principal, id: Uuid, why: Option<String>) -> AppResult<ExclusionView> {
    let (why, r, unit_id) = prepare(state, who, id, why).await?;
    // The insert comes first in the transaction (the primary key refuses a second exclusion).
    let e = super::audited(&state.db, who.into(), async |txn| {
        let e = repo::exclusions::insert(txn, &r, &why, who.key_id)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(_) => AppError::Conflict("this response is already excluded".into()),
                other => other,
            })?;
        Ok((e, Some(entry("response.exclude", &r, unit_id, &why))))
    })
    .await?;
    Ok(ExclusionView {
        response_id: r.id,
        campaign_id: r.campaign_id,
        excluded: true,
        reason: why,
        at: e.excluded_at,
    })
}

/// Puts an excluded response back into the analysis set (admin, assessor); 409 when it is not
/// excluded.
#[tracing::instrument(skip_all, fields(response_id = %id))]
pub async fn include(state: &AppState, who: &Principal, id: Uuid, why: Option<String>) -> AppResult<ExclusionView> {
    let (why, r, unit_id) = prepare(state, who, id, why).await?;
    super::audited(&state.db, who.into(), async |txn| {
        if !repo::exclusions::delete(txn, r.id).await.during("deleting an exclusion")? {
            return Err(AppError::Conflict("this response is not excluded".into()));
        }
        Ok(((), Some(entry("response.include", &r, unit_id, &why))))
    })
    .await?;
    Ok(ExclusionView {
        response_id: r.id,
        campaign_id: r.campaign_id,
        excluded: false,
        reason: why,
        at: crate::domain::now(),
    })
}

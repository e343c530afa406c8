//! The assessor's workbench beside the reports: a campaign's anonymous responses a page at a
//! time (ordered by their random ids — never by arrival), excluding and including one with a
//! written reason, the evaluation record of a unit for a year, and the audit log with each
//! actor's key name.

use std::collections::HashMap;

use uuid::Uuid;

use super::{Form, Reader};
use crate::domain::access::Principal;
use crate::domain::credentials::Role;
use crate::domain::scoring::RuleId;
use crate::entities::campaign;
use crate::error::{AppResult, During};
use crate::pages::kelola::{AuditRow, ResponseRow};
use crate::repo;
use crate::service::audit_log::{self, AuditParams};
use crate::service::campaigns::{Access, load};
use crate::service::evaluations::{self, EvaluationInput};
use crate::service::{exclusions, keys, units};
use crate::state::AppState;
use crate::views::evaluations::EvaluationView;
use crate::views::exclusions::ExclusionView;

/// Responses per page.
pub const PAGE: u64 = 50;

/// A page of a campaign's responses.
pub struct ResponsesData {
    pub campaign: campaign::Model,
    pub unit_name: String,
    pub rows: Vec<ResponseRow>,
    /// The cursor of the next page, when this one is full.
    pub next: Option<Uuid>,
}

/// The responses after `after` (admin, assessor), with their flags and exclusion state.
pub async fn responses(state: &AppState, who: &Principal, campaign_id: Uuid, after: Option<Uuid>) -> AppResult<ResponsesData> {
    who.require_admin_or_assessor()?;
    let c = load(state, who, campaign_id, Access::Read).await?;
    let unit = units::find(state, c.unit_id).await?;
    let page = repo::results::export_page(&state.db, c.id, after, PAGE)
        .await
        .during("reading a page of responses")?;
    let reasons: HashMap<Uuid, String> = repo::exclusions::list_for_campaign(&state.db, c.id)
        .await
        .during("listing exclusions")?
        .into_iter()
        .map(|e| (e.response_id, e.reason))
        .collect();
    let next = (page.len() as u64 == PAGE).then(|| page.last().map(|r| r.id)).flatten();
    let rows = page
        .into_iter()
        .map(|r| ResponseRow {
            reason: reasons.get(&r.id).cloned(),
            id: r.id,
            recorded_on: r.submitted_on,
            channel: r.channel,
            link_label: r.link_label,
            speeder: r.speeder,
            diarahkan: r.diarahkan,
            excluded: r.excluded,
        })
        .collect();
    Ok(ResponsesData {
        campaign: c,
        unit_name: unit.name,
        rows,
        next,
    })
}

/// Excludes (`exclude`) or includes a response with the form's `reason`.
pub async fn set_excluded(state: &AppState, who: &Principal, response_id: Uuid, exclude: bool, form: &Form) -> AppResult<ExclusionView> {
    let reason = Reader::default().text(form, "reason");
    if exclude {
        exclusions::exclude(state, who, response_id, reason).await
    } else {
        exclusions::include(state, who, response_id, reason).await
    }
}

/// The campaign a response belongs to, for going back to its page after a refused form (admin,
/// assessor).
pub async fn campaign_of_response(state: &AppState, who: &Principal, response_id: Uuid) -> AppResult<Option<Uuid>> {
    who.require_admin_or_assessor()?;
    Ok(repo::exclusions::find_response(&state.db, response_id)
        .await
        .during("reading a response")?
        .map(|r| r.campaign_id))
}

/// The evaluation page's data: the unit's name, the record (if any) and who wrote it.
pub async fn evaluation(
    state: &AppState,
    who: &Principal,
    unit_id: Uuid,
    year: i32,
) -> AppResult<(String, Option<EvaluationView>, Option<String>)> {
    let record = evaluations::get(state, who, unit_id, year).await?;
    let unit = units::find(state, unit_id).await?;
    let by = match record.as_ref().and_then(|r| r.updated_by) {
        Some(k) if who.role != Role::Operator => keys::names(&state.db, who).await?.remove(&k),
        _ => None,
    };
    Ok((unit.name, record, by))
}

/// Writes the evaluation record from the form (`rule`, `tlhp_percent`, `kinerja`). A `put`
/// replaces the whole record, so what the form does not show (the chosen campaigns, pooling, the
/// note) is carried over from the record as it is.
pub async fn record_evaluation(state: &AppState, who: &Principal, unit_id: Uuid, year: i32, form: &Form) -> AppResult<EvaluationView> {
    let mut r = Reader::default();
    let (rule, tlhp_percent, kinerja) = (r.text(form, "rule"), r.decimal(form, "tlhp_percent"), r.text(form, "kinerja"));
    r.finish()?;
    let current = evaluations::get(state, who, unit_id, year).await?;
    let input = EvaluationInput {
        rule,
        tlhp_percent,
        kinerja,
        ipak_campaign_id: current.as_ref().and_then(|c| c.ipak_campaign_id),
        ipkp_campaign_id: current.as_ref().and_then(|c| c.ipkp_campaign_id),
        pooling: current.as_ref().map(|c| c.pooling.as_str().to_owned()),
        note: current.and_then(|c| c.note),
    };
    Ok(evaluations::put(state, who, unit_id, year, input).await?.evaluation)
}

/// The rule sets an evaluation can choose, newest first: (id, name).
pub fn rules() -> Vec<(&'static str, &'static str)> {
    RuleId::ALL
        .iter()
        .rev()
        .map(|r| {
            let name = match r {
                RuleId::Permenpanrb90_2021 => "PermenPANRB 90/2021",
                RuleId::Permenpanrb52_2014 => "PermenPANRB 52/2014",
            };
            (r.as_str(), name)
        })
        .collect()
}

/// The audit log (admin, assessor) with each actor's key name and each unit's name, and the
/// units to filter by.
pub async fn audit(
    state: &AppState,
    who: &Principal,
    unit_id: Option<Uuid>,
    limit: Option<u64>,
) -> AppResult<(Vec<AuditRow>, Vec<(Uuid, String)>)> {
    let entries = audit_log::list(
        state,
        who,
        AuditParams {
            unit_id,
            from: None,
            to: None,
            limit,
        },
    )
    .await?;
    let names = keys::names(&state.db, who).await?;
    let units: Vec<(Uuid, String)> = units::list(state, who).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let unit_name = |id: Option<Uuid>| id.and_then(|id| units.iter().find(|(u, _)| *u == id).map(|(_, n)| n.clone()));
    let rows = entries
        .into_iter()
        .map(|e| {
            let actor = match e.actor_key_id {
                Some(k) => names.get(&k).cloned().unwrap_or_else(|| k.to_string()),
                None => "sistem / system".to_owned(),
            };
            // A key is named by its name, not its id.
            let entity = match (e.entity.as_str(), e.entity_id.parse::<Uuid>().ok().and_then(|k| names.get(&k))) {
                ("api_key", Some(name)) => format!("api_key: {name}"),
                _ => format!("{}: {}", e.entity, e.entity_id),
            };
            AuditRow {
                at: e.at,
                actor,
                role: e.actor_role,
                action: e.action,
                entity,
                unit: unit_name(e.unit_id),
                reason: e.reason,
                detail: if e.detail.is_null() { String::new() } else { e.detail.to_string() },
            }
        })
        .collect();
    Ok((rows, units))
}

//! A campaign's results (DESIGN §3): the index with its CI, items, alpha, flags, the set without
//! flagged responses, breakdowns, period-over-period change and the ledger head.

use std::collections::BTreeMap;

use actix_web::{get, web};
use serde::Serialize;
use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::auth::Principal;
use crate::domain::campaign::CampaignStatus;
use crate::domain::forms::Form;
use crate::domain::sample_size::required_n;
use crate::domain::stats::{Analysis, AnalysisInput, IndexBlock, ItemBlock, ItemCounts, Moments, Welch, analyse, suppress, welch};
use crate::entities::campaign;
use crate::error::AppError;
use crate::repo::{self, ledger::LedgerHead, results::Aggregate, results::Flags};
use crate::state::AppState;

/// Runs the statistics of DESIGN §3 on a campaign's aggregates.
pub fn analysis_of(form: &Form, agg: &Aggregate, population: Option<u64>, include_flagged: bool) -> Analysis {
    let m = form.scale.max;
    let items: Vec<ItemCounts> = form
        .items
        .iter()
        .map(|i| ItemCounts {
            id: i.id.clone(),
            counts: (1..=m).map(|v| agg.count(&i.id, v, include_flagged)).collect(),
        })
        .collect();
    let weights = form.weights();
    let (scores, totals) = agg.moments(include_flagged);
    analyse(&AnalysisInput {
        scale_max: m,
        items: &items,
        weights: &weights,
        scores,
        totals,
        population,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Subset {
    pub n: u64,
    pub adequate: bool,
    pub index: IndexBlock,
    pub alpha: Option<f64>,
    pub items: Vec<ItemBlock>,
}

/// One breakdown cell; cells under 5 responses are suppressed (n and index null).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Cell {
    pub value: String,
    pub n: Option<u64>,
    pub index: Option<f64>,
    pub suppressed: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Change {
    pub previous_campaign_id: Uuid,
    pub previous_index: Option<f64>,
    pub difference: f64,
    pub t: Option<f64>,
    pub df: Option<f64>,
    /// Welch's two-sided p-value; null when either period has fewer than 2 responses or no variance.
    pub p_value: Option<f64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Results {
    pub campaign_id: Uuid,
    pub unit_id: Uuid,
    pub form: String,
    pub form_version: u32,
    pub index_name: String,
    pub scale_max: u8,
    pub status: CampaignStatus,
    pub n: u64,
    pub population: Option<i64>,
    pub required_n: u64,
    pub adequate: bool,
    pub index: IndexBlock,
    pub alpha: Option<f64>,
    pub items: Vec<ItemBlock>,
    pub flags: Flags,
    pub without_flagged: Subset,
    /// By `layanan` and each demographic, keyed by its id.
    pub breakdowns: BTreeMap<String, Vec<Cell>>,
    pub change: Option<Change>,
    pub ledger: LedgerHead,
}

pub fn form_of(state: &AppState, c: &campaign::Model) -> Result<std::sync::Arc<Form>, AppError> {
    state
        .forms
        .version(&c.form_id, c.form_version as u32)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("form {} v{} not loaded", c.form_id, c.form_version)))
}

/// The unit's campaign of the same form that came before this one.
async fn previous(state: &AppState, c: &campaign::Model) -> Result<Option<campaign::Model>, AppError> {
    let list = repo::campaigns::list_for_unit(&state.db, c.unit_id).await?;
    Ok(list
        .into_iter()
        .rfind(|p| p.form_id == c.form_id && p.id != c.id && p.created_at < c.created_at))
}

pub async fn compute(state: &AppState, c: &campaign::Model) -> Result<Results, AppError> {
    let form = form_of(state, c)?;
    let prev = previous(state, c).await?;
    let mut ids = vec![c.id];
    ids.extend(prev.as_ref().map(|p| p.id));
    // Independent reads, each on its own pooled connection: the database works on them in
    // parallel (PostgreSQL, and SQLite readers in WAL mode).
    let (aggs, cells, head) = futures_util::try_join!(
        repo::results::aggregates(&state.db, &ids),
        repo::results::breakdowns(&state.db, c.id),
        repo::ledger::head(&state.db, c.id),
    )?;
    let agg = aggs.get(&c.id).cloned().unwrap_or_default();
    let population = c.population.map(|p| p as u64);
    let all = analysis_of(&form, &agg, population, true);
    let clean = analysis_of(&form, &agg, population, false);
    let required = required_n(population);
    let flags = agg.flags();

    let mut breakdowns: BTreeMap<String, Vec<Cell>> = form.demographics.iter().map(|d| (d.id.clone(), Vec::new())).collect();
    for (key, value, m) in cells {
        let hidden = suppress(m.n);
        breakdowns.entry(key).or_default().push(Cell {
            value,
            n: (!hidden).then_some(m.n),
            index: if hidden { None } else { m.mean() },
            suppressed: hidden,
        });
    }

    let change = match &prev {
        Some(p) => {
            let prev_scores: Moments = aggs.get(&p.id).map(|a| a.moments(true).0).unwrap_or_default();
            welch(&agg.moments(true).0, &prev_scores).map(|w: Welch| Change {
                previous_campaign_id: p.id,
                previous_index: prev_scores.mean(),
                difference: w.difference,
                t: w.t,
                df: w.df,
                p_value: w.p_value,
            })
        }
        None => None,
    };
    Ok(Results {
        campaign_id: c.id,
        unit_id: c.unit_id,
        form: c.form_id.clone(),
        form_version: c.form_version as u32,
        index_name: form.index_name.as_str().to_owned(),
        scale_max: form.scale.max,
        status: repo::campaigns::period(c).status(crate::domain::now()),
        n: all.n,
        population: c.population,
        required_n: required,
        adequate: all.n >= required,
        index: all.index,
        alpha: all.alpha,
        items: all.items,
        flags,
        without_flagged: Subset {
            n: clean.n,
            adequate: clean.n >= required,
            index: clean.index,
            alpha: clean.alpha,
            items: clean.items,
        },
        breakdowns,
        change,
        ledger: head,
    })
}

/// A campaign's results (admin, the unit's operator, assessor). Numbers are unrounded.
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = Results), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/results")]
pub async fn results(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<Results>, AppError> {
    let c = load(&state, &who, id.into_inner(), Access::Read).await?;
    Ok(web::Json(compute(&state, &c).await?))
}

/// The integrity ledger of a campaign, re-verified from the stored rows (admin, the unit's operator, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "campaign id")),
    responses((status = 200, body = repo::ledger::Verification), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/campaigns/{id}/ledger")]
pub async fn ledger(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<web::Json<repo::ledger::Verification>, AppError> {
    let c = load(&state, &who, id.into_inner(), Access::Read).await?;
    let form = form_of(&state, &c)?;
    Ok(web::Json(repo::ledger::verify(&state.db, c.id, &form).await?))
}

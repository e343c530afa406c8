//! A campaign's results (DESIGN §3): the statistics of its analysis set with and without flagged
//! responses, breakdowns with small cells suppressed, the change from the unit's previous campaign
//! of the same form version (Welch; none, with the reason, when there is no such campaign), and
//! the ledger head the figures were computed from.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::domain::access::Principal;
use crate::domain::evaluation::{PreviousCampaign, previous_for_change};
use crate::domain::forms::Form;
use crate::domain::sample_size::required_n;
use crate::domain::stats::{Analysis, AnalysisInput, ItemCounts, Moments, analyse, suppress, welch};
use crate::entities::campaign;
use crate::error::{AppResult, During};
use crate::repo::{self, results::Aggregate};
use crate::state::AppState;
use crate::views::results::{Cell, Change, Flags, Results, Subset};

/// A campaign's results (admin, the unit's operator, assessor).
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn get(state: &AppState, who: &Principal, id: Uuid) -> AppResult<Results> {
    let c = load(state, who, id, Access::Read).await?;
    compute(state, &c).await
}

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

/// Flag counts over the analysis set, and how many responses were excluded.
fn flags(agg: &Aggregate) -> Flags {
    Flags {
        speeder: agg.speeder,
        diarahkan: agg.diarahkan,
        flagged: agg.moments.get(&true).map(|m| m.0.n as i64).unwrap_or(0),
        excluded: agg.excluded,
    }
}

/// The unit's campaign a change is measured against: the latest earlier one of the same form
/// *version* (`domain::evaluation::previous_for_change`); `Err` says why there is none.
async fn previous(state: &AppState, c: &campaign::Model) -> AppResult<Result<campaign::Model, String>> {
    let list = repo::campaigns::list_for_unit(&state.db, c.unit_id)
        .await
        .during("listing the unit's campaigns")?;
    let facts = |p: &campaign::Model| PreviousCampaign {
        id: p.id,
        form_version: p.form_version as u32,
        created_at: p.created_at,
    };
    let same_form: Vec<PreviousCampaign> = list.iter().filter(|p| p.form_id == c.form_id).map(facts).collect();
    Ok(previous_for_change(&facts(c), &same_form).map(|id| {
        list.into_iter()
            .find(|p| p.id == id)
            .expect("previous_for_change picks one of the campaigns it was given")
    }))
}

/// The results of a campaign the caller was already allowed to read.
#[tracing::instrument(skip_all, fields(campaign_id = %c.id))]
pub async fn compute(state: &AppState, c: &campaign::Model) -> AppResult<Results> {
    let form = super::forms::of_campaign(state, c)?;
    let (prev, no_change) = match previous(state, c).await? {
        Ok(p) => (Some(p), None),
        Err(why) => (None, Some(why)),
    };
    let mut ids = vec![c.id];
    ids.extend(prev.as_ref().map(|p| p.id));
    // Independent reads, each on its own pooled connection: the database works on them in
    // parallel (PostgreSQL, and SQLite readers in WAL mode).
    let this = [c.id];
    let (aggs, cells, head, waiting) = futures_util::try_join!(
        repo::results::aggregates(&state.db, &ids),
        repo::results::breakdowns(&state.db, c.id),
        repo::ledger::head(&state.db, c.id),
        repo::inbox::pending_counts(&state.db, &this),
    )
    .during("reading the campaign's aggregates")?;
    let agg = aggs.get(&c.id).cloned().unwrap_or_default();
    let population = c.population.map(|p| p as u64);
    let all = analysis_of(&form, &agg, population, true);
    let clean = analysis_of(&form, &agg, population, false);
    let required = required_n(population);
    // The count stays live (participation is not an answer): the sealed responses of the analysis
    // set and the submissions waiting in the inbox. Every answer-derived figure is the sealed
    // blocks' alone.
    let n = all.n + waiting.get(&c.id).copied().unwrap_or(0).max(0) as u64;

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

    let change = prev.as_ref().and_then(|p| {
        let prev_scores: Moments = aggs.get(&p.id).map(|a| a.moments(true).0).unwrap_or_default();
        welch(&agg.moments(true).0, &prev_scores).map(|w| Change {
            previous_campaign_id: p.id,
            previous_index: prev_scores.mean(),
            difference: w.difference,
            t: w.t,
            df: w.df,
            p_value: w.p_value,
        })
    });
    Ok(Results {
        campaign_id: c.id,
        unit_id: c.unit_id,
        form: c.form_id.clone(),
        form_version: c.form_version as u32,
        index_name: form.index_name.as_str().to_owned(),
        scale_max: form.scale.max,
        status: repo::campaigns::period(c).status(crate::domain::now()),
        n,
        population: c.population,
        required_n: required,
        adequate: n >= required,
        index: all.index,
        alpha: all.alpha,
        items: all.items,
        flags: flags(&agg),
        without_flagged: Subset {
            n: clean.n,
            adequate: clean.n >= required,
            index: clean.index,
            alpha: clean.alpha,
            items: clean.items,
        },
        breakdowns,
        change_reason: match (&change, no_change) {
            (Some(_), _) => None,
            (None, Some(why)) => Some(why),
            (None, None) => Some("this campaign or the previous one of its form version has no responses".to_owned()),
        },
        change,
        ledger: head,
    })
}

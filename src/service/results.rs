//! A campaign's results (DESIGN §3): the statistics of its analysis set with and without flagged
//! responses, breakdowns by demographic and by desk with small cells suppressed — while the
//! campaign is open, all of them as published (`service::published`, docs/anonymity.md), with the
//! live count of responses beside them — the change from the unit's previous campaign
//! of the same form version (Welch; none, with the reason, when there is no such campaign), and
//! the ledger head the figures were computed from.

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use super::campaigns::{Access, load};
use super::published::Published;
use crate::domain::access::Principal;
use crate::domain::evaluation::{PreviousCampaign, previous_for_change};
use crate::domain::forms::Form;
use crate::domain::publication::{CellView, Dimension, Hidden, include_flagged_offered};
use crate::domain::sample_size::required_n;
use crate::domain::stats::{Analysis, AnalysisInput, ItemCounts, MIN_CELL, Moments, analyse, welch};
use crate::entities::campaign;
use crate::error::{AppResult, During};
use crate::repo::{self, results::Aggregate};
use crate::state::AppState;
use crate::views::results::{Cell, Change, Explanation, Flags, Publication, Results, Subset};

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

/// A breakdown cell as published: figures when shown, the reason when suppressed.
fn cell(value: String, m: &Moments, view: &CellView, k: u64) -> Cell {
    match view.hidden {
        None => Cell {
            value,
            n: Some(m.n),
            index: m.mean(),
            suppressed: false,
            reason: None,
        },
        Some(why) => {
            let (id, en) = why.describe(k_of(why, k));
            Cell {
                value,
                n: None,
                index: None,
                suppressed: true,
                reason: Some(Explanation { id, en }),
            }
        }
    }
}

/// The group size a reason names: k while open; the statistics' minimum cell after close.
fn k_of(why: Hidden, k: u64) -> u64 {
    match why {
        Hidden::FewerThanMinimum => MIN_CELL,
        _ => k,
    }
}

/// The breakdowns by demographic and by desk, as published.
fn breakdowns(form: &Form, p: &Published, labels: &HashMap<String, String>, k: u64) -> (BTreeMap<String, Vec<Cell>>, Vec<Cell>) {
    let mut by_field: BTreeMap<String, Vec<Cell>> = form.demographics.iter().map(|d| (d.id.clone(), Vec::new())).collect();
    let mut desks = Vec::new();
    for (key, view) in &p.publication.cells {
        let m = p.cells.get(key).copied().unwrap_or_default();
        match &key.0 {
            Dimension::Demographic(d) => by_field.entry(d.clone()).or_default().push(cell(key.1.clone(), &m, view, k)),
            Dimension::Desk => {
                let label = labels.get(&key.1).cloned().unwrap_or_else(|| key.1.clone());
                desks.push(cell(label, &m, view, k));
            }
        }
    }
    (by_field, desks)
}

/// The note on figures that are not exact yet, in both languages.
fn note(k: u64, snapshot_n: u64, live: u64) -> Explanation {
    Explanation {
        id: format!(
            "Kampanye masih berjalan: angka dihitung atas {snapshot_n} dari {live} respons yang tersimpan dan hanya berubah \
             setiap bertambah sedikitnya {k} respons, agar jawaban seseorang tidak dapat dikenali."
        ),
        en: format!(
            "The campaign is still open: figures are computed on {snapshot_n} of {live} stored responses and change only \
             once at least {k} more have come in, so no one's answers can be recognised."
        ),
    }
}

/// The results of a campaign the caller was already allowed to read: live participation, and
/// answer-derived figures as published (`service::published`).
#[tracing::instrument(skip_all, fields(campaign_id = %c.id))]
pub async fn compute(state: &AppState, c: &campaign::Model) -> AppResult<Results> {
    let k = state.settings.min_group;
    let form = super::forms::of_campaign(state, c)?;
    let (prev, no_change) = match previous(state, c).await? {
        Ok(p) => (Some(p), None),
        Err(why) => (None, Some(why)),
    };
    let published = super::published::read(state, c).await?;
    let prev_published = match &prev {
        Some(p) => Some(super::published::read(state, p).await?),
        None => None,
    };
    let (head, excluded, labels) = futures_util::try_join!(
        repo::ledger::head(&state.db, c.id),
        repo::publication::excluded_count(&state.db, c.id),
        repo::publication::desk_labels(&state.db, c.id),
    )
    .during("reading the campaign's ledger head")?;
    let agg = &published.agg;
    let pub_ = &published.publication;
    let population = c.population.map(|p| p as u64);
    let flagged = agg.moments.get(&true).map_or(0, |m| m.0.n);
    let includes_flagged = include_flagged_offered(k, pub_.exact, flagged);
    let mut all = analysis_of(&form, agg, population, includes_flagged);
    let mut clean = analysis_of(&form, agg, population, false);
    if !pub_.distributions {
        for i in all.items.iter_mut().chain(clean.items.iter_mut()) {
            i.distribution.clear();
        }
    }
    let required = required_n(population);
    // Live: every stored response (sealed or waiting), excluded ones left out. Once closed, every
    // response is sealed and the exact figures count them all.
    let live = (head.sealed + head.unsealed - excluded).max(0) as u64;
    let live = if pub_.exact { pub_.snapshot_n } else { live };
    let (by_field, desks) = breakdowns(&form, &published, &labels, k);

    let change = prev_published.as_ref().zip(prev.as_ref()).and_then(|(pp, p)| {
        let prev_flagged = pp.agg.moments.get(&true).map_or(0, |m| m.0.n);
        let prev_scores: Moments = pp.agg.moments(include_flagged_offered(k, pp.publication.exact, prev_flagged)).0;
        welch(&agg.moments(includes_flagged).0, &prev_scores).map(|w| Change {
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
        n: live,
        snapshot_n: pub_.snapshot_n,
        publication: Publication {
            k,
            exact: pub_.exact,
            snapshot_blocks: published.snapshot_seq,
            distributions_shown: pub_.distributions,
            includes_flagged,
            note: (!pub_.exact).then(|| note(k, pub_.snapshot_n, live)),
        },
        population: c.population,
        required_n: required,
        adequate: live >= required,
        index: all.index,
        alpha: all.alpha,
        items: all.items,
        flags: flags(agg),
        without_flagged: Subset {
            n: clean.n,
            adequate: clean.n >= required,
            index: clean.index,
            alpha: clean.alpha,
            items: clean.items,
        },
        breakdowns: by_field,
        desks,
        change_reason: match (&change, no_change) {
            (Some(_), _) => None,
            (None, Some(why)) => Some(why),
            (None, None) => Some("this campaign or the previous one of its form version has no responses".to_owned()),
        },
        change,
        ledger: head,
    })
}

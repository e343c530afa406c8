//! Hasil: a unit's IPAK and IPKP for a year, the komponen hasil scores under both rule sets, and
//! the WBK/WBBM verdicts; and the national table (one row per unit).
//!
//! Each unit's hasil reads its own evaluation record for the year (rule, TLHP, kinerja, named
//! campaigns, pooling); query parameters replace the record's values only as a what-if, and the
//! answer names them in `what_if`. The campaigns are chosen by `domain::evaluation::choose` (the
//! latest ended campaign of the year with responses, empty ones skipped with a note, optionally
//! pooled with the year's others of its form version), and their statistics come from one
//! aggregate query over every candidate of every unit.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::access::Principal;
use crate::domain::evaluation::{self, Candidate, Choice, Evaluation, Note, Pooling, Scope, Sufficient, decide_rule};
use crate::domain::forms::Form;
use crate::domain::sample_size::required_n;
use crate::domain::scoring::{Hasil, HasilInputs, KinerjaGrade, RuleId, SurveyIndex, evaluate};
use crate::domain::stats::ItemCounts;
use crate::domain::time_zone::{TimeZone, local_year};
use crate::entities::{campaign, unit};
use crate::error::{AppError, AppResult, During, Fields};
use crate::repo::{self, results::Aggregate};
use crate::state::AppState;
use crate::views::evaluations::EvaluationView;
use crate::views::hasil::{CampaignRef, Inputs, SurveyBlock, UnitHasil, UnitRef};

/// What a hasil request asks for, still unchecked. Everything but `year` is a what-if: it
/// replaces the value of the unit's evaluation record, and the answer says so.
#[derive(Debug, Clone, Default)]
pub struct HasilParams {
    /// The year whose campaigns count (by when they ended, in the unit's zone); default: this year.
    pub year: Option<i32>,
    pub rule: Option<String>,
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<String>,
    /// Named campaigns instead of the record's or the year's latest (per unit only).
    pub ipak: Option<Uuid>,
    pub ipkp: Option<Uuid>,
    /// `none` or `year`.
    pub pooling: Option<String>,
}

/// The checked what-ifs of a request.
#[derive(Debug, Default)]
struct WhatIf {
    year: Option<i32>,
    rule: Option<RuleId>,
    tlhp: Option<f64>,
    kinerja: Option<KinerjaGrade>,
    ipak: Option<Uuid>,
    ipkp: Option<Uuid>,
    pooling: Option<Pooling>,
}

impl WhatIf {
    /// The names of the parameters given, as `what_if` lists them.
    fn names(&self) -> Vec<String> {
        [
            ("rule", self.rule.is_some()),
            ("tlhp_percent", self.tlhp.is_some()),
            ("kinerja", self.kinerja.is_some()),
            ("ipak", self.ipak.is_some()),
            ("ipkp", self.ipkp.is_some()),
            ("pooling", self.pooling.is_some()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(n, _)| n.to_owned())
        .collect()
    }
}

fn parse(q: &HasilParams) -> AppResult<WhatIf> {
    let mut f = Fields::new();
    let year = q.year.and_then(|y| f.check("year", evaluation::record::check_year(y)));
    let rule = q
        .rule
        .as_ref()
        .and_then(|r| f.check("rule", RuleId::parse(r).ok_or_else(|| format!("unknown rule `{r}`"))));
    let tlhp = q
        .tlhp_percent
        .and_then(|t| f.check("tlhp_percent", evaluation::record::check_tlhp(t)));
    let kinerja = q.kinerja.as_ref().and_then(|k| {
        f.check(
            "kinerja",
            k.parse::<KinerjaGrade>().map_err(|_| "must be one of A, B, C, D, E".to_owned()),
        )
    });
    let pooling = q
        .pooling
        .as_ref()
        .and_then(|p| f.check("pooling", Pooling::parse(p).ok_or_else(|| "must be `none` or `year`".to_owned())));
    f.finish()?;
    Ok(WhatIf {
        year,
        rule,
        tlhp,
        kinerja,
        ipak: q.ipak,
        ipkp: q.ipkp,
        pooling,
    })
}

/// The anonymity group size k (`INTEGRITAS_MIN_GROUP`): a campaign with fewer responses publishes
/// no figures, so it is never chosen or pooled.
fn min_group(state: &AppState) -> u64 {
    state.settings.min_group
}

/// This year in a zone.
fn this_year(zone: TimeZone) -> i32 {
    local_year(zone, crate::domain::now())
}

/// A unit's hasil scores and verdicts under each rule set (admin, the unit's operator, assessor).
#[tracing::instrument(skip_all, fields(unit_id = %unit_id))]
pub async fn unit(state: &AppState, who: &Principal, unit_id: Uuid, q: &HasilParams) -> AppResult<UnitHasil> {
    who.require_read(unit_id)?;
    let u = super::units::find(state, unit_id).await?;
    one_unit(state, u, q).await
}

/// The hasil of a unit the caller was already allowed to read.
#[tracing::instrument(skip_all, fields(unit_id = %u.id))]
pub async fn one_unit(state: &AppState, u: unit::Model, q: &HasilParams) -> AppResult<UnitHasil> {
    let w = parse(q)?;
    let year = w.year.unwrap_or_else(|| this_year(repo::units::time_zone(&u)));
    let records = repo::evaluations::find(&state.db, u.id, year)
        .await
        .during("reading the evaluation record")?
        .into_iter()
        .collect();
    let campaigns = repo::campaigns::list_for_unit(&state.db, u.id)
        .await
        .during("listing the unit's campaigns")?;
    let mut rows = hasil_for(state, vec![u], year, records, campaigns, &w, true).await?;
    rows.pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("hasil_for gave no row for one unit")))
}

/// The national table: every unit's hasil (admin, assessor). Naming campaigns works per unit only.
#[tracing::instrument(skip_all)]
pub async fn national(state: &AppState, who: &Principal, q: &HasilParams) -> AppResult<Vec<UnitHasil>> {
    who.require_admin_or_assessor()?;
    national_rows(state, q).await
}

/// The year a national request is about (for file names and links): the one asked for, else
/// this year in WIB.
pub fn year_of(q: &HasilParams) -> i32 {
    q.year.unwrap_or_else(|| this_year(TimeZone::Wib))
}

/// Every unit's hasil for a caller already allowed to see them all (the national page).
#[tracing::instrument(skip_all)]
pub async fn national_rows(state: &AppState, q: &HasilParams) -> AppResult<Vec<UnitHasil>> {
    let w = parse(q)?;
    if w.ipak.is_some() || w.ipkp.is_some() {
        return Err(AppError::field("ipak", "naming campaigns works per unit only (/units/{id}/hasil)"));
    }
    let year = year_of(q);
    let units = repo::units::list(&state.db, None).await.during("listing units")?;
    let records = repo::evaluations::list_for_year(&state.db, year)
        .await
        .during("reading the year's evaluation records")?;
    let campaigns = repo::campaigns::list_for_forms(&state.db, &["ipak", "ipkp"])
        .await
        .during("listing IPAK and IPKP campaigns")?;
    hasil_for(state, units, year, records, campaigns, &w, false).await
}

/// One unit's inputs: its record, the what-ifs over it, and each survey's candidates.
struct Plan {
    unit: unit::Model,
    record: Option<crate::entities::evaluation::Model>,
    evaluation: Evaluation,
    what_if: Vec<String>,
    choices: [(String, Choice); 2],
}

/// The statistics of a campaign's analysis set, with or without flagged responses.
fn sufficient(form: &Form, agg: &Aggregate, population: Option<u64>, include_flagged: bool) -> Sufficient {
    let items = form
        .items
        .iter()
        .map(|i| ItemCounts {
            id: i.id.clone(),
            counts: (1..=form.scale.max).map(|v| agg.count(&i.id, v, include_flagged)).collect(),
        })
        .collect();
    let (scores, totals) = agg.moments(include_flagged);
    Sufficient {
        items,
        scores,
        totals,
        population,
    }
}

fn candidate(c: &campaign::Model, n: u64) -> Candidate {
    Candidate {
        id: c.id,
        title: c.title.clone(),
        form_version: c.form_version as u32,
        period: repo::campaigns::period(c),
        created_at: c.created_at,
        n,
    }
}

/// The record's values with the what-ifs over them.
fn effective(unit: &unit::Model, record: Option<&crate::entities::evaluation::Model>, w: &WhatIf) -> Evaluation {
    let stored = record.map(repo::evaluations::content);
    let s = stored.as_ref();
    Evaluation {
        rule: decide_rule(w.rule, s.map(|e| e.rule), RuleId::parse(&unit.default_rule)),
        tlhp_percent: w.tlhp.or(s.and_then(|e| e.tlhp_percent)),
        kinerja: w.kinerja.or(s.and_then(|e| e.kinerja)),
        ipak_campaign_id: w.ipak.or(s.and_then(|e| e.ipak_campaign_id)),
        ipkp_campaign_id: w.ipkp.or(s.and_then(|e| e.ipkp_campaign_id)),
        pooling: w.pooling.or(s.map(|e| e.pooling)).unwrap_or_default(),
        note: s.and_then(|e| e.note.clone()),
    }
}

/// Computes hasil for many units of one year with one aggregate query over every candidate
/// campaign (ended in the year, or named).
async fn hasil_for(
    state: &AppState,
    units: Vec<unit::Model>,
    year: i32,
    records: Vec<crate::entities::evaluation::Model>,
    campaigns: Vec<campaign::Model>,
    w: &WhatIf,
    with_heads: bool,
) -> AppResult<Vec<UnitHasil>> {
    let now = crate::domain::now();
    let mut records: HashMap<Uuid, crate::entities::evaluation::Model> = records.into_iter().map(|r| (r.unit_id, r)).collect();
    let mut by_unit: HashMap<Uuid, Vec<campaign::Model>> = HashMap::new();
    for c in campaigns.into_iter().filter(|c| c.form_id == "ipak" || c.form_id == "ipkp") {
        by_unit.entry(c.unit_id).or_default().push(c);
    }
    let plans: Vec<(Plan, Vec<campaign::Model>)> = units
        .into_iter()
        .map(|u| {
            let record = records.remove(&u.id);
            let evaluation = effective(&u, record.as_ref(), w);
            let list = by_unit.remove(&u.id).unwrap_or_default();
            let plan = Plan {
                unit: u,
                record,
                evaluation,
                what_if: w.names(),
                choices: Default::default(),
            };
            (plan, list)
        })
        .collect();

    // The candidates' sizes: every campaign that counts for the year, and the named ones.
    let ids: Vec<Uuid> = plans
        .iter()
        .flat_map(|(p, list)| {
            let zone = repo::units::time_zone(&p.unit);
            let named = [p.evaluation.ipak_campaign_id, p.evaluation.ipkp_campaign_id];
            list.iter()
                .filter(move |c| {
                    named.contains(&Some(c.id)) || repo::campaigns::period(c).ended_at(now).map(|e| local_year(zone, e)) == Some(year)
                })
                .map(|c| c.id)
        })
        .collect();
    let mut aggs = repo::results::aggregates(&state.db, &ids)
        .await
        .during("reading hasil aggregates")?;
    // A campaign still open (one named in the record or a what-if) counts with its published
    // snapshot, as its results do: its exact figures, read after each submission, would tell the
    // unit each respondent's answers (issue 12).
    let wanted: std::collections::HashSet<Uuid> = ids.iter().copied().collect();
    for c in plans.iter().flat_map(|(_, list)| list) {
        if wanted.contains(&c.id) && !super::published::is_closed(c) {
            aggs.insert(c.id, super::published::read(state, c).await?.agg);
        }
    }
    let empty = Aggregate::default();
    let n_of = |id: Uuid| aggs.get(&id).map_or(0, |a| a.moments(true).0.n);

    let mut chosen_ids = Vec::new();
    let mut planned = Vec::with_capacity(plans.len());
    for (mut plan, list) in plans {
        let scope = Scope {
            year,
            zone: repo::units::time_zone(&plan.unit),
            now,
            min_group: min_group(state),
        };
        for (i, (survey, named)) in [
            ("ipak", plan.evaluation.ipak_campaign_id),
            ("ipkp", plan.evaluation.ipkp_campaign_id),
        ]
        .into_iter()
        .enumerate()
        {
            let candidates: Vec<Candidate> = list
                .iter()
                .filter(|c| c.form_id == survey)
                .map(|c| candidate(c, n_of(c.id)))
                .collect();
            let choice = evaluation::choose(survey, &candidates, &scope, named, plan.evaluation.pooling)
                .map_err(|_| AppError::field(survey, format!("no {survey} campaign of this unit has this id")))?;
            chosen_ids.extend(choice.campaigns.iter().copied());
            plan.choices[i] = (survey.to_owned(), choice);
        }
        planned.push((plan, list));
    }
    let heads = if with_heads {
        heads(state, &chosen_ids).await?
    } else {
        repo::ledger::last_heads(&state.db, &chosen_ids)
            .await
            .during("reading the last ledger heads")?
    };

    let mut out = Vec::with_capacity(planned.len());
    for (plan, list) in planned {
        let mut blocks: [Option<(SurveyBlock, SurveyIndex)>; 2] = [None, None];
        let mut notes: Vec<Note> = Vec::new();
        for (i, (_, choice)) in plan.choices.iter().enumerate() {
            let chosen: Vec<&campaign::Model> = choice.campaigns.iter().filter_map(|id| list.iter().find(|c| c.id == *id)).collect();
            blocks[i] = survey_block(state, &chosen, &aggs, &empty, &heads, now)?;
            notes.extend(choice.notes.iter().cloned());
        }
        let [ipak, ipkp] = blocks;
        let e = &plan.evaluation;
        let inputs = HasilInputs {
            ipak: ipak.as_ref().map(|x| x.1),
            ipkp: ipkp.as_ref().map(|x| x.1),
            tlhp_percent: e.tlhp_percent,
            kinerja: e.kinerja,
        };
        let u = plan.unit;
        out.push(UnitHasil {
            unit: UnitRef {
                time_zone: repo::units::time_zone(&u),
                id: u.id,
                slug: u.slug,
                name: u.name,
                instansi: u.instansi,
            },
            year,
            rule: e.rule,
            inputs: Inputs {
                tlhp_percent: e.tlhp_percent,
                kinerja: e.kinerja,
                ipak_campaign_id: e.ipak_campaign_id,
                ipkp_campaign_id: e.ipkp_campaign_id,
                pooling: e.pooling,
            },
            evaluation: plan.record.map(EvaluationView::from),
            what_if: plan.what_if,
            ipak: ipak.map(|x| x.0),
            ipkp: ipkp.map(|x| x.0),
            notes,
            hasil: evaluations(e.rule, &inputs),
        });
    }
    Ok(out)
}

/// A survey's block from its chosen campaigns (pooled when more than one); `None` for none.
fn survey_block(
    state: &AppState,
    chosen: &[&campaign::Model],
    aggs: &HashMap<Uuid, Aggregate>,
    empty: &Aggregate,
    heads: &HashMap<Uuid, String>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<(SurveyBlock, SurveyIndex)>> {
    let Some(first) = chosen.first() else {
        return Ok(None);
    };
    // One form version (the choice pools no other), so one form.
    let form = super::forms::of_campaign(state, first)?;
    let parts = |include_flagged: bool| -> AppResult<Sufficient> {
        let each: Vec<Sufficient> = chosen
            .iter()
            .map(|c| {
                let agg = aggs.get(&c.id).unwrap_or(empty);
                sufficient(&form, agg, c.population.map(|p| p as u64), include_flagged)
            })
            .collect();
        Sufficient::pool(&each)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("pooling campaigns: {}", e.0)))?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no campaign to pool")))
    };
    let (all, clean) = (parts(true)?, parts(false)?);
    let weights = form.weights();
    let a = all.analyse(form.scale.max, &weights);
    let c = clean.analyse(form.scale.max, &weights);
    let si = SurveyIndex::from_analysis(&a, form.scale.max, all.population);
    let required = required_n(all.population);
    let campaigns: Vec<CampaignRef> = chosen
        .iter()
        .map(|c| CampaignRef {
            id: c.id,
            title: c.title.clone(),
            form_version: c.form_version as u32,
            n: aggs.get(&c.id).map_or(0, |a| a.moments(true).0.n),
            ended_at: repo::campaigns::period(c).ended_at(now),
            ledger_head: heads.get(&c.id).cloned(),
        })
        .collect();
    Ok(Some((
        SurveyBlock {
            campaign_id: first.id,
            title: first.title.clone(),
            closed: campaigns.iter().all(|c| c.ended_at.is_some()),
            form_version: first.form_version as u32,
            pooled: campaigns.len() > 1,
            n: a.n,
            required_n: required,
            minimum_n: si.minimum_n,
            adequate: a.n >= required,
            index: a.index.value,
            value_0_4: si.value_0_4,
            ci_low_0_4: si.ci_low_0_4,
            ci_high_0_4: si.ci_high_0_4,
            without_flagged_value_0_4: c.index.value_0_4,
            ledger_head: heads.get(&first.id).cloned(),
            campaigns,
        },
        si,
    )))
}

fn evaluations(chosen: RuleId, inputs: &HasilInputs) -> Vec<Hasil> {
    let mut rules = vec![chosen];
    rules.extend(RuleId::ALL.iter().copied().filter(|r| *r != chosen));
    rules.into_iter().map(|r| evaluate(r, inputs)).collect()
}

/// The current ledger head of each campaign (re-read, not the last sealed block's).
async fn heads(state: &AppState, ids: &[Uuid]) -> AppResult<HashMap<Uuid, String>> {
    let mut out = HashMap::new();
    for id in ids {
        if let Some(h) = repo::ledger::head(&state.db, *id).await.during("reading a ledger head")?.head {
            out.insert(*id, h);
        }
    }
    Ok(out)
}

//! Hasil: a unit's IPAK and IPKP for a year, the komponen hasil scores under both rule sets, and
//! the WBK/WBBM verdicts; and the national table (one row per unit). The campaigns that count for
//! a year are the latest closed ones; one aggregate query serves every unit.

use std::collections::HashMap;

use chrono::Datelike;
use uuid::Uuid;

use crate::domain::access::Principal;
use crate::domain::sample_size::required_n;
use crate::domain::scoring::{Hasil, HasilInputs, KinerjaGrade, RuleId, SurveyIndex, evaluate};
use crate::entities::{campaign, unit};
use crate::error::{AppError, AppResult, During, Fields};
use crate::repo::{self, results::Aggregate};
use crate::state::AppState;
use crate::views::hasil::{Inputs, SurveyBlock, UnitHasil, UnitRef};

/// What a hasil request asks for, still unchecked.
#[derive(Debug, Clone, Default)]
pub struct HasilParams {
    /// By when the campaigns closed; default: this year (WIB).
    pub year: Option<i32>,
    /// The rule set listed first; default: the unit's.
    pub rule: Option<String>,
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<String>,
    /// Named campaigns instead of the year's latest closed ones (per unit only).
    pub ipak: Option<Uuid>,
    pub ipkp: Option<Uuid>,
}

struct Parsed {
    year: i32,
    rule: Option<RuleId>,
    tlhp: Option<f64>,
    kinerja: Option<KinerjaGrade>,
}

fn this_year() -> i32 {
    crate::domain::respond::submission_date(crate::domain::now()).year()
}

fn parse(q: &HasilParams) -> AppResult<Parsed> {
    let mut f = Fields::new();
    let year = q.year.unwrap_or_else(this_year);
    if !(2000..=2100).contains(&year) {
        f.add("year", "must be from 2000 to 2100");
    }
    let rule = match &q.rule {
        None => None,
        Some(r) => f.check("rule", RuleId::parse(r).ok_or_else(|| format!("unknown rule `{r}`"))),
    };
    if let Some(t) = q.tlhp_percent
        && !(t.is_finite() && (0.0..=100.0).contains(&t))
    {
        f.add("tlhp_percent", "must be from 0 to 100");
    }
    let kinerja = match &q.kinerja {
        None => None,
        Some(k) => f.check(
            "kinerja",
            k.parse::<KinerjaGrade>().map_err(|_| "must be one of A, B, C, D, E".to_owned()),
        ),
    };
    f.finish()?;
    Ok(Parsed {
        year,
        rule,
        tlhp: q.tlhp_percent,
        kinerja,
    })
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
    let p = parse(q)?;
    let mut rows = hasil_for(state, vec![u], &p, (q.ipak, q.ipkp), true).await?;
    rows.pop()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("hasil_for gave no row for one unit")))
}

/// The national table: every unit's hasil (admin, assessor). Naming campaigns works per unit only.
#[tracing::instrument(skip_all)]
pub async fn national(state: &AppState, who: &Principal, q: &HasilParams) -> AppResult<Vec<UnitHasil>> {
    who.require_admin_or_assessor()?;
    let p = parse(q)?;
    if q.ipak.is_some() || q.ipkp.is_some() {
        return Err(AppError::field("ipak", "naming campaigns works per unit only (/units/{id}/hasil)"));
    }
    all_units(state, &p).await
}

/// The year a national request is about (for file names and links).
pub fn year_of(q: &HasilParams) -> i32 {
    q.year.unwrap_or_else(this_year)
}

async fn all_units(state: &AppState, p: &Parsed) -> AppResult<Vec<UnitHasil>> {
    let units = repo::units::list(&state.db, None).await.during("listing units")?;
    hasil_for(state, units, p, (None, None), false).await
}

/// Every unit's hasil for a caller already allowed to see them all (the national page).
#[tracing::instrument(skip_all)]
pub async fn national_rows(state: &AppState, q: &HasilParams) -> AppResult<Vec<UnitHasil>> {
    all_units(state, &parse(q)?).await
}

/// The campaign of `form` that counts for `year`: the latest closed one (by its end).
fn pick<'a>(campaigns: &'a [campaign::Model], form: &str, year: i32) -> Option<&'a campaign::Model> {
    let now = crate::domain::now();
    campaigns
        .iter()
        .filter(|c| c.form_id == form)
        .filter_map(|c| repo::campaigns::period(c).ended_at(now).map(|e| (e, c)))
        .filter(|(e, _)| crate::domain::respond::submission_date(*e).year() == year)
        .max_by_key(|(e, c)| (*e, c.created_at))
        .map(|(_, c)| c)
}

fn block(state: &AppState, c: &campaign::Model, agg: &Aggregate, head: Option<String>) -> AppResult<(SurveyBlock, SurveyIndex)> {
    let form = super::forms::of_campaign(state, c)?;
    let population = c.population.map(|p| p as u64);
    let all = super::results::analysis_of(&form, agg, population, true);
    let clean = super::results::analysis_of(&form, agg, population, false);
    let si = SurveyIndex::from_analysis(&all, form.scale.max);
    let required = required_n(population);
    Ok((
        SurveyBlock {
            campaign_id: c.id,
            title: c.title.clone(),
            closed: repo::campaigns::period(c).ended_at(crate::domain::now()).is_some(),
            n: all.n,
            required_n: required,
            adequate: all.n >= required,
            index: all.index.value,
            value_0_4: si.value_0_4,
            ci_low_0_4: si.ci_low_0_4,
            ci_high_0_4: si.ci_high_0_4,
            without_flagged_value_0_4: clean.index.value_0_4,
            ledger_head: head,
        },
        si,
    ))
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

type Chosen = (unit::Model, Option<campaign::Model>, Option<campaign::Model>);

/// Each unit's IPAK and IPKP campaign: the named ones, or the year's latest closed ones.
async fn choose(state: &AppState, units: Vec<unit::Model>, year: i32, named: (Option<Uuid>, Option<Uuid>)) -> AppResult<Vec<Chosen>> {
    let all_campaigns = repo::campaigns::list_for_forms(&state.db, &["ipak", "ipkp"])
        .await
        .during("listing IPAK and IPKP campaigns")?;
    let mut by_unit: HashMap<Uuid, Vec<campaign::Model>> = HashMap::new();
    for c in all_campaigns {
        by_unit.entry(c.unit_id).or_default().push(c);
    }
    let mut chosen = Vec::with_capacity(units.len());
    for u in units {
        let list = by_unit.remove(&u.id).unwrap_or_default();
        let find = |form: &str, named: Option<Uuid>| -> AppResult<Option<campaign::Model>> {
            match named {
                Some(id) => list
                    .iter()
                    .find(|c| c.id == id && c.form_id == form)
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| AppError::field(form, format!("no {form} campaign of this unit has this id"))),
                None => Ok(pick(&list, form, year).cloned()),
            }
        };
        let ipak = find("ipak", named.0)?;
        let ipkp = find("ipkp", named.1)?;
        chosen.push((u, ipak, ipkp));
    }
    Ok(chosen)
}

/// Computes hasil for many units with one aggregate query over all the chosen campaigns.
async fn hasil_for(
    state: &AppState,
    units: Vec<unit::Model>,
    p: &Parsed,
    named: (Option<Uuid>, Option<Uuid>),
    with_heads: bool,
) -> AppResult<Vec<UnitHasil>> {
    let chosen = choose(state, units, p.year, named).await?;
    let ids: Vec<Uuid> = chosen
        .iter()
        .flat_map(|(_, a, b)| [a.as_ref().map(|c| c.id), b.as_ref().map(|c| c.id)])
        .flatten()
        .collect();
    let aggs = repo::results::aggregates(&state.db, &ids)
        .await
        .during("reading hasil aggregates")?;
    let heads = if with_heads {
        heads(state, &ids).await?
    } else {
        repo::ledger::last_heads(&state.db, &ids)
            .await
            .during("reading the last ledger heads")?
    };
    let empty = Aggregate::default();
    let survey = |c: &Option<campaign::Model>| -> AppResult<Option<(SurveyBlock, SurveyIndex)>> {
        c.as_ref()
            .map(|c| block(state, c, aggs.get(&c.id).unwrap_or(&empty), heads.get(&c.id).cloned()))
            .transpose()
    };
    let mut out = Vec::with_capacity(chosen.len());
    for (u, ipak, ipkp) in chosen {
        let (a, b) = (survey(&ipak)?, survey(&ipkp)?);
        let inputs = HasilInputs {
            ipak: a.as_ref().map(|x| x.1),
            ipkp: b.as_ref().map(|x| x.1),
            tlhp_percent: p.tlhp,
            kinerja: p.kinerja,
        };
        let rule = p
            .rule
            .or_else(|| RuleId::parse(&u.default_rule))
            .unwrap_or(RuleId::Permenpanrb90_2021);
        out.push(UnitHasil {
            unit: UnitRef {
                id: u.id,
                slug: u.slug,
                name: u.name,
                instansi: u.instansi,
            },
            year: p.year,
            rule,
            inputs: Inputs {
                tlhp_percent: p.tlhp,
                kinerja: p.kinerja,
            },
            ipak: a.map(|x| x.0),
            ipkp: b.map(|x| x.0),
            hasil: evaluations(rule, &inputs),
        });
    }
    Ok(out)
}

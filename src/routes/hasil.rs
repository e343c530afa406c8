//! Hasil: a unit's IPAK and IPKP for a year, the komponen hasil scores under both rule sets, and
//! the WBK/WBBM verdicts; and the national table (one row per unit, JSON or CSV).

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::results::{analysis_of, form_of};
use crate::auth::Principal;
use crate::domain::sample_size::required_n;
use crate::domain::scoring::{Hasil, HasilInputs, KinerjaGrade, RuleId, SurveyIndex, evaluate};
use crate::entities::{campaign, unit};
use crate::error::{AppError, Fields};
use crate::repo::{self, results::Aggregate};
use crate::state::AppState;

// The national table's operation lists these parameters itself (see [`national`]): it takes all
// but `ipak` and `ipkp`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HasilQuery {
    /// The year whose campaigns count (by when they closed); default: this year (WIB).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// The rule set listed first; default: the unit's.
    #[param(value_type = Option<RuleId>)]
    pub rule: Option<String>,
    /// Follow-up of audit findings (TLHP), 0–100 %, for permenpanrb-52-2014.
    #[param(minimum = 0, maximum = 100)]
    pub tlhp_percent: Option<f64>,
    /// Capaian kinerja grade A–E, for permenpanrb-90-2021.
    #[param(value_type = Option<crate::openapi::values::KinerjaParam>)]
    pub kinerja: Option<String>,
    /// Use this IPAK campaign (of this unit) instead of the year's latest closed one.
    pub ipak: Option<Uuid>,
    /// Use this IPKP campaign (of this unit) instead of the year's latest closed one.
    pub ipkp: Option<Uuid>,
    /// `csv` (also chosen by `Accept: text/csv`) or `xlsx` for the national table as a file.
    #[param(value_type = Option<crate::openapi::values::HasilFormat>)]
    #[serde(default, deserialize_with = "known_format")]
    pub format: Option<String>,
}

/// `?format=` is one of [`HASIL_FORMATS`](crate::openapi::values::HASIL_FORMATS): an unknown
/// format is refused rather than quietly answered as JSON.
fn known_format<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let f = Option::<String>::deserialize(d)?;
    match f {
        Some(f) if !crate::openapi::values::HASIL_FORMATS.contains(&f.as_str()) => {
            Err(serde::de::Error::custom(format!("unknown format `{f}` (json, csv, xlsx)")))
        }
        f => Ok(f),
    }
}

/// One survey's figures as the hasil uses them.
#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct SurveyBlock {
    pub campaign_id: Uuid,
    pub title: String,
    pub closed: bool,
    pub n: u64,
    pub required_n: u64,
    pub adequate: bool,
    /// The index on the form's scale.
    pub index: Option<f64>,
    pub value_0_4: Option<f64>,
    pub ci_low_0_4: Option<f64>,
    pub ci_high_0_4: Option<f64>,
    /// The same without speeders and steered respondents, for comparison.
    pub without_flagged_value_0_4: Option<f64>,
    /// The ledger head the figures were computed from.
    pub ledger_head: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub instansi: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Inputs {
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<KinerjaGrade>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitHasil {
    pub unit: UnitRef,
    pub year: i32,
    /// The chosen rule set (its evaluation comes first in `hasil`).
    pub rule: RuleId,
    pub inputs: Inputs,
    pub ipak: Option<SurveyBlock>,
    pub ipkp: Option<SurveyBlock>,
    /// One evaluation per rule set, the chosen one first.
    pub hasil: Vec<Hasil>,
}

struct Parsed {
    year: i32,
    rule: Option<RuleId>,
    tlhp: Option<f64>,
    kinerja: Option<KinerjaGrade>,
}

fn parse(q: &HasilQuery) -> Result<Parsed, AppError> {
    let mut f = Fields::new();
    let year = q
        .year
        .unwrap_or_else(|| crate::domain::respond::submission_date(crate::domain::now()).year());
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

fn block(state: &AppState, c: &campaign::Model, agg: &Aggregate, head: Option<String>) -> Result<(SurveyBlock, SurveyIndex), AppError> {
    let form = form_of(state, c)?;
    let population = c.population.map(|p| p as u64);
    let all = analysis_of(&form, agg, population, true);
    let clean = analysis_of(&form, agg, population, false);
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

async fn heads(state: &AppState, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, AppError> {
    let mut out = HashMap::new();
    for id in ids {
        if let Some(h) = repo::ledger::head(&state.db, *id).await?.head {
            out.insert(*id, h);
        }
    }
    Ok(out)
}

/// Computes hasil for many units with one aggregate query over all the chosen campaigns.
async fn hasil_for(
    state: &AppState,
    units: Vec<unit::Model>,
    p: &Parsed,
    named: (Option<Uuid>, Option<Uuid>),
    with_heads: bool,
) -> Result<Vec<UnitHasil>, AppError> {
    let all_campaigns = repo::campaigns::list_for_forms(&state.db, &["ipak", "ipkp"]).await?;
    let mut by_unit: HashMap<Uuid, Vec<campaign::Model>> = HashMap::new();
    for c in all_campaigns {
        by_unit.entry(c.unit_id).or_default().push(c);
    }
    let mut chosen: Vec<(unit::Model, Option<campaign::Model>, Option<campaign::Model>)> = Vec::with_capacity(units.len());
    for u in units {
        let list = by_unit.remove(&u.id).unwrap_or_default();
        let find = |form: &str, named: Option<Uuid>| -> Result<Option<campaign::Model>, AppError> {
            match named {
                Some(id) => list
                    .iter()
                    .find(|c| c.id == id && c.form_id == form)
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| AppError::field(form, format!("no {form} campaign of this unit has this id"))),
                None => Ok(pick(&list, form, p.year).cloned()),
            }
        };
        let ipak = find("ipak", named.0)?;
        let ipkp = find("ipkp", named.1)?;
        chosen.push((u, ipak, ipkp));
    }
    let ids: Vec<Uuid> = chosen
        .iter()
        .flat_map(|(_, a, b)| [a.as_ref().map(|c| c.id), b.as_ref().map(|c| c.id)])
        .flatten()
        .collect();
    let aggs = repo::results::aggregates(&state.db, &ids).await?;
    let heads = if with_heads {
        heads(state, &ids).await?
    } else {
        repo::ledger::last_heads(&state.db, &ids).await?
    };
    let mut out = Vec::with_capacity(chosen.len());
    for (u, ipak, ipkp) in chosen {
        let survey = |c: &Option<campaign::Model>| -> Result<Option<(SurveyBlock, SurveyIndex)>, AppError> {
            c.as_ref()
                .map(|c| {
                    block(
                        state,
                        c,
                        aggs.get(&c.id).unwrap_or(&Aggregate::default()),
                        heads.get(&c.id).cloned(),
                    )
                })
                .transpose()
        };
        let a = survey(&ipak)?;
        let b = survey(&ipkp)?;
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

/// A unit's hasil scores and verdicts under each rule set (admin, the unit's operator, assessor).
#[utoipa::path(tag = "results", security(("bearer" = [])), params(("id" = Uuid, Path, description = "unit id"), HasilQuery),
    responses((status = 200, body = UnitHasil), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/units/{id}/hasil")]
pub async fn unit_hasil(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    q: web::Query<HasilQuery>,
) -> Result<web::Json<UnitHasil>, AppError> {
    let id = id.into_inner();
    who.require_read(id)?;
    let u = repo::units::find(&state.db, id).await?.ok_or_else(|| AppError::not_found("unit"))?;
    let p = parse(&q)?;
    let mut rows = hasil_for(&state, vec![u], &p, (q.ipak, q.ipkp), true).await?;
    rows.pop()
        .map(web::Json)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no row")))
}

/// One unit's hasil (for the HTML pages).
pub async fn one_unit(state: &AppState, u: unit::Model, q: &HasilQuery) -> Result<UnitHasil, AppError> {
    let p = parse(q)?;
    let mut rows = hasil_for(state, vec![u], &p, (q.ipak, q.ipkp), true).await?;
    rows.pop().ok_or_else(|| AppError::Internal(anyhow::anyhow!("no row")))
}

/// Every unit's hasil (for the HTML pages).
pub async fn all_units(state: &AppState, q: &HasilQuery) -> Result<Vec<UnitHasil>, AppError> {
    let p = parse(q)?;
    let units = repo::units::list(&state.db, None).await?;
    hasil_for(state, units, &p, (None, None), false).await
}

fn r2(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// The national table: one row per unit (admin, assessor). JSON, or CSV with `?format=csv` / `Accept: text/csv`.
#[utoipa::path(tag = "results", security(("bearer" = [])),
    params(
        ("year" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "The year whose campaigns count (by when they closed); default: this year (WIB)."),
        ("rule" = Option<RuleId>, Query, description = "The rule set of the table; default: each unit's."),
        ("tlhp_percent" = Option<f64>, Query, minimum = 0, maximum = 100, description = "Follow-up of audit findings (TLHP), 0–100 %, for permenpanrb-52-2014."),
        ("kinerja" = Option<crate::openapi::values::KinerjaParam>, Query, description = "Capaian kinerja grade A–E, for permenpanrb-90-2021."),
        ("format" = Option<crate::openapi::values::HasilFormat>, Query, description = "`csv` (also chosen by `Accept: text/csv`) or `xlsx` for the table as a file."),
    ),
    responses((status = 200, description = "The table: JSON, CSV (`?format=csv` or `Accept: text/csv`) or XLSX (`?format=xlsx`)",
                content((Vec<UnitHasil> = "application/json"), (String = "text/csv"),
                        (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
              (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[get("/hasil")]
pub async fn national(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    q: web::Query<HasilQuery>,
) -> Result<HttpResponse, AppError> {
    who.require_admin_or_assessor()?;
    let p = parse(&q)?;
    if q.ipak.is_some() || q.ipkp.is_some() {
        return Err(AppError::field("ipak", "naming campaigns works per unit only (/units/{id}/hasil)"));
    }
    let units = repo::units::list(&state.db, None).await?;
    let rows = hasil_for(&state, units, &p, (None, None), false).await?;
    let csv = q.format.as_deref() == Some("csv")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"));
    if !csv {
        return Ok(HttpResponse::Ok().json(rows));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"hasil-{}.csv\"", p.year),
        ))
        .body(national_csv(&rows).map_err(AppError::Internal)?))
}

/// One cell of the national table: text, or a number (unrounded; files for reading round it).
pub enum Cell {
    Text(String),
    Num(Option<f64>),
}

/// The national table's columns, shared by the CSV and the XLSX export.
pub const NATIONAL_COLUMNS: [&str; 18] = [
    "unit_slug",
    "unit_name",
    "instansi",
    "year",
    "rule",
    "ipak_n",
    "ipak_value_0_4",
    "ipak_ci_low",
    "ipak_ci_high",
    "ipkp_n",
    "ipkp_value_0_4",
    "ipkp_ci_low",
    "ipkp_ci_high",
    "ipak_score",
    "ipkp_score",
    "hasil_total",
    "wbk",
    "wbbm",
];

/// The national table's rows: the first (chosen) rule's scores and verdicts.
pub fn national_table(rows: &[UnitHasil]) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|r| {
            let h = r.hasil.first();
            let score = |id: &str| h.and_then(|h| h.indicators.iter().find(|i| i.id == id)).and_then(|i| i.score);
            let verdict = |i: usize| {
                Cell::Text(
                    h.and_then(|h| h.predicates.get(i))
                        .and_then(|p| p.verdict)
                        .map(|v| v.as_str().to_owned())
                        .unwrap_or_default(),
                )
            };
            let survey = |b: &Option<SurveyBlock>| -> [Cell; 4] {
                match b {
                    Some(b) => [
                        Cell::Num(Some(b.n as f64)),
                        Cell::Num(b.value_0_4),
                        Cell::Num(b.ci_low_0_4),
                        Cell::Num(b.ci_high_0_4),
                    ],
                    None => [Cell::Num(None), Cell::Num(None), Cell::Num(None), Cell::Num(None)],
                }
            };
            let mut row = vec![
                Cell::Text(r.unit.slug.clone()),
                Cell::Text(r.unit.name.clone()),
                Cell::Text(r.unit.instansi.clone()),
                Cell::Num(Some(f64::from(r.year))),
                Cell::Text(r.rule.as_str().to_owned()),
            ];
            row.extend(survey(&r.ipak));
            row.extend(survey(&r.ipkp));
            row.extend([
                Cell::Num(score("ipak")),
                Cell::Num(score("ipkp")),
                Cell::Num(h.and_then(|h| h.hasil_total)),
                verdict(0),
                verdict(1),
            ]);
            row
        })
        .collect()
}

/// The national table as CSV for reading: rounded to 2 decimals (counts and years as integers).
pub fn national_csv(rows: &[UnitHasil]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(NATIONAL_COLUMNS)?;
    for row in national_table(rows) {
        let fields: Vec<String> = row
            .into_iter()
            .enumerate()
            .map(|(i, c)| match c {
                Cell::Text(t) => t,
                Cell::Num(Some(v)) if matches!(NATIONAL_COLUMNS[i], "year" | "ipak_n" | "ipkp_n") => format!("{v:.0}"),
                Cell::Num(v) => r2(v),
            })
            .collect();
        w.write_record(fields)?;
    }
    Ok(w.into_inner()?)
}

//! The national table: one row per unit for a year (IPAK and IPKP with their CIs, the hasil
//! total and the WBK/WBBM verdicts under the unit's chosen rule), sortable by column links.

use askama::Template;

use super::login::{Nav, NavView};
use super::words::{VerdictView, rule_name, verdict_short};
use super::{SORT_KEYS, SurveyBlock, UnitHasil, unit_href};
use crate::pages::format::{self, DASH};
use crate::pages::render::{Fallback, render};

/// The national table.
pub struct NationalPage<'a> {
    pub nav: Nav<'a>,
    pub year: i32,
    /// Already sorted by the route.
    pub rows: &'a [UnitHasil],
    /// The current sort key, one of [`SORT_KEYS`].
    pub sort: &'a str,
    pub csv_href: &'a str,
    pub xlsx_href: &'a str,
}

/// A column heading that sorts the table.
struct SortHead {
    key: &'static str,
    href: String,
    current: bool,
    /// "ascending" or "descending" (the route's order for this key).
    order: &'static str,
}

struct NationalRow {
    href: String,
    name: String,
    instansi: String,
    ipak: SurveyCells,
    ipkp: SurveyCells,
    total: String,
    rule: &'static str,
    wbk: VerdictView,
    wbbm: VerdictView,
}

/// One survey's n, value 0–4 and CI.
struct SurveyCells {
    n: String,
    value: String,
    ci: String,
}

#[derive(Template)]
#[template(path = "report_national.html", whitespace = "minimize")]
struct NationalTemplate<'a> {
    nav: NavView<'a>,
    year: i32,
    sort: &'a str,
    heads: Vec<SortHead>,
    rows: Vec<NationalRow>,
    csv_href: &'a str,
    xlsx_href: &'a str,
}

impl NationalTemplate<'_> {
    fn head(&self, key: &str) -> &SortHead {
        self.heads.iter().find(|h| h.key == key).unwrap_or(&self.heads[0])
    }
}

/// The national table, one row per unit.
pub fn national_page(p: &NationalPage) -> String {
    let heads = SORT_KEYS
        .iter()
        .map(|&key| SortHead {
            key,
            href: format!("?year={}&sort={key}", p.year),
            current: p.sort == key,
            order: if key == "unit" { "ascending" } else { "descending" },
        })
        .collect();
    let template = NationalTemplate {
        nav: NavView::new(&p.nav),
        year: p.year,
        sort: p.sort,
        heads,
        rows: p.rows.iter().map(row).collect(),
        csv_href: p.csv_href,
        xlsx_href: p.xlsx_href,
    };
    render(&template, Fallback::Report)
}

fn row(u: &UnitHasil) -> NationalRow {
    // The first hasil is under the unit's chosen rule.
    let h = u.hasil.first();
    let verdict = |i: usize| verdict_short(h.and_then(|h| h.predicates.get(i)).and_then(|p| p.verdict));
    NationalRow {
        href: unit_href(u.unit.id, u.year),
        name: u.unit.name.clone(),
        instansi: u.unit.instansi.clone(),
        ipak: survey_cells(u.ipak.as_ref()),
        ipkp: survey_cells(u.ipkp.as_ref()),
        total: format::value(h.and_then(|h| h.hasil_total)),
        rule: h.map_or(DASH, |h| rule_name(h.rule)),
        wbk: verdict(0),
        wbbm: verdict(1),
    }
}

fn survey_cells(b: Option<&SurveyBlock>) -> SurveyCells {
    match b {
        Some(b) => SurveyCells {
            n: b.n.to_string(),
            value: format::value(b.value_0_4),
            ci: format::interval(b.ci_low_0_4, b.ci_high_0_4),
        },
        None => SurveyCells {
            n: DASH.to_owned(),
            value: DASH.to_owned(),
            ci: DASH.to_owned(),
        },
    }
}

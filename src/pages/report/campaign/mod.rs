//! One campaign's report: what it is, its index with confidence intervals (all responses and
//! without flagged ones), the sample against the required size, the threshold verdicts, each
//! item (table, means chart, answer distribution), responses per day, flags, breakdowns, the
//! change from the previous campaign, exclusions, the ledger's verification, downloads.
//!
//! This file holds the inputs, the view the template reads and the order of the sections; each
//! section is built by its own step: `summary` (the facts, the index table, the thresholds),
//! `items`, `responses` (days, flags, breakdowns, change, exclusions), `integrity` (the ledger).

mod integrity;
mod items;
mod responses;
mod summary;

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::login::{Nav, NavView};
use super::words::VerdictView;
use super::{Results, Verification};
use crate::domain::campaign::Period;
use crate::domain::language::{Localized, Text};
use crate::domain::scoring::Verdict;
use crate::domain::time_zone::TimeZone;
use crate::pages::chart::{DayChart, DistributionChart, HbarChart, ProgressChart};
use crate::pages::render::{Fallback, render};

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// Responses submitted on one day.
pub struct DayCount {
    pub date: NaiveDate,
    pub n: u64,
}

/// One excluded response.
pub struct ExclusionRow {
    pub response_id: Uuid,
    pub reason: String,
    pub excluded_at: DateTime<Utc>,
}

/// One threshold the index is judged against (on the 0–4 scale).
pub struct ThresholdRow {
    /// E.g. "WBK (PermenPANRB 90/2021): IPAK ≥ 3,60".
    pub label: String,
    pub threshold_0_4: f64,
    pub verdict: Option<Verdict>,
    /// Plain point comparison `value_0_4 ≥ threshold`.
    pub point: Option<bool>,
}

/// A breakdown dimension as the form defines it: its id, its name, and its choices (value and
/// label) in the form's order, so cells are shown by their labels in that order.
pub struct BreakdownDef {
    pub id: String,
    pub name: Localized,
    /// (value, label) in the form's order (for `layanan`: the unit's service types).
    pub choices: Vec<(String, Localized)>,
}

/// Everything a campaign's report shows.
pub struct CampaignReport<'a> {
    pub nav: Nav<'a>,
    pub unit_name: &'a str,
    pub unit_id: Uuid,
    pub campaign_title: &'a str,
    pub form_title: &'a str,
    /// The campaign's times (`repo::campaigns::period(&c)`).
    pub period: Period,
    /// The unit's zone: every time is shown in it.
    pub time_zone: TimeZone,
    /// The form's demographic questions, in the form's order.
    pub breakdown_defs: &'a [BreakdownDef],
    pub results: &'a Results,
    pub thresholds: &'a [ThresholdRow],
    pub per_day: &'a [DayCount],
    pub exclusions: &'a [ExclusionRow],
    pub ledger: &'a Verification,
    /// (item id, Indonesian item text) in form order.
    pub item_labels: &'a [(String, String)],
    /// (href, label), e.g. the responses CSV, the results CSV, the XLSX workbook.
    pub downloads: &'a [(String, String)],
}

// ---------------------------------------------------------------------------
// What the template reads
// ---------------------------------------------------------------------------

/// A labelled value: a fact about the campaign, or a flag count.
struct KeyValue {
    label: Text,
    value: String,
}

/// A row of the index table: all responses beside those without flagged ones.
struct IndexRow {
    label: Text,
    all: String,
    clean: String,
}

struct ThresholdView {
    label: String,
    threshold: String,
    value: String,
    ci: String,
    verdict: VerdictView,
    point: String,
}

struct ItemView {
    no: usize,
    id: String,
    text: String,
    n: u64,
    mean: String,
    sd: String,
    ci: String,
    clean_mean: String,
    /// (count, share of the item's answers) per scale value.
    counts: Vec<(u64, String)>,
}

struct LegendEntry {
    value: usize,
    colour: &'static str,
}

/// The per-item section: the table, the means chart, the distribution chart and its key.
struct ItemsSection {
    rows: Vec<ItemView>,
    means_chart: HbarChart,
    distribution_chart: DistributionChart,
    legend: Vec<LegendEntry>,
}

/// Responses per submission date.
struct DaysSection {
    rows: Vec<(String, u64)>,
    total: u64,
    chart: DayChart,
}

struct CellView {
    value: String,
    /// The label's English, empty when it reads the same.
    value_en: String,
    n: String,
    index: String,
    suppressed: bool,
}

struct BreakdownView {
    /// The English is empty for a breakdown the page has no name for.
    name: Localized,
    cells: Vec<CellView>,
}

struct ChangeView {
    previous_href: String,
    previous_id: String,
    previous_index: String,
    current_index: String,
    difference: String,
    t: String,
    df: String,
    p: String,
    significant: Option<bool>,
}

struct ExclusionView {
    id: String,
    reason: String,
    at: String,
}

struct BlockView {
    seq: i64,
    count: i64,
    sealed_at: String,
    hash: String,
    ok: bool,
}

struct LedgerView {
    head: String,
    blocks: i64,
    sealed: i64,
    unsealed: i64,
    ok: bool,
    problems: Vec<String>,
    rows: Vec<BlockView>,
}

#[derive(Template)]
#[template(path = "report_campaign.html", whitespace = "minimize")]
struct CampaignTemplate<'a> {
    nav: NavView<'a>,
    unit_name: &'a str,
    unit_href: String,
    campaign_title: &'a str,
    form_title: &'a str,
    index_name: &'a str,
    scale_max: u8,
    meta: Vec<KeyValue>,
    index_rows: Vec<IndexRow>,
    n: u64,
    clean_n: u64,
    required_n: u64,
    adequate: bool,
    progress_chart: ProgressChart,
    thresholds: Vec<ThresholdView>,
    items: ItemsSection,
    days: DaysSection,
    flags: Vec<KeyValue>,
    breakdowns: Vec<BreakdownView>,
    change: Option<ChangeView>,
    /// Why there is no change, when there is none.
    change_reason: String,
    exclusions: Vec<ExclusionView>,
    ledger: LedgerView,
    downloads: &'a [(String, String)],
}

/// One campaign's report.
pub fn campaign_report(p: &CampaignReport) -> String {
    let r = p.results;
    let template = CampaignTemplate {
        nav: NavView::new(&p.nav),
        unit_name: p.unit_name,
        unit_href: format!("/laporan/unit/{}", p.unit_id),
        campaign_title: p.campaign_title,
        form_title: p.form_title,
        index_name: &r.index_name,
        scale_max: r.scale_max,
        meta: summary::facts(p),
        index_rows: summary::index_rows(r),
        n: r.n,
        clean_n: r.without_flagged.n,
        required_n: r.required_n,
        adequate: r.adequate,
        progress_chart: ProgressChart::new(r.n, r.required_n),
        thresholds: summary::thresholds(r, p.thresholds),
        items: items::section(r, p.item_labels),
        days: responses::days(p.per_day),
        flags: responses::flags(r),
        breakdowns: responses::breakdowns(r, p.breakdown_defs),
        change: responses::change(r),
        change_reason: r.change_reason.clone().unwrap_or_default(),
        exclusions: responses::exclusions(p.exclusions, p.time_zone),
        ledger: integrity::ledger(p.ledger, p.time_zone),
        downloads: p.downloads,
    };
    render(&template, Fallback::Report)
}

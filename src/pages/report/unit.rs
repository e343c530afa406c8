//! A unit's hasil page for a year: what it rests on (the evaluation record, or the what-if the
//! query asked for, and how the campaigns were chosen), its surveys (the IPAK and IPKP campaigns
//! that count, pooled or not), the hasil component under each rule with every indicator,
//! component and WBK/WBBM condition judged at 95 %, and the unit's campaigns over time (table and
//! chart against the index thresholds). Times are in the unit's zone.

use askama::Template;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::login::{Nav, NavView};
use super::words::{
    NOT_ENTERED, NOT_RECORDED, RECORDED, VerdictView, WHAT_IF_MARK, condition_text, indicator_input, note_text, point_text, pooling_text,
    predicate_name, rule_name, verdict_view, what_if_text,
};
use super::{SurveyBlock, UnitHasil, campaign_href, unit_href};
use crate::domain::language::{Localized, Text};
use crate::domain::scoring::{Hasil, PredicateVerdict};
use crate::domain::time_zone::TimeZone;
use crate::pages::chart::{Estimate, HbarChart};
use crate::pages::format::{self, DASH};
use crate::pages::render::{Fallback, render};

/// The distinct index thresholds of every rule set (3.20 and 3.60 on the 0–4 scale today),
/// drawn on the campaigns chart; read from the rule tables, not repeated here.
fn index_thresholds() -> Vec<f64> {
    let mut t: Vec<f64> = crate::domain::scoring::index_thresholds().iter().map(|t| t.value_0_4).collect();
    t.sort_by(f64::total_cmp);
    t.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    t
}

const CAMPAIGNS_CHART: Text = Text {
    id: "Nilai 0–4 per kampanye dengan IK 95 %",
    en: "Value 0–4 per campaign with 95 % CI",
};
const CLOSED: Text = Text {
    id: "Ditutup",
    en: "closed",
};
const STILL_OPEN: Text = Text {
    id: "Masih dibuka",
    en: "still open",
};
const ADEQUATE: Text = Text {
    id: "cukup",
    en: "adequate",
};
const NOT_ADEQUATE: Text = Text {
    id: "belum cukup",
    en: "not adequate",
};
const NOT_SEALED_YET: Text = Text {
    id: "belum disegel",
    en: "not sealed yet",
};
const NO_VALUE: Text = Text {
    id: "tidak ada nilai",
    en: "no value",
};

/// One campaign in a unit's history.
pub struct CampaignRow {
    pub id: Uuid,
    pub title: String,
    pub form: String,
    pub status: String,
    pub n: u64,
    pub value_0_4: Option<f64>,
    pub ci_low_0_4: Option<f64>,
    pub ci_high_0_4: Option<f64>,
    pub ended: Option<DateTime<Utc>>,
}

/// A unit's hasil page.
pub struct UnitPage<'a> {
    pub nav: Nav<'a>,
    pub hasil: &'a UnitHasil,
    /// The unit's campaigns, oldest first.
    pub campaigns: &'a [CampaignRow],
}

/// One survey that counts for the year; `None` when no campaign of its kind ended in it.
struct SurveyView {
    name: &'static str,
    block: Option<SurveyBlockView>,
}

struct SurveyBlockView {
    title: String,
    href: String,
    closed: String,
    /// The campaigns pooled into the figures (empty for one campaign).
    pooled: Vec<PooledView>,
    n: String,
    /// The minimum sample for a verdict, and whether n reaches it.
    minimum: String,
    minimum_ok: bool,
    adequate: String,
    adequate_ok: bool,
    value: String,
    ci: String,
    clean: String,
    head: String,
}

/// One of the campaigns pooled into a survey's figures.
struct PooledView {
    title: String,
    href: String,
    n: u64,
    ended: String,
}

struct IndicatorView {
    label: String,
    weight: String,
    input: String,
    score: String,
    ci: String,
    reason: String,
}

struct ComponentView {
    label: String,
    max: String,
    score: String,
    ci: String,
    reason: String,
}

struct ConditionView {
    text: String,
    description: String,
    threshold: String,
    value: String,
    ci: String,
    verdict: VerdictView,
    point: String,
    reason: String,
}

struct PredicateView {
    name: &'static str,
    verdict: VerdictView,
    conditions: Vec<ConditionView>,
    not_judged: Vec<String>,
}

/// The hasil component under one rule.
struct HasilView {
    rule_name: &'static str,
    rule_id: &'static str,
    chosen: bool,
    indicators: Vec<IndicatorView>,
    components: Vec<ComponentView>,
    total: String,
    /// Why there is no total: each missing indicator and its reason.
    total_missing: Vec<String>,
    predicates: Vec<PredicateView>,
}

struct CampaignRowView {
    href: String,
    title: String,
    form: String,
    status: String,
    n: u64,
    value: String,
    ci: String,
    ended: String,
}

#[derive(Template)]
#[template(path = "report_unit.html", whitespace = "minimize")]
struct UnitTemplate<'a> {
    nav: NavView<'a>,
    name: &'a str,
    instansi: &'a str,
    slug: &'a str,
    year: i32,
    rule_name: String,
    time_zone: String,
    /// Whether an evaluation record is stored for the year, and when it last changed.
    record: String,
    record_note: String,
    /// Empty for the record's hasil; else what the query parameters replaced.
    what_if: String,
    tlhp: String,
    kinerja: String,
    pooling: String,
    /// How the campaigns were chosen (skipped, pooled, left out).
    notes: Vec<String>,
    surveys: Vec<SurveyView>,
    hasil: Vec<HasilView>,
    campaigns: Vec<CampaignRowView>,
    campaigns_chart: HbarChart,
    prev_year_href: String,
    next_year_href: String,
}

/// A unit's hasil page.
pub fn unit_page(p: &UnitPage) -> String {
    let h = p.hasil;
    let zone = h.unit.time_zone;
    let not_entered = || format!("{DASH} ({})", NOT_ENTERED.both());
    // A value the query replaced is marked; the rest is the record's.
    let marked = |param: &str, text: String| {
        if h.what_if.iter().any(|w| w == param) {
            format!("{text} ({})", WHAT_IF_MARK.both())
        } else {
            text
        }
    };
    let template = UnitTemplate {
        nav: NavView::new(&p.nav),
        name: &h.unit.name,
        instansi: &h.unit.instansi,
        slug: &h.unit.slug,
        year: h.year,
        rule_name: marked("rule", rule_name(h.rule).to_owned()),
        time_zone: format!("{zone} (UTC+{})", zone.hours()),
        record: h.evaluation.as_ref().map_or_else(
            || NOT_RECORDED.both(),
            |e| format!("{} {}", RECORDED.both(), format::date_time(e.updated_at, zone)),
        ),
        record_note: h.evaluation.as_ref().and_then(|e| e.note.clone()).unwrap_or_default(),
        what_if: what_if_text(&h.what_if),
        tlhp: marked(
            "tlhp_percent",
            h.inputs
                .tlhp_percent
                .map_or_else(not_entered, |t| format!("{} %", format::number(t))),
        ),
        kinerja: marked("kinerja", h.inputs.kinerja.map_or_else(not_entered, |k| k.as_str().to_owned())),
        pooling: marked("pooling", pooling_text(h.inputs.pooling).both()),
        notes: h.notes.iter().map(note_text).collect(),
        surveys: vec![
            survey_view("IPAK", h.ipak.as_ref(), zone),
            survey_view("IPKP", h.ipkp.as_ref(), zone),
        ],
        hasil: h.hasil.iter().enumerate().map(|(i, x)| hasil_view(x, i == 0)).collect(),
        campaigns: p.campaigns.iter().map(|c| campaign_row(c, zone)).collect(),
        campaigns_chart: campaigns_chart(p.campaigns),
        prev_year_href: unit_href(h.unit.id, h.year - 1),
        next_year_href: unit_href(h.unit.id, h.year + 1),
    };
    render(&template, Fallback::Report)
}

fn survey_view(name: &'static str, b: Option<&SurveyBlock>, zone: TimeZone) -> SurveyView {
    let block = b.map(|b| SurveyBlockView {
        title: b.title.clone(),
        href: campaign_href(b.campaign_id),
        closed: if b.closed { CLOSED } else { STILL_OPEN }.both(),
        pooled: if b.pooled {
            b.campaigns
                .iter()
                .map(|c| PooledView {
                    title: c.title.clone(),
                    href: campaign_href(c.id),
                    n: c.n,
                    ended: format::opt_date_time(c.ended_at, zone),
                })
                .collect()
        } else {
            Vec::new()
        },
        n: format!("{} / {}", b.n, b.required_n),
        minimum: format!("{} ≥ {}", b.n, b.minimum_n),
        minimum_ok: b.n >= b.minimum_n,
        adequate: if b.adequate { ADEQUATE } else { NOT_ADEQUATE }.both(),
        adequate_ok: b.adequate,
        value: format::value(b.value_0_4),
        ci: format::interval(b.ci_low_0_4, b.ci_high_0_4),
        clean: format::value(b.without_flagged_value_0_4),
        head: b
            .ledger_head
            .clone()
            .unwrap_or_else(|| format!("{DASH} ({})", NOT_SEALED_YET.both())),
    });
    SurveyView { name, block }
}

fn hasil_view(h: &Hasil, chosen: bool) -> HasilView {
    let missing: Vec<&str> = h
        .indicators
        .iter()
        .filter(|i| i.score.is_none())
        .map(|i| match i.id.as_str() {
            "tlhp" => "TLHP",
            "kinerja" => "kinerja",
            "ipak" => "IPAK",
            "ipkp" => "IPKP",
            other => other,
        })
        .collect();
    let total = match h.hasil_total {
        Some(t) => format!("{} / 40", format::number(t)),
        None => {
            let needs = Localized::new(format!("butuh {}", missing.join(", ")), format!("needs {}", missing.join(", ")));
            format!("{DASH} ({})", needs.both())
        }
    };
    let total_missing = if h.hasil_total.is_none() {
        let why = NO_VALUE.both();
        h.indicators
            .iter()
            .filter(|i| i.score.is_none())
            .map(|i| format!("{}: {}", i.label, i.reason.as_deref().unwrap_or(&why)))
            .collect()
    } else {
        Vec::new()
    };
    HasilView {
        rule_name: rule_name(h.rule),
        rule_id: h.rule.as_str(),
        chosen,
        indicators: indicators(h),
        components: components(h),
        total,
        total_missing,
        predicates: h.predicates.iter().map(|p| predicate_view(h, p)).collect(),
    }
}

fn indicators(h: &Hasil) -> Vec<IndicatorView> {
    h.indicators
        .iter()
        .map(|i| IndicatorView {
            label: i.label.clone(),
            weight: format::number(i.weight),
            input: indicator_input(&i.id, i.input),
            score: format::value(i.score),
            ci: format::interval(i.score_ci_low, i.score_ci_high),
            reason: i.reason.clone().unwrap_or_default(),
        })
        .collect()
}

fn components(h: &Hasil) -> Vec<ComponentView> {
    h.components
        .iter()
        .map(|c| ComponentView {
            label: c.label.clone(),
            max: format::number(c.max),
            score: format::value(c.score),
            ci: format::interval(c.score_ci_low, c.score_ci_high),
            reason: c.reason.clone().unwrap_or_default(),
        })
        .collect()
}

fn predicate_view(h: &Hasil, p: &PredicateVerdict) -> PredicateView {
    // The rule table's words in both languages (the JSON carries the English).
    let not_judged = crate::domain::scoring::not_judged(h.rule, p.predicate);
    PredicateView {
        name: predicate_name(h.rule, p.predicate),
        verdict: verdict_view(p.verdict),
        conditions: p
            .conditions
            .iter()
            .map(|c| ConditionView {
                text: condition_text(&c.id, c.threshold),
                description: c.description.clone(),
                threshold: format::number(c.threshold),
                value: format::value(c.value),
                ci: format::interval(c.ci_low, c.ci_high),
                verdict: verdict_view(c.verdict),
                point: point_text(c.value, c.threshold, c.point),
                reason: c.reason.clone().unwrap_or_default(),
            })
            .collect(),
        not_judged: if not_judged.is_empty() {
            p.not_judged.clone()
        } else {
            not_judged.iter().map(|t| t.both()).collect()
        },
    }
}

fn campaign_row(c: &CampaignRow, zone: TimeZone) -> CampaignRowView {
    CampaignRowView {
        href: campaign_href(c.id),
        title: c.title.clone(),
        form: c.form.clone(),
        status: c.status.clone(),
        n: c.n,
        value: format::value(c.value_0_4),
        ci: format::interval(c.ci_low_0_4, c.ci_high_0_4),
        ended: format::opt_date_time(c.ended, zone),
    }
}

/// Each campaign's value 0–4 with its CI, linked to its report, against the index thresholds.
fn campaigns_chart(campaigns: &[CampaignRow]) -> HbarChart {
    let rows: Vec<Estimate> = campaigns
        .iter()
        .map(|c| Estimate {
            label: format!("{} ({})", c.title, c.form),
            value: c.value_0_4,
            lo: c.ci_low_0_4,
            hi: c.ci_high_0_4,
            href: Some(campaign_href(c.id)),
        })
        .collect();
    HbarChart::new(&CAMPAIGNS_CHART.both(), &rows, 0.0, 4.0, &index_thresholds())
}

//! The assessor's and operator's HTML pages: login, one campaign's report, one unit's hasil, and
//! the national table.
//!
//! Pure: data in, `String` out. Indonesian first with English beside it, printable on A4 (the
//! navigation is hidden in print), no JavaScript, nothing from another host, inline CSS, askama
//! HTML auto-escaping on. Numbers are rounded to 2 decimals for reading (the JSON stays unrounded).
//! Charts are inline SVG built here; every text that goes into them passes through [`esc`].

use std::fmt::Write as _;

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::domain::campaign::{CampaignStatus, Period};
use crate::domain::scoring::{Hasil, Predicate, RuleId, Verdict};
use crate::views::hasil::{SurveyBlock, UnitHasil};
use crate::views::results::{Results, Verification};

/// Path of the national table page (the nav links here).
pub const NATIONAL_PATH: &str = "/laporan/nasional";

/// Link to a campaign's report page.
pub fn campaign_href(id: Uuid) -> String {
    format!("/laporan/kampanye/{id}")
}

/// Link to a unit's hasil page for a year.
pub fn unit_href(id: Uuid, year: i32) -> String {
    format!("/laporan/unit/{id}?year={year}")
}

/// Sort keys of the national table, in column order.
pub const SORT_KEYS: [&str; 4] = ["unit", "ipak", "ipkp", "total"];

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// The top navigation of every signed-in page.
pub struct Nav<'a> {
    /// Who is signed in, e.g. "assessor · TPN Jakarta".
    pub who: &'a str,
    /// CSRF token for the logout form.
    pub csrf: &'a str,
    /// Show the link to the national table (admin, assessor).
    pub national: bool,
}

/// The login form.
pub struct LoginPage<'a> {
    pub error: Option<&'a str>,
    /// Where to go after signing in (a local path).
    pub next: &'a str,
}

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

/// Everything a campaign's report shows.
pub struct CampaignReport<'a> {
    pub nav: Nav<'a>,
    pub unit_name: &'a str,
    pub unit_id: Uuid,
    pub campaign_title: &'a str,
    pub form_title: &'a str,
    /// The campaign's times (`repo::campaigns::period(&c)`).
    pub period: Period,
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

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

const DASH: &str = "—";

/// A number rounded to 2 decimals, "—" when absent.
fn r2(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => {
            let s = format!("{v:.2}");
            if s == "-0.00" { "0.00".to_owned() } else { s }
        }
        _ => DASH.to_owned(),
    }
}

fn f2(v: f64) -> String {
    r2(Some(v))
}

/// A signed difference, e.g. "+0.12".
fn signed(v: f64) -> String {
    let s = f2(v);
    if v > 0.0 && s != "0.00" { format!("+{s}") } else { s }
}

/// A 95 % CI as "2.88 – 3.18", "—" when absent.
fn ci(lo: Option<f64>, hi: Option<f64>) -> String {
    match (lo, hi) {
        (Some(l), Some(h)) => format!("{} – {}", f2(l), f2(h)),
        _ => DASH.to_owned(),
    }
}

fn p_value(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "< 0.001".to_owned(),
        Some(p) => format!("{p:.3}"),
        None => DASH.to_owned(),
    }
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        DASH.to_owned()
    } else {
        format!("{:.0} %", part as f64 * 100.0 / whole as f64)
    }
}

fn date_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn opt_date_time(t: Option<DateTime<Utc>>) -> String {
    t.map(date_time).unwrap_or_else(|| DASH.to_owned())
}

/// Escapes text for HTML/SVG markup built by hand (the same entities askama uses).
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&#38;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A verdict in words (Indonesian / English) and its CSS class.
struct VerdictView {
    text: &'static str,
    class: &'static str,
}

fn verdict_view(v: Option<Verdict>) -> VerdictView {
    let (text, class) = match v {
        Some(Verdict::Pass) => ("Lulus / pass", "pass"),
        Some(Verdict::Fail) => ("Tidak lulus / fail", "fail"),
        Some(Verdict::Undetermined) => ("Belum dapat dipastikan / undetermined (CI straddles the threshold)", "undetermined"),
        Some(Verdict::InsufficientData) => ("Data belum cukup / insufficient data", "insufficient"),
        None => (DASH, "none"),
    };
    VerdictView { text, class }
}

/// The shorter wording for the national table (a legend below it explains "belum pasti").
fn verdict_short(v: Option<Verdict>) -> VerdictView {
    match v {
        Some(Verdict::Undetermined) => VerdictView {
            text: "Belum dapat dipastikan / undetermined",
            class: "undetermined",
        },
        other => verdict_view(other),
    }
}

fn point_text(value: Option<f64>, threshold: f64, point: Option<bool>) -> String {
    match (value, point) {
        (Some(v), Some(true)) => format!("{} ≥ {}: ya / yes", f2(v), f2(threshold)),
        (Some(v), Some(false)) => format!("{} < {}: tidak / no", f2(v), f2(threshold)),
        (None, Some(true)) => "ya / yes".to_owned(),
        (None, Some(false)) => "tidak / no".to_owned(),
        (_, None) => DASH.to_owned(),
    }
}

fn status_text(s: CampaignStatus) -> &'static str {
    match s {
        CampaignStatus::Scheduled => "Terjadwal / scheduled",
        CampaignStatus::Open => "Dibuka / open",
        CampaignStatus::Closed => "Ditutup / closed",
    }
}

fn rule_name(r: RuleId) -> &'static str {
    match r {
        RuleId::Permenpanrb52_2014 => "PermenPANRB 52/2014",
        RuleId::Permenpanrb90_2021 => "PermenPANRB 90/2021",
    }
}

fn predicate_name(rule: RuleId, p: Predicate) -> &'static str {
    match (rule, p) {
        (RuleId::Permenpanrb90_2021, Predicate::Wbk) => "Menuju WBK",
        (RuleId::Permenpanrb90_2021, Predicate::Wbbm) => "Menuju WBBM",
        (_, Predicate::Wbk) => "WBK",
        (_, Predicate::Wbbm) => "WBBM",
    }
}

/// Indonesian wording of a hasil condition, by its id.
fn condition_id_text(id: &str, threshold: f64) -> String {
    let what = match id {
        "bersih" => "Nilai komponen pemerintah bersih",
        "pelayanan" => "Nilai komponen pelayanan publik",
        "ipak_score" => "Nilai IPAK",
        "ipkp_score" => "Nilai IPKP",
        "tlhp_score" => "Nilai TLHP",
        "kinerja" => "Nilai capaian kinerja",
        other => other,
    };
    format!("{what} ≥ {}", f2(threshold))
}

fn breakdown_name(key: &str) -> (String, &'static str) {
    let (id, en) = match key {
        "layanan" => ("Jenis layanan", "Service type"),
        "usia" => ("Usia", "Age"),
        "jenis_kelamin" => ("Jenis kelamin", "Sex"),
        "pendidikan" => ("Pendidikan", "Education"),
        "pekerjaan" => ("Pekerjaan", "Occupation"),
        other => return (other.to_owned(), ""),
    };
    (id.to_owned(), en)
}

// ---------------------------------------------------------------------------
// SVG charts
// ---------------------------------------------------------------------------

/// Opens an accessible SVG: role="img" with an aria-label and a <title>.
fn svg_open(out: &mut String, w: f64, h: f64, label: &str) {
    let l = esc(label);
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{l}\" font-family=\"system-ui,sans-serif\" font-size=\"12\"><title>{l}</title>"
    );
}

/// One row of a horizontal bar chart.
struct Bar {
    label: String,
    value: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    href: Option<String>,
}

/// Horizontal bars from `min` to the value, with the CI as a whisker; `refs` draws dashed
/// reference lines (e.g. thresholds).
fn hbar_chart(label: &str, rows: &[Bar], min: f64, max: f64, refs: &[(f64, &str)]) -> String {
    const W: f64 = 720.0;
    const LEFT: f64 = 170.0;
    const RIGHT: f64 = 640.0;
    const ROW: f64 = 24.0;
    const TOP: f64 = 22.0;
    let h = TOP + ROW * rows.len() as f64 + 24.0;
    let span = (max - min).max(f64::EPSILON);
    let x = |v: f64| LEFT + (v.clamp(min, max) - min) / span * (RIGHT - LEFT);
    let mut s = String::new();
    svg_open(&mut s, W, h, label);
    // Grid and ticks at whole numbers.
    let bottom = TOP + ROW * rows.len() as f64;
    let mut t = min.ceil();
    while t <= max + 1e-9 {
        let tx = x(t);
        let _ = write!(
            s,
            "<line x1=\"{tx:.1}\" y1=\"{TOP}\" x2=\"{tx:.1}\" y2=\"{bottom}\" stroke=\"#e5e7eb\"/><text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#374151\">{}</text>",
            bottom + 15.0,
            t
        );
        t += 1.0;
    }
    for (v, name) in refs {
        let rx = x(*v);
        let _ = write!(
            s,
            "<line x1=\"{rx:.1}\" y1=\"{:.1}\" x2=\"{rx:.1}\" y2=\"{bottom}\" stroke=\"#b91c1c\" stroke-dasharray=\"4 3\"/><text x=\"{rx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#b91c1c\" font-size=\"11\">{}</text>",
            TOP - 8.0,
            TOP - 10.0,
            esc(name)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let cy = y + ROW / 2.0;
        let full = format!("{}: {} (IK 95 % / 95 % CI {})", r.label, r2(r.value), ci(r.lo, r.hi));
        if let Some(href) = &r.href {
            let _ = write!(s, "<a href=\"{}\">", esc(href));
        }
        let _ = write!(s, "<g><title>{}</title>", esc(&full));
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#111827\">{}</text>",
            LEFT - 6.0,
            cy + 4.0,
            esc(&truncate(&r.label, 26))
        );
        if let Some(v) = r.value {
            let _ = write!(
                s,
                "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#93c5fd\" stroke=\"#1d4ed8\" stroke-width=\"0.5\"/>",
                y + 5.0,
                (x(v) - LEFT).max(0.5),
                ROW - 10.0
            );
        }
        if let (Some(lo), Some(hi)) = (r.lo, r.hi) {
            let (a, b) = (x(lo), x(hi));
            let _ = write!(
                s,
                "<path d=\"M{a:.1} {cy:.1}H{b:.1}M{a:.1} {:.1}V{:.1}M{b:.1} {:.1}V{:.1}\" stroke=\"#111827\" stroke-width=\"1.5\" fill=\"none\"/>",
                cy - 5.0,
                cy + 5.0,
                cy - 5.0,
                cy + 5.0
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#111827\">{}</text></g>",
            RIGHT + 8.0,
            cy + 4.0,
            r2(r.value)
        );
        if r.href.is_some() {
            s.push_str("</a>");
        }
    }
    s.push_str("</svg>");
    s
}

/// One colour per scale value, from red (1) to blue (m), with a text colour that reads on it.
fn scale_colours(m: usize) -> Vec<(&'static str, &'static str)> {
    const FOUR: [(&str, &str); 4] = [("#b91c1c", "#fff"), ("#f59e0b", "#111"), ("#93c5fd", "#111"), ("#1e40af", "#fff")];
    const MANY: [(&str, &str); 10] = [
        ("#7f1d1d", "#fff"),
        ("#b91c1c", "#fff"),
        ("#ea580c", "#fff"),
        ("#f59e0b", "#111"),
        ("#fde68a", "#111"),
        ("#d1d5db", "#111"),
        ("#bfdbfe", "#111"),
        ("#60a5fa", "#111"),
        ("#1d4ed8", "#fff"),
        ("#1e3a8a", "#fff"),
    ];
    if m == 4 {
        return FOUR.to_vec();
    }
    (0..m)
        .map(|i| {
            let at = if m <= 1 { 0 } else { i * (MANY.len() - 1) / (m - 1) };
            MANY[at.min(MANY.len() - 1)]
        })
        .collect()
}

/// 100 % stacked bars of the answer distribution, counts written inside wide enough segments.
fn distribution_chart(label: &str, rows: &[(String, Vec<u64>)], colours: &[(&str, &str)]) -> String {
    const W: f64 = 720.0;
    const LEFT: f64 = 170.0;
    const RIGHT: f64 = 700.0;
    const ROW: f64 = 26.0;
    let h = ROW * rows.len() as f64 + 8.0;
    let mut s = String::new();
    svg_open(&mut s, W, h, label);
    for (i, (name, counts)) in rows.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let total: u64 = counts.iter().sum();
        let desc: Vec<String> = counts.iter().enumerate().map(|(v, c)| format!("{}: {c}", v + 1)).collect();
        let _ = write!(s, "<g><title>{}</title>", esc(&format!("{name} — {}", desc.join(", "))));
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#111827\">{}</text>",
            LEFT - 6.0,
            y + ROW / 2.0 + 4.0,
            esc(&truncate(name, 26))
        );
        if total == 0 {
            let _ = write!(
                s,
                "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f3f4f6\" stroke=\"#9ca3af\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#4b5563\">belum ada jawaban / no answers</text></g>",
                y + 3.0,
                RIGHT - LEFT,
                ROW - 6.0,
                LEFT + 6.0,
                y + ROW / 2.0 + 4.0
            );
            continue;
        }
        let mut x = LEFT;
        for (v, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let w = c as f64 / total as f64 * (RIGHT - LEFT);
            let (fill, ink) = colours.get(v).copied().unwrap_or(("#9ca3af", "#111"));
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{fill}\" stroke=\"#fff\" stroke-width=\"1\"/>",
                y + 3.0,
                ROW - 6.0
            );
            if w >= 22.0 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{ink}\" font-size=\"11\">{c}</text>",
                    x + w / 2.0,
                    y + ROW / 2.0 + 4.0
                );
            }
            x += w;
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

/// Vertical bars of responses per day.
fn day_chart(label: &str, days: &[DayCount]) -> String {
    const W: f64 = 720.0;
    const H: f64 = 160.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 710.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 130.0;
    let mut s = String::new();
    svg_open(&mut s, W, H, label);
    let max = days.iter().map(|d| d.n).max().unwrap_or(0).max(1);
    let _ = write!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{BOTTOM}\" x2=\"{RIGHT}\" y2=\"{BOTTOM}\" stroke=\"#6b7280\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#374151\">{max}</text><text x=\"{:.1}\" y=\"{BOTTOM}\" text-anchor=\"end\" fill=\"#374151\">0</text><line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{RIGHT}\" y2=\"{TOP}\" stroke=\"#e5e7eb\"/>",
        LEFT - 4.0,
        TOP + 4.0,
        LEFT - 4.0
    );
    if !days.is_empty() {
        let slot = (RIGHT - LEFT) / days.len() as f64;
        let bw = (slot * 0.8).max(1.0);
        for (i, d) in days.iter().enumerate() {
            let bh = d.n as f64 / max as f64 * (BOTTOM - TOP);
            let x = LEFT + slot * i as f64 + (slot - bw) / 2.0;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" fill=\"#60a5fa\"><title>{}: {}</title></rect>",
                BOTTOM - bh,
                d.date,
                d.n
            );
        }
        let first = days[0].date;
        let last = days[days.len() - 1].date;
        let _ = write!(s, "<text x=\"{LEFT}\" y=\"{:.1}\" fill=\"#374151\">{first}</text>", BOTTOM + 18.0);
        if days.len() > 1 {
            let _ = write!(
                s,
                "<text x=\"{RIGHT}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#374151\">{last}</text>",
                BOTTOM + 18.0
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The responses-so-far bar against the required sample.
fn progress_chart(n: u64, required: u64) -> String {
    const W: f64 = 720.0;
    const H: f64 = 34.0;
    let frac = if required == 0 {
        1.0
    } else {
        (n as f64 / required as f64).min(1.0)
    };
    let label = format!("{n} dari {required} responden yang dibutuhkan / {n} of {required} required respondents");
    let fill = if n >= required { "#059669" } else { "#f59e0b" };
    let mut s = String::new();
    svg_open(&mut s, W, H, &label);
    let _ = write!(
        s,
        "<rect x=\"1\" y=\"5\" width=\"{:.1}\" height=\"24\" fill=\"#f3f4f6\" stroke=\"#6b7280\"/><rect x=\"1\" y=\"5\" width=\"{:.1}\" height=\"24\" fill=\"{fill}\"/><text x=\"10\" y=\"22\" fill=\"#111827\" font-weight=\"700\">{n} / {required} ({})</text></svg>",
        W - 2.0,
        (W - 2.0) * frac,
        pct(n, required)
    );
    s
}

// ---------------------------------------------------------------------------
// Shared view pieces
// ---------------------------------------------------------------------------

struct NavView<'a> {
    who: &'a str,
    csrf: &'a str,
    national: bool,
    national_href: &'static str,
}

fn nav_view<'a>(n: &Nav<'a>) -> NavView<'a> {
    NavView {
        who: n.who,
        csrf: n.csrf,
        national: n.national,
        national_href: NATIONAL_PATH,
    }
}

/// A minimal page, should a template ever fail to render.
fn fallback(_err: &askama::Error) -> String {
    "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Terjadi kesalahan</title></head><body><h1>Terjadi kesalahan / Something went wrong</h1><p>Halaman ini tidak dapat ditampilkan. / This page cannot be shown.</p></body></html>".to_owned()
}

// ---------------------------------------------------------------------------
// Login
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "report_login.html", whitespace = "minimize")]
struct LoginTemplate<'a> {
    error: Option<&'a str>,
    next: &'a str,
}

/// The login form: POST /masuk with `key` and `next`.
pub fn login_page(p: &LoginPage) -> String {
    LoginTemplate {
        error: p.error,
        next: p.next,
    }
    .render()
    .unwrap_or_else(|e| fallback(&e))
}

// ---------------------------------------------------------------------------
// Campaign report
// ---------------------------------------------------------------------------

struct KeyValue {
    id: &'static str,
    en: &'static str,
    value: String,
}

/// A row of the index table: all responses beside those without flagged ones.
struct IndexRow {
    id: &'static str,
    en: &'static str,
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
    counts: Vec<(u64, String)>,
}

struct CellView {
    value: String,
    n: String,
    index: String,
    suppressed: bool,
}

struct BreakdownView {
    name: String,
    en: &'static str,
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

struct LegendEntry {
    value: usize,
    colour: &'static str,
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
    progress_svg: String,
    thresholds: Vec<ThresholdView>,
    items: Vec<ItemView>,
    item_svg: String,
    dist_svg: String,
    legend: Vec<LegendEntry>,
    days: Vec<(String, u64)>,
    day_total: u64,
    day_svg: String,
    flags: Vec<KeyValue>,
    breakdowns: Vec<BreakdownView>,
    change: Option<ChangeView>,
    exclusions: Vec<ExclusionView>,
    ledger: LedgerView,
    downloads: &'a [(String, String)],
}

/// One campaign's report.
pub fn campaign_report(p: &CampaignReport) -> String {
    let r = p.results;
    let m = r.scale_max;
    let idx = &r.index;
    let clean = &r.without_flagged;

    let first = p.per_day.first().map(|d| d.date.to_string());
    let last = p.per_day.last().map(|d| d.date.to_string());
    let responses_span = match (first, last) {
        (Some(a), Some(b)) if a == b => a,
        (Some(a), Some(b)) => format!("{a} – {b}"),
        _ => DASH.to_owned(),
    };
    let meta = vec![
        KeyValue {
            id: "Unit",
            en: "Unit",
            value: p.unit_name.to_owned(),
        },
        KeyValue {
            id: "Kampanye",
            en: "Campaign",
            value: p.campaign_title.to_owned(),
        },
        KeyValue {
            id: "Formulir",
            en: "Form",
            value: format!("{} ({} v{}, {})", p.form_title, r.form, r.form_version, r.index_name),
        },
        KeyValue {
            id: "Status",
            en: "Status",
            value: status_text(r.status).to_owned(),
        },
        KeyValue {
            id: "Dibuka",
            en: "Opens",
            value: opt_date_time(p.period.opens_at),
        },
        KeyValue {
            id: "Ditutup",
            en: "Closes",
            value: match (p.period.closed_at, p.period.closes_at) {
                (Some(c), _) => format!("{} (ditutup manual / closed by hand)", date_time(c)),
                (None, c) => opt_date_time(c),
            },
        },
        KeyValue {
            id: "Tanggal respons",
            en: "Response dates",
            value: responses_span,
        },
        KeyValue {
            id: "Populasi (N)",
            en: "Population (N)",
            value: r
                .population
                .map(|n| n.to_string())
                .unwrap_or_else(|| "tidak diketahui / unknown".to_owned()),
        },
        KeyValue {
            id: "ID kampanye",
            en: "Campaign id",
            value: r.campaign_id.to_string(),
        },
    ];

    let category = |b: &crate::domain::stats::IndexBlock| {
        b.category
            .map(|c| format!("{} — {}", c.mutu(), c.kinerja()))
            .unwrap_or_else(|| DASH.to_owned())
    };
    let ci_idx = |b: &crate::domain::stats::IndexBlock| ci(b.ci_low, b.ci_high);
    let ci_0_4 = |b: &crate::domain::stats::IndexBlock| {
        let k = 4.0 / f64::from(m.max(1));
        ci(b.ci_low.map(|x| x * k), b.ci_high.map(|x| x * k))
    };
    let ci_conv = |b: &crate::domain::stats::IndexBlock| {
        let k = 100.0 / f64::from(m.max(1));
        ci(b.ci_low.map(|x| x * k), b.ci_high.map(|x| x * k))
    };
    let ci_index_label: &'static str = if m == 4 { "IK 95 % (skala 1–4)" } else { "IK 95 % (skala 1–m)" };
    let index_rows = vec![
        IndexRow {
            id: "Jumlah responden (n)",
            en: "Respondents",
            all: r.n.to_string(),
            clean: clean.n.to_string(),
        },
        IndexRow {
            id: "Indeks (skala formulir)",
            en: "Index (form scale)",
            all: r2(idx.value),
            clean: r2(clean.index.value),
        },
        IndexRow {
            id: ci_index_label,
            en: "95 % CI",
            all: ci_idx(idx),
            clean: ci_idx(&clean.index),
        },
        IndexRow {
            id: "Margin kesalahan (±)",
            en: "Margin of error",
            all: r2(idx.margin),
            clean: r2(clean.index.margin),
        },
        IndexRow {
            id: "Nilai 0–4 (untuk LKE)",
            en: "Value 0–4 (for the LKE)",
            all: r2(idx.value_0_4),
            clean: r2(clean.index.value_0_4),
        },
        IndexRow {
            id: "IK 95 % (0–4)",
            en: "95 % CI (0–4)",
            all: ci_0_4(idx),
            clean: ci_0_4(&clean.index),
        },
        IndexRow {
            id: "Nilai konversi (25–100)",
            en: "Converted value (×25)",
            all: r2(idx.converted),
            clean: r2(clean.index.converted),
        },
        IndexRow {
            id: "IK 95 % (konversi)",
            en: "95 % CI (converted)",
            all: ci_conv(idx),
            clean: ci_conv(&clean.index),
        },
        IndexRow {
            id: "Mutu — kinerja pelayanan (SKM)",
            en: "SKM category",
            all: category(idx),
            clean: category(&clean.index),
        },
        IndexRow {
            id: "Simpangan baku",
            en: "SD",
            all: r2(idx.sd),
            clean: r2(clean.index.sd),
        },
        IndexRow {
            id: "Galat baku",
            en: "SE",
            all: r2(idx.se),
            clean: r2(clean.index.se),
        },
        IndexRow {
            id: "Alfa Cronbach",
            en: "Cronbach's alpha",
            all: r2(r.alpha),
            clean: r2(clean.alpha),
        },
    ];

    let thresholds = p
        .thresholds
        .iter()
        .map(|t| ThresholdView {
            label: t.label.clone(),
            threshold: f2(t.threshold_0_4),
            value: r2(idx.value_0_4),
            ci: ci_0_4(idx),
            verdict: verdict_view(t.verdict),
            point: point_text(idx.value_0_4, t.threshold_0_4, t.point),
        })
        .collect();

    let label_of = |id: &str| {
        p.item_labels
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let values: Vec<String> = (1..=m).map(|v| v.to_string()).collect();
    let items: Vec<ItemView> = r
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let counts: Vec<u64> = values.iter().map(|v| it.distribution.get(v).copied().unwrap_or(0)).collect();
            let total: u64 = counts.iter().sum();
            ItemView {
                no: i + 1,
                id: it.id.clone(),
                text: label_of(&it.id),
                n: it.n,
                mean: r2(it.mean),
                sd: r2(it.sd),
                ci: ci(it.ci_low, it.ci_high),
                clean_mean: r2(clean.items.iter().find(|c| c.id == it.id).and_then(|c| c.mean)),
                counts: counts.iter().map(|&c| (c, pct(c, total))).collect(),
            }
        })
        .collect();
    let bars: Vec<Bar> = r
        .items
        .iter()
        .map(|it| Bar {
            label: it.id.clone(),
            value: it.mean,
            lo: it.ci_low,
            hi: it.ci_high,
            href: None,
        })
        .collect();
    let item_svg = hbar_chart(
        &format!("Rata-rata per butir dengan IK 95 %, skala 1–{m} / Item means with 95 % CI"),
        &bars,
        1.0,
        f64::from(m.max(2)),
        &[],
    );
    let colours = scale_colours(usize::from(m));
    let dist_rows: Vec<(String, Vec<u64>)> = r
        .items
        .iter()
        .map(|it| {
            (
                it.id.clone(),
                values.iter().map(|v| it.distribution.get(v).copied().unwrap_or(0)).collect(),
            )
        })
        .collect();
    let dist_svg = distribution_chart(
        "Sebaran jawaban per butir (100 %) / Answer distribution per item",
        &dist_rows,
        &colours,
    );
    let legend = colours
        .iter()
        .enumerate()
        .map(|(i, (c, _))| LegendEntry { value: i + 1, colour: c })
        .collect();

    let day_total = p.per_day.iter().map(|d| d.n).sum();
    let day_svg = day_chart(&format!("Respons per hari, total {day_total} / Responses per day"), p.per_day);

    let flags = vec![
        KeyValue {
            id: "Terlalu cepat (speeder)",
            en: "Speeders",
            value: r.flags.speeder.to_string(),
        },
        KeyValue {
            id: "Diarahkan petugas",
            en: "Steered by an officer",
            value: r.flags.diarahkan.to_string(),
        },
        KeyValue {
            id: "Bertanda (salah satu)",
            en: "Flagged (either)",
            value: r.flags.flagged.to_string(),
        },
        KeyValue {
            id: "Dikecualikan asesor",
            en: "Excluded by an assessor",
            value: r.flags.excluded.to_string(),
        },
    ];

    let breakdowns = r
        .breakdowns
        .iter()
        .map(|(key, cells)| {
            let (name, en) = breakdown_name(key);
            BreakdownView {
                name,
                en,
                cells: cells
                    .iter()
                    .map(|c| CellView {
                        value: c.value.clone(),
                        n: if c.suppressed {
                            "< 5 (disembunyikan)".to_owned()
                        } else {
                            c.n.map(|n| n.to_string()).unwrap_or_else(|| DASH.to_owned())
                        },
                        index: if c.suppressed { DASH.to_owned() } else { r2(c.index) },
                        suppressed: c.suppressed,
                    })
                    .collect(),
            }
        })
        .collect();

    let change = r.change.as_ref().map(|c| ChangeView {
        previous_href: campaign_href(c.previous_campaign_id),
        previous_id: c.previous_campaign_id.to_string(),
        previous_index: r2(c.previous_index),
        current_index: r2(idx.value),
        difference: signed(c.difference),
        t: r2(c.t),
        df: r2(c.df),
        p: p_value(c.p_value),
        significant: c.p_value.map(|p| p < 0.05),
    });

    let exclusions = p
        .exclusions
        .iter()
        .map(|e| ExclusionView {
            id: e.response_id.to_string(),
            reason: e.reason.clone(),
            at: date_time(e.excluded_at),
        })
        .collect();

    let v = p.ledger;
    let mut problems = v.problems.clone();
    for b in &v.blocks {
        for pr in &b.problems {
            problems.push(format!("Blok / block #{}: {pr}", b.seq));
        }
    }
    let ledger = LedgerView {
        head: v
            .head
            .head
            .clone()
            .unwrap_or_else(|| "— (belum ada blok / no block yet)".to_owned()),
        blocks: v.head.blocks,
        sealed: v.head.sealed,
        unsealed: v.head.unsealed,
        ok: v.ok,
        problems,
        rows: v
            .blocks
            .iter()
            .map(|b| BlockView {
                seq: b.seq,
                count: b.count,
                sealed_at: date_time(b.sealed_at),
                hash: b.hash.clone(),
                ok: b.ok,
            })
            .collect(),
    };

    CampaignTemplate {
        nav: nav_view(&p.nav),
        unit_name: p.unit_name,
        unit_href: format!("/laporan/unit/{}", p.unit_id),
        campaign_title: p.campaign_title,
        form_title: p.form_title,
        index_name: &r.index_name,
        scale_max: m,
        meta,
        index_rows,
        n: r.n,
        clean_n: clean.n,
        required_n: r.required_n,
        adequate: r.adequate,
        progress_svg: progress_chart(r.n, r.required_n),
        thresholds,
        items,
        item_svg,
        dist_svg,
        legend,
        days: p.per_day.iter().map(|d| (d.date.to_string(), d.n)).collect(),
        day_total,
        day_svg,
        flags,
        breakdowns,
        change,
        exclusions,
        ledger,
        downloads: p.downloads,
    }
    .render()
    .unwrap_or_else(|e| fallback(&e))
}

// ---------------------------------------------------------------------------
// Unit page
// ---------------------------------------------------------------------------

struct SurveyView {
    name: &'static str,
    present: bool,
    title: String,
    href: String,
    closed: &'static str,
    n: String,
    adequate: &'static str,
    adequate_ok: bool,
    value: String,
    ci: String,
    clean: String,
    head: String,
}

fn survey_view(name: &'static str, b: Option<&SurveyBlock>) -> SurveyView {
    match b {
        Some(b) => SurveyView {
            name,
            present: true,
            title: b.title.clone(),
            href: campaign_href(b.campaign_id),
            closed: if b.closed {
                "Ditutup / closed"
            } else {
                "Masih dibuka / still open"
            },
            n: format!("{} / {}", b.n, b.required_n),
            adequate: if b.adequate {
                "cukup / adequate"
            } else {
                "belum cukup / not adequate"
            },
            adequate_ok: b.adequate,
            value: r2(b.value_0_4),
            ci: ci(b.ci_low_0_4, b.ci_high_0_4),
            clean: r2(b.without_flagged_value_0_4),
            head: b
                .ledger_head
                .clone()
                .unwrap_or_else(|| "— (belum disegel / not sealed yet)".to_owned()),
        },
        None => SurveyView {
            name,
            present: false,
            title: String::new(),
            href: String::new(),
            closed: "",
            n: String::new(),
            adequate: "",
            adequate_ok: false,
            value: String::new(),
            ci: String::new(),
            clean: String::new(),
            head: String::new(),
        },
    }
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

struct HasilView {
    rule_name: &'static str,
    rule_id: &'static str,
    chosen: bool,
    indicators: Vec<IndicatorView>,
    components: Vec<ComponentView>,
    total: String,
    total_missing: Vec<String>,
    predicates: Vec<PredicateView>,
}

fn indicator_input(id: &str, input: Option<f64>) -> String {
    match (id, input) {
        (_, None) => "— (belum diisi / not entered)".to_owned(),
        ("tlhp", Some(v)) => format!("{} %", f2(v)),
        ("kinerja", Some(v)) => format!("{} (nilai / score)", f2(v)),
        (_, Some(v)) => format!("{} (0–4)", f2(v)),
    }
}

fn hasil_view(h: &Hasil, chosen: bool) -> HasilView {
    let total_missing = h
        .indicators
        .iter()
        .filter(|i| i.score.is_none())
        .map(|i| match i.id.as_str() {
            "tlhp" => "TLHP".to_owned(),
            "kinerja" => "kinerja".to_owned(),
            "ipak" => "IPAK".to_owned(),
            "ipkp" => "IPKP".to_owned(),
            other => other.to_owned(),
        })
        .collect::<Vec<_>>();
    HasilView {
        rule_name: rule_name(h.rule),
        rule_id: h.rule.as_str(),
        chosen,
        indicators: h
            .indicators
            .iter()
            .map(|i| IndicatorView {
                label: i.label.clone(),
                weight: f2(i.weight),
                input: indicator_input(&i.id, i.input),
                score: r2(i.score),
                ci: ci(i.score_ci_low, i.score_ci_high),
                reason: i.reason.clone().unwrap_or_default(),
            })
            .collect(),
        components: h
            .components
            .iter()
            .map(|c| ComponentView {
                label: c.label.clone(),
                max: f2(c.max),
                score: r2(c.score),
                ci: ci(c.score_ci_low, c.score_ci_high),
                reason: c.reason.clone().unwrap_or_default(),
            })
            .collect(),
        total: match h.hasil_total {
            Some(t) => format!("{} / 40", f2(t)),
            None => format!("— (butuh {} / needs {})", total_missing.join(", "), total_missing.join(", ")),
        },
        total_missing: if h.hasil_total.is_none() {
            h.indicators
                .iter()
                .filter(|i| i.score.is_none())
                .map(|i| format!("{}: {}", i.label, i.reason.as_deref().unwrap_or("tidak ada nilai / no value")))
                .collect()
        } else {
            Vec::new()
        },
        predicates: h
            .predicates
            .iter()
            .map(|p| PredicateView {
                name: predicate_name(h.rule, p.predicate),
                verdict: verdict_view(p.verdict),
                conditions: p
                    .conditions
                    .iter()
                    .map(|c| ConditionView {
                        text: condition_id_text(&c.id, c.threshold),
                        description: c.description.clone(),
                        threshold: f2(c.threshold),
                        value: r2(c.value),
                        ci: ci(c.ci_low, c.ci_high),
                        verdict: verdict_view(c.verdict),
                        point: point_text(c.value, c.threshold, c.point),
                        reason: c.reason.clone().unwrap_or_default(),
                    })
                    .collect(),
                not_judged: p.not_judged.clone(),
            })
            .collect(),
    }
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
    rule_name: &'static str,
    tlhp: String,
    kinerja: String,
    surveys: Vec<SurveyView>,
    hasil: Vec<HasilView>,
    campaigns: Vec<CampaignRowView>,
    campaigns_svg: String,
    prev_year_href: String,
    next_year_href: String,
}

/// A unit's hasil page.
pub fn unit_page(p: &UnitPage) -> String {
    let h = p.hasil;
    let rows: Vec<Bar> = p
        .campaigns
        .iter()
        .map(|c| Bar {
            label: format!("{} ({})", c.title, c.form),
            value: c.value_0_4,
            lo: c.ci_low_0_4,
            hi: c.ci_high_0_4,
            href: Some(campaign_href(c.id)),
        })
        .collect();
    let campaigns_svg = if rows.is_empty() {
        String::new()
    } else {
        hbar_chart(
            "Nilai 0–4 per kampanye dengan IK 95 % / Value 0–4 per campaign with 95 % CI",
            &rows,
            0.0,
            4.0,
            &[(3.2, "3.20"), (3.6, "3.60")],
        )
    };
    UnitTemplate {
        nav: nav_view(&p.nav),
        name: &h.unit.name,
        instansi: &h.unit.instansi,
        slug: &h.unit.slug,
        year: h.year,
        rule_name: rule_name(h.rule),
        tlhp: h
            .inputs
            .tlhp_percent
            .map(|t| format!("{} %", f2(t)))
            .unwrap_or_else(|| "— (belum diisi / not entered)".to_owned()),
        kinerja: h
            .inputs
            .kinerja
            .map(|k| k.as_str().to_owned())
            .unwrap_or_else(|| "— (belum diisi / not entered)".to_owned()),
        surveys: vec![survey_view("IPAK", h.ipak.as_ref()), survey_view("IPKP", h.ipkp.as_ref())],
        hasil: h.hasil.iter().enumerate().map(|(i, x)| hasil_view(x, i == 0)).collect(),
        campaigns: p
            .campaigns
            .iter()
            .map(|c| CampaignRowView {
                href: campaign_href(c.id),
                title: c.title.clone(),
                form: c.form.clone(),
                status: c.status.clone(),
                n: c.n,
                value: r2(c.value_0_4),
                ci: ci(c.ci_low_0_4, c.ci_high_0_4),
                ended: opt_date_time(c.ended),
            })
            .collect(),
        campaigns_svg,
        prev_year_href: unit_href(h.unit.id, h.year - 1),
        next_year_href: unit_href(h.unit.id, h.year + 1),
    }
    .render()
    .unwrap_or_else(|e| fallback(&e))
}

// ---------------------------------------------------------------------------
// National table
// ---------------------------------------------------------------------------

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
    ipak_n: String,
    ipak: String,
    ipak_ci: String,
    ipkp_n: String,
    ipkp: String,
    ipkp_ci: String,
    total: String,
    rule: &'static str,
    wbk: VerdictView,
    wbbm: VerdictView,
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
    let rows = p
        .rows
        .iter()
        .map(|u| {
            let h = u.hasil.first();
            let n = |b: &Option<SurveyBlock>| b.as_ref().map(|b| b.n.to_string()).unwrap_or_else(|| DASH.to_owned());
            let verdict = |i: usize| verdict_short(h.and_then(|h| h.predicates.get(i)).and_then(|p| p.verdict));
            NationalRow {
                href: unit_href(u.unit.id, u.year),
                name: u.unit.name.clone(),
                instansi: u.unit.instansi.clone(),
                ipak_n: n(&u.ipak),
                ipak: r2(u.ipak.as_ref().and_then(|b| b.value_0_4)),
                ipak_ci: u
                    .ipak
                    .as_ref()
                    .map(|b| ci(b.ci_low_0_4, b.ci_high_0_4))
                    .unwrap_or_else(|| DASH.to_owned()),
                ipkp_n: n(&u.ipkp),
                ipkp: r2(u.ipkp.as_ref().and_then(|b| b.value_0_4)),
                ipkp_ci: u
                    .ipkp
                    .as_ref()
                    .map(|b| ci(b.ci_low_0_4, b.ci_high_0_4))
                    .unwrap_or_else(|| DASH.to_owned()),
                total: r2(h.and_then(|h| h.hasil_total)),
                rule: h.map(|h| rule_name(h.rule)).unwrap_or(DASH),
                wbk: verdict(0),
                wbbm: verdict(1),
            }
        })
        .collect();
    NationalTemplate {
        nav: nav_view(&p.nav),
        year: p.year,
        sort: p.sort,
        heads,
        rows,
        csv_href: p.csv_href,
        xlsx_href: p.xlsx_href,
    }
    .render()
    .unwrap_or_else(|e| fallback(&e))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;

    use super::*;
    use crate::domain::scoring::{HasilInputs, KinerjaGrade, SurveyIndex, evaluate, verdict};
    use crate::domain::stats::{AnalysisInput, ItemCounts, Moments, analyse};
    use crate::views::hasil::{Inputs, UnitRef};
    use crate::views::results::{BlockCheck, Cell, Change, Flags, LedgerHead, Subset};

    const EVIL: &str = "<script>alert(1)</script>";

    fn write_out(name: &str, html: &str) {
        if let Ok(dir) = std::env::var("PAGES_OUT_DIR")
            && std::fs::create_dir_all(&dir).is_ok()
        {
            let _ = std::fs::write(format!("{dir}/{name}"), html);
        }
    }

    /// The rules every report page keeps.
    fn check_common(html: &str) {
        assert!(html.starts_with("<!DOCTYPE html>"), "doctype");
        assert!(html.contains("<html lang=\"id\">"));
        assert!(html.contains("<meta name=\"viewport\""));
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "no script");
        assert!(!html.contains("http://"), "no http://");
        assert!(!html.contains("https://"), "no https://");
        assert!(
            !html.contains("src=\"//") && !html.contains("href=\"//"),
            "no protocol-relative urls"
        );
        for (at, _) in lower.match_indices(" on") {
            let name: String = lower[at + 3..].chars().take_while(char::is_ascii_alphabetic).collect();
            assert!(
                name.is_empty() || !lower[at + 3 + name.len()..].starts_with('='),
                "event handler on{name}"
            );
        }
        // Every chart is an accessible image.
        assert_eq!(html.matches("<svg").count(), html.matches("role=\"img\" aria-label=").count());
        // Every table has a caption.
        assert_eq!(html.matches("<table").count(), html.matches("<caption>").count());
        assert!(html.contains("@media print") && html.contains("size:A4"));
    }

    fn check_nav(html: &str, national: bool) {
        assert!(
            html.contains("<form method=\"post\" action=\"/keluar\"><input type=\"hidden\" name=\"csrf\" value=\"csrf-&#60;x&#62;-123\">")
        );
        assert!(html.contains("Keluar / Log out"));
        assert_eq!(html.contains(&format!("href=\"{NATIONAL_PATH}\"")), national);
    }

    fn nav(national: bool) -> Nav<'static> {
        Nav {
            who: "assessor · TPN Jakarta",
            csrf: "csrf-<x>-123",
            national,
        }
    }

    const ITEMS: [&str; 8] = [
        "informasi",
        "persyaratan",
        "prosedur",
        "waktu",
        "biaya",
        "sarana",
        "respons",
        "pengaduan",
    ];

    /// An analysis of `rows` (answers per item, 1..4) the way the route computes it.
    fn analysis(rows: &[[u8; 8]], population: Option<u64>) -> crate::domain::stats::Analysis {
        let w = [1.0 / 8.0; 8];
        let mut scores = Moments::default();
        let mut totals = Moments::default();
        for r in rows {
            scores.push(r.iter().map(|&x| f64::from(x) / 8.0).sum());
            totals.push(r.iter().map(|&x| f64::from(x)).sum());
        }
        let items: Vec<ItemCounts> = ITEMS
            .iter()
            .enumerate()
            .map(|(i, id)| ItemCounts {
                id: (*id).to_owned(),
                counts: (1..=4u8).map(|v| rows.iter().filter(|r| r[i] == v).count() as u64).collect(),
            })
            .collect();
        analyse(&AnalysisInput {
            scale_max: 4,
            items: &items,
            weights: &w,
            scores,
            totals,
            population,
        })
    }

    fn answers() -> Vec<[u8; 8]> {
        // Each respondent has a general level; items wobble around it (so alpha is realistic).
        let mut seed = 0x2545_f491_u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        (0..40)
            .map(|_| {
                let level = [2i32, 3, 3, 3, 4][(next() % 5) as usize];
                std::array::from_fn(|i| {
                    let wobble = [0i32, 0, 0, 1, -1][(next() % 5) as usize] - i32::from(i == 2);
                    (level + wobble).clamp(1, 4) as u8
                })
            })
            .collect()
    }

    fn results() -> Results {
        let rows = answers();
        let all = analysis(&rows, Some(250));
        let clean = analysis(&rows[..37], Some(250));
        let previous_index = all.index.value.map(|v| v - 0.123456);
        let mut breakdowns = BTreeMap::new();
        breakdowns.insert(
            "layanan".to_owned(),
            vec![
                Cell {
                    value: "Paspor".to_owned(),
                    n: Some(30),
                    index: Some(3.0312),
                    suppressed: false,
                },
                Cell {
                    value: format!("Izin {EVIL}"),
                    n: None,
                    index: None,
                    suppressed: true,
                },
            ],
        );
        breakdowns.insert("usia".to_owned(), Vec::new());
        Results {
            campaign_id: Uuid::from_u128(0xC1),
            unit_id: Uuid::from_u128(0xA1),
            form: "ipkp".to_owned(),
            form_version: 1,
            index_name: "IPKP".to_owned(),
            scale_max: 4,
            status: CampaignStatus::Closed,
            n: all.n,
            population: Some(250),
            required_n: 152,
            adequate: false,
            index: all.index,
            alpha: all.alpha,
            items: all.items,
            flags: Flags {
                speeder: 2,
                diarahkan: 1,
                flagged: 3,
                excluded: 1,
            },
            without_flagged: Subset {
                n: clean.n,
                adequate: false,
                index: clean.index,
                alpha: clean.alpha,
                items: clean.items,
            },
            breakdowns,
            change: Some(Change {
                previous_campaign_id: Uuid::from_u128(0xC0),
                previous_index,
                difference: 0.123456,
                t: Some(2.1),
                df: Some(70.3),
                p_value: Some(0.0391),
            }),
            ledger: LedgerHead {
                head: Some("ab".repeat(32)),
                blocks: 2,
                sealed: 38,
                unsealed: 2,
            },
        }
    }

    fn verification(ok: bool) -> Verification {
        let at = Utc.with_ymd_and_hms(2025, 6, 2, 3, 4, 5).unwrap();
        Verification {
            campaign_id: Uuid::from_u128(0xC1),
            ok,
            head: LedgerHead {
                head: Some("ab".repeat(32)),
                blocks: 2,
                sealed: 38,
                unsealed: 2,
            },
            blocks: vec![
                BlockCheck {
                    seq: 1,
                    hash: "cd".repeat(32),
                    prev_hash: "0".repeat(64),
                    count: 20,
                    sealed_at: at,
                    ok: true,
                    problems: vec![],
                },
                BlockCheck {
                    seq: 2,
                    hash: "ab".repeat(32),
                    prev_hash: "cd".repeat(32),
                    count: 18,
                    sealed_at: at,
                    ok,
                    problems: if ok {
                        vec![]
                    } else {
                        vec![format!("response 7 content hash mismatch {EVIL}")]
                    },
                },
            ],
            problems: if ok {
                vec![]
            } else {
                vec!["unsealed response 40: content hash mismatch".to_owned()]
            },
        }
    }

    fn render_campaign(r: &Results, v: &Verification, title: &str) -> String {
        let value = r.index.value_0_4.unwrap();
        let ci = (r.index.ci_low.unwrap(), r.index.ci_high.unwrap());
        let thresholds: Vec<ThresholdRow> = [
            (2.0, "Batas bawah uji / test floor ≥ 2,00"),
            ((value * 100.0).round() / 100.0, "Nilai titik / at the point"),
            (3.6, "WBBM (PermenPANRB 90/2021): IPKP ≥ 3,60"),
        ]
        .iter()
        .map(|(t, label)| {
            let (vd, point) = verdict(value, Some(ci), *t, r.n);
            ThresholdRow {
                label: (*label).to_owned(),
                threshold_0_4: *t,
                verdict: Some(vd),
                point: Some(point),
            }
        })
        .chain([ThresholdRow {
            label: "Tanpa data".to_owned(),
            threshold_0_4: 3.0,
            verdict: None,
            point: None,
        }])
        .collect();
        let per_day: Vec<DayCount> = (1..=12)
            .map(|d| DayCount {
                date: NaiveDate::from_ymd_opt(2025, 5, d).unwrap(),
                n: u64::from(d % 5 + 1),
            })
            .collect();
        let exclusions = vec![ExclusionRow {
            response_id: Uuid::from_u128(0xE1),
            reason: format!("Duplikat dari loket 2 {EVIL}"),
            excluded_at: Utc.with_ymd_and_hms(2025, 6, 1, 10, 22, 0).unwrap(),
        }];
        let item_labels: Vec<(String, String)> = ITEMS
            .iter()
            .map(|id| {
                (
                    (*id).to_owned(),
                    format!("Pernyataan tentang {id} pelayanan ini jelas dan mudah dipahami."),
                )
            })
            .collect();
        let downloads = vec![
            (
                "/api/v1/campaigns/c1/responses.csv".to_owned(),
                "Respons (CSV) / Responses (CSV)".to_owned(),
            ),
            (
                "/laporan/kampanye/c1/hasil.xlsx".to_owned(),
                "Buku kerja (XLSX) / Workbook".to_owned(),
            ),
        ];
        campaign_report(&CampaignReport {
            nav: nav(true),
            unit_name: &format!("Kantor Imigrasi {EVIL}"),
            unit_id: r.unit_id,
            campaign_title: title,
            form_title: "Survei Persepsi Kualitas Pelayanan",
            period: Period {
                opens_at: Some(Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap()),
                closes_at: Some(Utc.with_ymd_and_hms(2025, 5, 31, 0, 0, 0).unwrap()),
                closed_at: None,
            },
            results: r,
            thresholds: &thresholds,
            per_day: &per_day,
            exclusions: &exclusions,
            ledger: v,
            item_labels: &item_labels,
            downloads: &downloads,
        })
    }

    #[test]
    fn campaign_report_renders_everything() {
        let r = results();
        let html = render_campaign(&r, &verification(true), &format!("IPKP Semester I 2025 {EVIL}"));
        write_out("report-campaign.html", &html);
        check_common(&html);
        check_nav(&html, true);
        assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "escaped");
        // Numbers, rounded.
        let v = r.index.value_0_4.unwrap();
        assert!(html.contains(&format!(">{v:.2}<")), "value {v:.2}");
        assert!(
            !html.contains(&format!("{v}")) || format!("{v}").len() <= 4,
            "unrounded value leaked"
        );
        assert!(html.contains(&format!("{:.2} – {:.2}", r.index.ci_low.unwrap(), r.index.ci_high.unwrap())));
        assert!(html.contains(&format!("{:.2}", r.index.converted.unwrap())));
        let cat = r.index.category.unwrap();
        assert!(html.contains(&format!("{} — {}", cat.mutu(), cat.kinerja())));
        assert!(html.contains("3.03"), "breakdown index rounded");
        assert!(html.contains("+0.12") && html.contains("0.039"), "change and p-value");
        // Sample size in words.
        assert!(html.contains("40 dari 152") && html.contains("belum cukup / not yet adequate"));
        // Verdict words.
        assert!(html.contains(">Lulus / pass<"));
        assert!(html.contains("Belum dapat dipastikan / undetermined (CI straddles the threshold)"));
        assert!(html.contains("Tidak lulus / fail"), "3.60 is out of reach");
        assert!(html.contains(">—</span>"), "no verdict");
        assert!(html.contains(": tidak / no"));
        // Suppressed cell.
        assert!(html.contains("&#60; 5 (disembunyikan)"));
        assert!(html.contains("Belum ada data / no data"));
        // Items: chart, table, distribution with legend and counts.
        assert_eq!(html.matches("<svg").count(), 4, "progress, items, distribution, per day");
        assert!(html.contains("Pernyataan tentang waktu"));
        assert!(html.contains("(terendah / lowest)") && html.contains("(tertinggi / highest)"));
        // Ledger OK, exclusions, downloads.
        assert!(html.contains("OK — rantai hash utuh"));
        assert!(!html.contains("class=\"problems\""));
        assert!(html.contains(&"ab".repeat(32)));
        assert!(html.contains("Duplikat dari loket 2 &#60;script&#62;"));
        assert!(html.contains("2025-06-01 10:22 UTC"));
        assert!(html.contains("href=\"/api/v1/campaigns/c1/responses.csv\""));
        assert!(html.contains(&format!("href=\"/laporan/kampanye/{}\"", Uuid::from_u128(0xC0))));
        assert!(html.contains("2025-05-01 – 2025-05-12"));
        assert!(html.contains("Ditutup / closed"));
    }

    #[test]
    fn campaign_report_shows_ledger_problems() {
        let r = results();
        let html = render_campaign(&r, &verification(false), "IPKP 2025");
        write_out("report-campaign-tampered.html", &html);
        check_common(&html);
        assert!(html.contains("GAGAL / FAILED"));
        assert!(html.contains("<ul class=\"problems\" role=\"alert\""));
        assert!(html.contains("<li>unsealed response 40: content hash mismatch</li>"));
        assert!(html.contains("Blok / block #2: response 7 content hash mismatch &#60;script&#62;"));
    }

    #[test]
    fn campaign_report_without_data() {
        let empty = analysis(&[], None);
        let mut r = results();
        r.n = 0;
        r.index = empty.index.clone();
        r.alpha = None;
        r.items = empty.items.clone();
        r.without_flagged = Subset {
            n: 0,
            adequate: false,
            index: empty.index,
            alpha: None,
            items: empty.items,
        };
        r.change = None;
        r.breakdowns.clear();
        let html = campaign_report(&CampaignReport {
            nav: nav(false),
            unit_name: "Unit",
            unit_id: r.unit_id,
            campaign_title: "Kosong",
            form_title: "IPKP",
            period: Period {
                opens_at: None,
                closes_at: None,
                closed_at: None,
            },
            results: &r,
            thresholds: &[ThresholdRow {
                label: "WBK".to_owned(),
                threshold_0_4: 3.2,
                verdict: Some(Verdict::InsufficientData),
                point: None,
            }],
            per_day: &[],
            exclusions: &[],
            ledger: &verification(true),
            item_labels: &[],
            downloads: &[],
        });
        write_out("report-campaign-empty.html", &html);
        check_common(&html);
        check_nav(&html, false);
        assert!(html.contains("Data belum cukup / insufficient data"));
        assert!(html.contains("Belum ada respons."));
        assert!(html.contains("belum ada jawaban / no answers"));
        assert!(html.contains("Tidak ada kampanye sebelumnya"));
    }

    fn survey(id: u128, title: &str, a: &crate::domain::stats::Analysis) -> (SurveyBlock, SurveyIndex) {
        let si = SurveyIndex::from_analysis(a, 4);
        (
            SurveyBlock {
                campaign_id: Uuid::from_u128(id),
                title: title.to_owned(),
                closed: true,
                n: a.n,
                required_n: 152,
                adequate: false,
                index: a.index.value,
                value_0_4: si.value_0_4,
                ci_low_0_4: si.ci_low_0_4,
                ci_high_0_4: si.ci_high_0_4,
                without_flagged_value_0_4: a.index.value_0_4,
                ledger_head: Some("ef".repeat(32)),
            },
            si,
        )
    }

    fn unit_hasil(name: &str, tlhp: Option<f64>, kinerja: Option<KinerjaGrade>) -> UnitHasil {
        let rows = answers();
        let high: Vec<[u8; 8]> = rows.iter().map(|r| r.map(|x| x.max(3))).collect();
        let (ipak, si_a) = survey(0xAA, &format!("IPAK 2025 {EVIL}"), &analysis(&high, None));
        let (ipkp, si_p) = survey(0xBB, "IPKP 2025", &analysis(&rows, Some(250)));
        let inputs = HasilInputs {
            ipak: Some(si_a),
            ipkp: Some(si_p),
            tlhp_percent: tlhp,
            kinerja,
        };
        UnitHasil {
            unit: UnitRef {
                id: Uuid::from_u128(0xA1),
                slug: "kanim-jaksel".to_owned(),
                name: name.to_owned(),
                instansi: "Kementerian Imigrasi dan Pemasyarakatan".to_owned(),
            },
            year: 2025,
            rule: RuleId::Permenpanrb90_2021,
            inputs: Inputs {
                tlhp_percent: tlhp,
                kinerja,
            },
            ipak: Some(ipak),
            ipkp: Some(ipkp),
            hasil: vec![
                evaluate(RuleId::Permenpanrb90_2021, &inputs),
                evaluate(RuleId::Permenpanrb52_2014, &inputs),
            ],
        }
    }

    #[test]
    fn unit_page_renders_hasil_and_history() {
        let h = unit_hasil(&format!("Kantor Imigrasi {EVIL}"), None, Some(KinerjaGrade::B));
        let campaigns = vec![
            CampaignRow {
                id: Uuid::from_u128(0xB0),
                title: format!("IPKP 2024 {EVIL}"),
                form: "ipkp".to_owned(),
                status: "closed".to_owned(),
                n: 55,
                value_0_4: Some(2.951234),
                ci_low_0_4: Some(2.8),
                ci_high_0_4: Some(3.1),
                ended: Some(Utc.with_ymd_and_hms(2024, 12, 31, 0, 0, 0).unwrap()),
            },
            CampaignRow {
                id: Uuid::from_u128(0xBB),
                title: "IPKP 2025".to_owned(),
                form: "ipkp".to_owned(),
                status: "open".to_owned(),
                n: 1,
                value_0_4: Some(3.0),
                ci_low_0_4: None,
                ci_high_0_4: None,
                ended: None,
            },
        ];
        let html = unit_page(&UnitPage {
            nav: nav(true),
            hasil: &h,
            campaigns: &campaigns,
        });
        write_out("report-unit.html", &html);
        check_common(&html);
        check_nav(&html, true);
        assert!(html.contains("Kantor Imigrasi &#60;script&#62;"));
        assert!(html.contains("IPKP 2024 &#60;script&#62;"), "escaped in table and svg");
        assert!(html.contains("2.95") && !html.contains("2.951234"));
        assert!(html.contains("PermenPANRB 90/2021 (aturan utama)"));
        assert!(html.contains("PermenPANRB 52/2014"));
        // 90/2021 has kinerja, so a total; 52/2014 lacks TLHP, so none.
        let total = h.hasil[0].hasil_total.unwrap();
        assert!(html.contains(&format!("{total:.2} / 40")));
        assert!(html.contains("— (butuh TLHP / needs TLHP)"));
        assert!(html.contains("Menuju WBK") && html.contains("Menuju WBBM"));
        assert!(html.contains("Tidak dinilai oleh layanan ini"));
        assert!(html.contains("pengungkit ≥ 40"));
        for word in ["Lulus / pass", "Tidak lulus / fail"] {
            assert!(html.contains(word) || html.contains("Belum dapat dipastikan"), "{word}");
        }
        assert!(html.contains(&format!("href=\"/laporan/kampanye/{}\"", Uuid::from_u128(0xB0))));
        assert!(html.contains(&format!("href=\"/laporan/unit/{}?year=2024\"", Uuid::from_u128(0xA1))));
        assert_eq!(html.matches("<svg").count(), 1);
        assert!(html.contains(&"ef".repeat(32)));
    }

    #[test]
    fn national_page_sorts_by_links() {
        let rows = vec![
            unit_hasil(&format!("Kanim {EVIL}"), Some(80.0), Some(KinerjaGrade::A)),
            unit_hasil("Kantor Pertanahan Kota Bogor", None, None),
        ];
        let html = national_page(&NationalPage {
            nav: nav(true),
            year: 2025,
            rows: &rows,
            sort: "ipkp",
            csv_href: "/api/v1/hasil?year=2025&format=csv",
            xlsx_href: "/laporan/nasional.xlsx?year=2025",
        });
        write_out("report-national.html", &html);
        check_common(&html);
        check_nav(&html, true);
        assert!(html.contains("Kanim &#60;script&#62;"));
        for key in SORT_KEYS {
            assert!(html.contains(&format!("href=\"?year=2025&#38;sort={key}\"")), "{key}");
        }
        assert_eq!(html.matches("aria-sort=").count(), 1);
        assert!(html.contains("aria-sort=\"descending\"><a href=\"?year=2025&#38;sort=ipkp\""));
        assert!(html.contains("href=\"/api/v1/hasil?year=2025&#38;format=csv\""));
        assert!(html.contains("href=\"/laporan/nasional.xlsx?year=2025\""));
        assert!(html.contains(&format!("href=\"/laporan/unit/{}?year=2025\"", Uuid::from_u128(0xA1))));
        let ipkp = rows[0].ipkp.as_ref().unwrap().value_0_4.unwrap();
        assert!(html.contains(&format!(">{ipkp:.2}<")));
        assert!(html.contains("Tidak lulus / fail") || html.contains("Lulus / pass") || html.contains("Belum dapat dipastikan"));
        assert!(html.contains("<td class=\"num\">—<br>"), "no total without kinerja");
    }

    #[test]
    fn login_page_renders() {
        let html = login_page(&LoginPage {
            error: Some("Kunci tidak dikenal / unknown key <b>"),
            next: "/laporan/unit/1?year=2025&x=\"",
        });
        write_out("report-login.html", &html);
        check_common(&html);
        assert!(html.contains("<form method=\"post\" action=\"/masuk\""));
        assert!(html.contains("type=\"password\" id=\"key\" name=\"key\" autocomplete=\"off\""));
        assert!(html.contains("name=\"next\" value=\"/laporan/unit/1?year=2025&#38;x=&#34;\""));
        assert!(html.contains("unknown key &#60;b&#62;"));
        assert!(html.contains("Kunci API") && html.contains("API key"));
        assert!(html.contains("hanya cookie sesi"));
        let ok = login_page(&LoginPage { error: None, next: "/" });
        assert!(!ok.contains("role=\"alert\""));
    }

    #[test]
    fn formatting_helpers() {
        assert_eq!(r2(Some(3.0349)), "3.03");
        assert_eq!(r2(Some(-0.001)), "0.00");
        assert_eq!(r2(None), "—");
        assert_eq!(r2(Some(f64::NAN)), "—");
        assert_eq!(signed(0.1234), "+0.12");
        assert_eq!(signed(-0.1234), "-0.12");
        assert_eq!(p_value(Some(0.0004)), "< 0.001");
        assert_eq!(ci(Some(2.881), Some(3.177)), "2.88 – 3.18");
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;"
        );
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(scale_colours(5).len(), 5);
        assert_eq!(scale_colours(7)[0], scale_colours(7)[0]);
    }
}

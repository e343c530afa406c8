//! The top of the campaign report: the facts (unit, campaign, form, status, dates, population,
//! responses stored and the size of the snapshot the figures were computed on),
//! the index table (all responses beside those without flagged ones, on the form's scale, 0–4
//! and converted), and the threshold verdicts.

use super::{CampaignReport, IndexRow, KeyValue, ThresholdRow, ThresholdView};
use crate::domain::language::Text;
use crate::domain::stats::IndexBlock;
use crate::pages::format::{self, DASH};
use crate::pages::report::Results;
use crate::pages::report::words::{point_text, status_text, verdict_view};

const CLOSED_BY_HAND: Text = Text {
    id: "ditutup manual",
    en: "closed by hand",
};
const UNKNOWN: Text = Text {
    id: "tidak diketahui",
    en: "unknown",
};

const fn label(id: &'static str, en: &'static str) -> Text {
    Text { id, en }
}

/// What the campaign is: the box at the top of the report.
pub(super) fn facts(p: &CampaignReport) -> Vec<KeyValue> {
    let r = p.results;
    let fact = |id, en, value: String| KeyValue {
        label: label(id, en),
        value,
    };
    let zone = p.time_zone;
    let closes = match (p.period.closed_at, p.period.closes_at) {
        (Some(c), _) => format!("{} ({})", format::date_time(c, zone), CLOSED_BY_HAND.both()),
        (None, c) => format::opt_date_time(c, zone),
    };
    vec![
        fact("Unit", "Unit", p.unit_name.to_owned()),
        fact("Kampanye", "Campaign", p.campaign_title.to_owned()),
        fact(
            "Formulir",
            "Form",
            format!("{} ({} v{}, {})", p.form_title, r.form, r.form_version, r.index_name),
        ),
        fact("Status", "Status", status_text(r.status)),
        fact("Dibuka", "Opens", format::opt_date_time(p.period.opens_at, zone)),
        fact("Ditutup", "Closes", closes),
        fact("Zona waktu unit", "Unit's time zone", format!("{zone} (UTC+{})", zone.hours())),
        fact(
            "Tanggal respons",
            "Response dates",
            format::date_span(p.per_day.first().map(|d| d.date), p.per_day.last().map(|d| d.date)),
        ),
        fact(
            "Populasi (N)",
            "Population (N)",
            r.population.map_or_else(|| UNKNOWN.both(), |n| n.to_string()),
        ),
        fact("Respons tersimpan", "Responses stored", r.n.to_string()),
        fact(
            "Angka dihitung atas",
            "Figures computed on",
            match &r.publication.note {
                None => format!("{} respons (lengkap / complete)", r.snapshot_n),
                Some(note) => format!("{} respons — {} / {}", r.snapshot_n, note.id, note.en),
            },
        ),
        fact("ID kampanye", "Campaign id", r.campaign_id.to_string()),
    ]
}

/// An index block's CI with both bounds multiplied by `k` (to 0–4, or converted).
fn interval_times(b: &IndexBlock, k: f64) -> String {
    format::interval(b.ci_low.map(|x| x * k), b.ci_high.map(|x| x * k))
}

/// The SKM quality category, e.g. "B — Baik".
fn category(b: &IndexBlock) -> String {
    b.category
        .map(|c| format!("{} — {}", c.mutu(), c.kinerja()))
        .unwrap_or_else(|| DASH.to_owned())
}

/// The index table: every measure for all responses and for those without flagged ones.
pub(super) fn index_rows(r: &Results) -> Vec<IndexRow> {
    let m = f64::from(r.scale_max.max(1));
    let (all, clean) = (&r.index, &r.without_flagged.index);
    let row = |label: Text, f: &dyn Fn(&IndexBlock) -> String| IndexRow {
        label,
        all: f(all),
        clean: f(clean),
    };
    let ci_label = if r.scale_max == 4 {
        label("IK 95 % (skala 1–4)", "95 % CI")
    } else {
        label("IK 95 % (skala 1–m)", "95 % CI")
    };
    vec![
        IndexRow {
            label: label("Jumlah responden (n)", "Respondents"),
            all: r.n.to_string(),
            clean: r.without_flagged.n.to_string(),
        },
        row(label("Indeks (skala formulir)", "Index (form scale)"), &|b| format::value(b.value)),
        row(ci_label, &|b| format::interval(b.ci_low, b.ci_high)),
        row(label("Margin kesalahan (±)", "Margin of error"), &|b| format::value(b.margin)),
        row(label("Nilai 0–4 (untuk LKE)", "Value 0–4 (for the LKE)"), &|b| {
            format::value(b.value_0_4)
        }),
        row(label("IK 95 % (0–4)", "95 % CI (0–4)"), &|b| interval_times(b, 4.0 / m)),
        row(label("Nilai konversi (25–100)", "Converted value (×25)"), &|b| {
            format::value(b.converted)
        }),
        row(label("IK 95 % (konversi)", "95 % CI (converted)"), &|b| {
            interval_times(b, 100.0 / m)
        }),
        row(label("Mutu — kinerja pelayanan (SKM)", "SKM category"), &category),
        row(label("Simpangan baku", "SD"), &|b| format::value(b.sd)),
        row(label("Galat baku", "SE"), &|b| format::value(b.se)),
        IndexRow {
            label: label("Alfa Cronbach", "Cronbach's alpha"),
            all: format::value(r.alpha),
            clean: format::value(r.without_flagged.alpha),
        },
    ]
}

/// Each threshold beside the index on the 0–4 scale, with the 95 % verdict and the point one.
pub(super) fn thresholds(r: &Results, rows: &[ThresholdRow]) -> Vec<ThresholdView> {
    let idx = &r.index;
    let ci = interval_times(idx, 4.0 / f64::from(r.scale_max.max(1)));
    rows.iter()
        .map(|t| ThresholdView {
            label: t.label.clone(),
            threshold: format::number(t.threshold_0_4),
            value: format::value(idx.value_0_4),
            ci: ci.clone(),
            verdict: verdict_view(t.verdict),
            point: point_text(idx.value_0_4, t.threshold_0_4, t.point),
        })
        .collect()
}

//! The campaign report's sections about the responses themselves: how many came in each day,
//! how many are flagged, the breakdowns by respondent group (by their labels in the form's order;
//! small cells suppressed, with the reason) and by desk, the change from the previous campaign, and the responses an assessor
//! excluded (times in the unit's zone).

use super::{BreakdownDef, BreakdownView, CellView, ChangeView, DayCount, DaysSection, ExclusionRow, ExclusionView, KeyValue};
use crate::domain::language::{Localized, Text};
use crate::domain::time_zone::TimeZone;
use crate::pages::chart::DayChart;
use crate::pages::format::{self, DASH};
use crate::pages::report::words::breakdown_name;
use crate::pages::report::{Results, campaign_href};
use crate::views::results::Cell;

/// Shown instead of a count when a cell carries no reason (it always does from the service).
const SUPPRESSED: &str = "disembunyikan";

/// Below this p-value the change is called significant.
const SIGNIFICANCE: f64 = 0.05;

pub(super) fn days(per_day: &[DayCount]) -> DaysSection {
    let total = per_day.iter().map(|d| d.n).sum();
    let label = Localized::new(format!("Respons per hari, total {total}"), "Responses per day");
    DaysSection {
        rows: per_day.iter().map(|d| (format::date(d.date), d.n)).collect(),
        total,
        chart: DayChart::new(&label.both(), per_day),
    }
}

pub(super) fn flags(r: &Results) -> Vec<KeyValue> {
    let flag = |id, en, n: i64| KeyValue {
        label: Text { id, en },
        value: n.to_string(),
    };
    vec![
        flag("Terlalu cepat (speeder)", "Speeders", r.flags.speeder),
        flag("Diarahkan petugas", "Steered by an officer", r.flags.diarahkan),
        flag("Bertanda (salah satu)", "Flagged (either)", r.flags.flagged),
        flag("Dikecualikan asesor", "Excluded by an assessor", r.flags.excluded),
    ]
}

/// The breakdowns in the form's order of questions, each cell by its label in the form's order
/// of choices (a value the form does not list — an old choice, or a dimension the form does not
/// define — follows, as stored).
pub(super) fn breakdowns(r: &Results, defs: &[BreakdownDef]) -> Vec<BreakdownView> {
    let cell = |c: &Cell, label: Option<&Localized>| CellView {
        value: label.map_or_else(|| c.value.clone(), |l| l.id.clone()),
        value_en: label.filter(|l| l.en != l.id).map(|l| l.en.clone()).unwrap_or_default(),
        n: match (c.suppressed, c.n) {
            (true, _) => c
                .reason
                .as_ref()
                .map_or_else(|| SUPPRESSED.to_owned(), |r| format!("{} / {}", r.id, r.en)),
            (false, n) => n.map_or_else(|| DASH.to_owned(), |n| n.to_string()),
        },
        index: if c.suppressed { DASH.to_owned() } else { format::value(c.index) },
        suppressed: c.suppressed,
    };
    let mut out: Vec<BreakdownView> = Vec::new();
    for d in defs {
        let Some(cells) = r.breakdowns.get(&d.id) else { continue };
        let rank = |v: &str| d.choices.iter().position(|(x, _)| x == v).unwrap_or(usize::MAX);
        let mut sorted: Vec<&Cell> = cells.iter().collect();
        sorted.sort_by_key(|c| rank(&c.value));
        let label = |v: &str| d.choices.iter().find(|(x, _)| x == v).map(|(_, l)| l);
        out.push(BreakdownView {
            name: named(&d.id, &d.name),
            cells: sorted.into_iter().map(|c| cell(c, label(&c.value))).collect(),
        });
    }
    for (key, cells) in r.breakdowns.iter().filter(|(k, _)| !defs.iter().any(|d| &d.id == *k)) {
        out.push(BreakdownView {
            name: breakdown_name(key),
            cells: cells.iter().map(|c| cell(c, None)).collect(),
        });
    }
    if !r.desks.is_empty() {
        out.push(BreakdownView {
            name: Localized::new("Loket (tautan terbuka)", "Desk (open link)"),
            cells: r.desks.iter().map(|c| cell(c, None)).collect(),
        });
    }
    out
}

/// A breakdown's short name where the pages have one, else the form's question label.
fn named(id: &str, form_label: &Localized) -> Localized {
    let short = breakdown_name(id);
    if short.en.is_empty() { form_label.clone() } else { short }
}

pub(super) fn change(r: &Results) -> Option<ChangeView> {
    r.change.as_ref().map(|c| ChangeView {
        previous_href: campaign_href(c.previous_campaign_id),
        previous_id: c.previous_campaign_id.to_string(),
        previous_index: format::value(c.previous_index),
        current_index: format::value(r.index.value),
        difference: format::signed(c.difference),
        t: format::value(c.t),
        df: format::value(c.df),
        p: format::p_value(c.p_value),
        significant: c.p_value.map(|p| p < SIGNIFICANCE),
    })
}

pub(super) fn exclusions(rows: &[ExclusionRow], zone: TimeZone) -> Vec<ExclusionView> {
    rows.iter()
        .map(|e| ExclusionView {
            id: e.response_id.to_string(),
            reason: e.reason.clone(),
            at: format::date_time(e.excluded_at, zone),
        })
        .collect()
}

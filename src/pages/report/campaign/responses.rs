//! The campaign report's sections about the responses themselves: how many came in each day,
//! how many are flagged, the breakdowns by respondent group (small cells suppressed), the
//! change from the previous campaign, and the responses an assessor excluded.

use super::{BreakdownView, CellView, ChangeView, DayCount, DaysSection, ExclusionRow, ExclusionView, KeyValue};
use crate::domain::language::{Localized, Text};
use crate::pages::chart::DayChart;
use crate::pages::format::{self, DASH};
use crate::pages::report::words::breakdown_name;
use crate::pages::report::{Results, campaign_href};

/// Shown instead of a count below the suppression limit.
const SUPPRESSED: &str = "< 5 (disembunyikan)";

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

pub(super) fn breakdowns(r: &Results) -> Vec<BreakdownView> {
    r.breakdowns
        .iter()
        .map(|(key, cells)| BreakdownView {
            name: breakdown_name(key),
            cells: cells
                .iter()
                .map(|c| CellView {
                    value: c.value.clone(),
                    n: match (c.suppressed, c.n) {
                        (true, _) => SUPPRESSED.to_owned(),
                        (false, n) => n.map_or_else(|| DASH.to_owned(), |n| n.to_string()),
                    },
                    index: if c.suppressed { DASH.to_owned() } else { format::value(c.index) },
                    suppressed: c.suppressed,
                })
                .collect(),
        })
        .collect()
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

pub(super) fn exclusions(rows: &[ExclusionRow]) -> Vec<ExclusionView> {
    rows.iter()
        .map(|e| ExclusionView {
            id: e.response_id.to_string(),
            reason: e.reason.clone(),
            at: format::date_time(e.excluded_at),
        })
        .collect()
}

//! The per-item section of the campaign report: each item's mean with its CI (table and chart)
//! and how its answers spread over the scale (table, 100 % stacked chart, colour key).

use super::{ItemView, ItemsSection, LegendEntry};
use crate::domain::language::{Localized, Text};
use crate::pages::chart::{DistributionChart, Estimate, HbarChart, scale_colours};
use crate::pages::format;
use crate::pages::report::Results;

const DISTRIBUTION_CHART: Text = Text {
    id: "Sebaran jawaban per butir (100 %)",
    en: "Answer distribution per item",
};

pub(super) fn section(r: &Results, item_labels: &[(String, String)]) -> ItemsSection {
    let m = r.scale_max;
    let counts = item_counts(r);
    let colours = scale_colours(usize::from(m));
    let means: Vec<Estimate> = r
        .items
        .iter()
        .map(|it| Estimate {
            label: it.id.clone(),
            value: it.mean,
            lo: it.ci_low,
            hi: it.ci_high,
            href: None,
        })
        .collect();
    let means_label = Localized::new(
        format!("Rata-rata per butir dengan IK 95 %, skala 1–{m}"),
        "Item means with 95 % CI",
    );
    let distribution: Vec<(String, Vec<u64>)> = r.items.iter().map(|it| it.id.clone()).zip(counts.iter().cloned()).collect();
    ItemsSection {
        rows: rows(r, item_labels, &counts),
        means_chart: HbarChart::new(&means_label.both(), &means, 1.0, f64::from(m.max(2)), &[]),
        distribution_chart: DistributionChart::new(&DISTRIBUTION_CHART.both(), &distribution, &colours),
        legend: colours
            .iter()
            .enumerate()
            .map(|(i, c)| LegendEntry {
                value: i + 1,
                colour: c.fill,
            })
            .collect(),
    }
}

/// Each item's answers per scale value 1..=m (0 where nobody chose a value).
fn item_counts(r: &Results) -> Vec<Vec<u64>> {
    let values: Vec<String> = (1..=r.scale_max).map(|v| v.to_string()).collect();
    r.items
        .iter()
        .map(|it| values.iter().map(|v| it.distribution.get(v).copied().unwrap_or(0)).collect())
        .collect()
}

fn rows(r: &Results, item_labels: &[(String, String)], counts: &[Vec<u64>]) -> Vec<ItemView> {
    let text_of = |id: &str| {
        item_labels
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    };
    let clean_mean = |id: &str| r.without_flagged.items.iter().find(|c| c.id == id).and_then(|c| c.mean);
    r.items
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, (it, counts))| {
            let total: u64 = counts.iter().sum();
            ItemView {
                no: i + 1,
                id: it.id.clone(),
                text: text_of(&it.id),
                n: it.n,
                mean: format::value(it.mean),
                sd: format::value(it.sd),
                ci: format::interval(it.ci_low, it.ci_high),
                clean_mean: format::value(clean_mean(&it.id)),
                counts: counts.iter().map(|&c| (c, format::percent(c, total))).collect(),
            }
        })
        .collect()
}

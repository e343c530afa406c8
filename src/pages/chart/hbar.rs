//! Horizontal bars of estimates with their 95 % confidence intervals: one row per item or per
//! campaign, bars from the scale's minimum to the value, the interval as a whisker, whole-number
//! ticks, and dashed reference lines (thresholds) labelled above the plot.

use askama::Template;

use super::{Frame, Label, Rect, px};
use crate::domain::language::Text;
use crate::pages::format;

const WIDTH: f64 = 720.0;
/// Left edge of the plot; row labels end just before it.
const LEFT: f64 = 170.0;
/// Right edge of the plot; the values are written after it.
const RIGHT: f64 = 640.0;
const ROW: f64 = 24.0;
/// Room above the plot for the reference lines' labels.
const TOP: f64 = 22.0;
/// Room below the plot for the tick labels.
const FOOT: f64 = 24.0;
/// Characters of a row label before it is cut (the full label is in the row's title).
const LABEL_CHARS: usize = 26;

const CI_95: Text = Text {
    id: "IK 95 %",
    en: "95 % CI",
};

/// One estimate to draw: a value and its 95 % CI, optionally linked.
pub(crate) struct Estimate {
    pub label: String,
    pub value: Option<f64>,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
    pub href: Option<String>,
}

/// A grid line at a whole number of the scale, with its label below the plot.
#[derive(Debug)]
struct Tick {
    x: f64,
    label: Label,
}

/// A dashed reference line (e.g. a threshold) with its label above the plot.
#[derive(Debug)]
struct Reference {
    x: f64,
    label: Label,
}

/// The interval as a whisker: a horizontal line from `low` to `high` with end caps.
#[derive(Debug, PartialEq)]
struct Whisker {
    low: f64,
    high: f64,
    y: f64,
    cap_top: f64,
    cap_bottom: f64,
}

#[derive(Debug)]
struct Row {
    href: Option<String>,
    /// The full text of the row, for the bar's tooltip and screen readers.
    title: String,
    label: Label,
    bar: Option<Rect>,
    whisker: Option<Whisker>,
    value: Label,
}

/// The chart's geometry; `templates/chart/hbar.svg` draws it.
#[derive(Debug, Template)]
#[template(path = "chart/hbar.svg", whitespace = "minimize")]
pub(crate) struct HbarChart {
    frame: Frame,
    /// Top and bottom of the plot.
    top: f64,
    bottom: f64,
    reference_top: f64,
    ticks: Vec<Tick>,
    references: Vec<Reference>,
    rows: Vec<Row>,
}

/// Maps a value of the scale `[min, max]` onto `[LEFT, RIGHT]`, clamping outside values.
struct Axis {
    min: f64,
    max: f64,
}

impl Axis {
    fn x(&self, v: f64) -> f64 {
        let span = (self.max - self.min).max(f64::EPSILON);
        LEFT + (v.clamp(self.min, self.max) - self.min) / span * (RIGHT - LEFT)
    }
}

impl HbarChart {
    /// Bars on the scale `[min, max]`, with a dashed line at each of `references`.
    pub(crate) fn new(label: &str, rows: &[Estimate], min: f64, max: f64, references: &[f64]) -> HbarChart {
        let axis = Axis { min, max };
        let bottom = TOP + ROW * rows.len() as f64;
        HbarChart {
            frame: Frame {
                width: WIDTH,
                height: bottom + FOOT,
                label: label.to_owned(),
            },
            top: TOP,
            bottom,
            reference_top: TOP - 8.0,
            ticks: ticks(&axis, bottom),
            references: references
                .iter()
                .map(|&v| Reference {
                    x: px(axis.x(v)),
                    label: Label::new(axis.x(v), TOP - 10.0, format::number(v)),
                })
                .collect(),
            rows: rows.iter().enumerate().map(|(i, r)| row(&axis, i, r)).collect(),
        }
    }
}

/// A tick at every whole number of the scale.
fn ticks(axis: &Axis, bottom: f64) -> Vec<Tick> {
    let mut ticks = Vec::new();
    let mut t = axis.min.ceil();
    while t <= axis.max + 1e-9 {
        ticks.push(Tick {
            x: px(axis.x(t)),
            label: Label::new(axis.x(t), bottom + 15.0, format::whole(t)),
        });
        t += 1.0;
    }
    ticks
}

fn row(axis: &Axis, i: usize, r: &Estimate) -> Row {
    let y = TOP + ROW * i as f64;
    let mid = y + ROW / 2.0;
    let value = format::value(r.value);
    Row {
        href: r.href.clone(),
        title: format!("{}: {value} ({} {})", r.label, CI_95.both(), format::interval(r.lo, r.hi)),
        label: Label::new(LEFT - 6.0, mid + 4.0, format::truncate(&r.label, LABEL_CHARS)),
        bar: r.value.map(|v| Rect::new(LEFT, y + 5.0, (axis.x(v) - LEFT).max(0.5), ROW - 10.0)),
        whisker: r.lo.zip(r.hi).map(|(lo, hi)| Whisker {
            low: px(axis.x(lo)),
            high: px(axis.x(hi)),
            y: px(mid),
            cap_top: px(mid - 5.0),
            cap_bottom: px(mid + 5.0),
        }),
        value: Label::new(RIGHT + 8.0, mid + 4.0, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(value: f64, lo: f64, hi: f64) -> Estimate {
        Estimate {
            label: "waktu".to_owned(),
            value: Some(value),
            lo: Some(lo),
            hi: Some(hi),
            href: None,
        }
    }

    #[test]
    fn a_value_at_the_maximum_fills_the_plot() {
        let chart = HbarChart::new("c", &[estimate(4.0, 3.5, 4.0), estimate(1.0, 1.0, 1.5)], 1.0, 4.0, &[]);
        let full = chart.rows[0].bar.unwrap();
        assert_eq!((full.x, full.width), (LEFT, RIGHT - LEFT));
        assert_eq!(chart.rows[0].whisker.as_ref().unwrap().high, RIGHT);
        // At the minimum a bar keeps a sliver, so it is still seen.
        assert_eq!(chart.rows[1].bar.unwrap().width, 0.5);
        assert_eq!(chart.rows[1].whisker.as_ref().unwrap().low, LEFT);
        // Rows stack down from the top, each its own band.
        assert_eq!(chart.rows[1].bar.unwrap().y - chart.rows[0].bar.unwrap().y, ROW);
        assert_eq!(chart.frame.height, TOP + 2.0 * ROW + FOOT);
    }

    #[test]
    fn values_off_the_scale_are_clamped() {
        let chart = HbarChart::new("c", &[estimate(9.0, -3.0, 9.0)], 0.0, 4.0, &[]);
        assert_eq!(chart.rows[0].bar.unwrap().width, RIGHT - LEFT);
        let w = chart.rows[0].whisker.as_ref().unwrap();
        assert_eq!((w.low, w.high), (LEFT, RIGHT));
    }

    #[test]
    fn reference_lines_sit_at_their_thresholds() {
        let chart = HbarChart::new("c", &[estimate(3.0, 2.8, 3.2)], 0.0, 4.0, &[3.2, 3.6]);
        let xs: Vec<f64> = chart.references.iter().map(|r| r.x).collect();
        assert_eq!(xs, [px(LEFT + 0.8 * (RIGHT - LEFT)), px(LEFT + 0.9 * (RIGHT - LEFT))]);
        let labels: Vec<&str> = chart.references.iter().map(|r| r.label.text.as_str()).collect();
        assert_eq!(labels, ["3.20", "3.60"]);
        // The same x as a bar ending at the threshold.
        let at = HbarChart::new("c", &[estimate(3.2, 3.2, 3.2)], 0.0, 4.0, &[3.2]);
        let bar = at.rows[0].bar.unwrap();
        assert_eq!(px(bar.x + bar.width), at.references[0].x);
    }

    #[test]
    fn ticks_at_whole_numbers_and_rows_described() {
        let chart = HbarChart::new("c", &[estimate(3.04, 2.9, 3.18)], 1.0, 4.0, &[]);
        let ticks: Vec<&str> = chart.ticks.iter().map(|t| t.label.text.as_str()).collect();
        assert_eq!(ticks, ["1", "2", "3", "4"]);
        assert_eq!(chart.ticks[0].x, LEFT);
        assert_eq!(chart.ticks[3].x, RIGHT);
        let row = &chart.rows[0];
        assert_eq!(row.title, "waktu: 3.04 (IK 95 % / 95 % CI 2.90 – 3.18)");
        assert_eq!(row.value.text, "3.04");
        let long = Estimate {
            label: "x".repeat(40),
            value: None,
            lo: None,
            hi: None,
            href: None,
        };
        let chart = HbarChart::new("c", &[long], 1.0, 4.0, &[]);
        assert_eq!(chart.rows[0].label.text.chars().count(), LABEL_CHARS);
        assert!(chart.rows[0].bar.is_none() && chart.rows[0].whisker.is_none());
        assert_eq!(chart.rows[0].value.text, "—");
    }
}

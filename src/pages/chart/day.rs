//! Responses per day: a vertical bar per day with data, scaled to the busiest day, the first
//! and last dates written under the axis.

use askama::Template;

use super::{Frame, Label, Rect};
use crate::pages::format;
use crate::pages::report::DayCount;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 710.0;
const TOP: f64 = 12.0;
/// The axis line: a bar of 0 responses has no height here.
const BOTTOM: f64 = 130.0;
/// Share of a day's slot its bar takes.
const BAR_SHARE: f64 = 0.8;

#[derive(Debug)]
struct DayBar {
    rect: Rect,
    /// "2025-05-01: 3".
    title: String,
}

/// The chart's geometry; `templates/chart/day.svg` draws it.
#[derive(Debug, Template)]
#[template(path = "chart/day.svg", whitespace = "minimize")]
pub(crate) struct DayChart {
    frame: Frame,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    /// The busiest day's count at the top of the axis, 0 at its foot.
    max_label: Label,
    zero_label: Label,
    bars: Vec<DayBar>,
    first_date: Option<Label>,
    /// Only when there is more than one day.
    last_date: Option<Label>,
}

impl DayChart {
    pub(crate) fn new(label: &str, days: &[DayCount]) -> DayChart {
        let max = days.iter().map(|d| d.n).max().unwrap_or(0).max(1);
        let slot = (RIGHT - LEFT) / days.len().max(1) as f64;
        let width = (slot * BAR_SHARE).max(1.0);
        let bars = days
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let height = d.n as f64 / max as f64 * (BOTTOM - TOP);
                DayBar {
                    rect: Rect::new(LEFT + slot * i as f64 + (slot - width) / 2.0, BOTTOM - height, width, height),
                    title: format!("{}: {}", format::date(d.date), d.n),
                }
            })
            .collect();
        let date_y = BOTTOM + 18.0;
        DayChart {
            frame: Frame {
                width: WIDTH,
                height: HEIGHT,
                label: label.to_owned(),
            },
            left: LEFT,
            right: RIGHT,
            top: TOP,
            bottom: BOTTOM,
            max_label: Label::new(LEFT - 4.0, TOP + 4.0, max.to_string()),
            zero_label: Label::new(LEFT - 4.0, BOTTOM, "0"),
            bars,
            first_date: days.first().map(|d| Label::new(LEFT, date_y, format::date(d.date))),
            last_date: days
                .last()
                .filter(|_| days.len() > 1)
                .map(|d| Label::new(RIGHT, date_y, format::date(d.date))),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn day(d: u32, n: u64) -> DayCount {
        DayCount {
            date: NaiveDate::from_ymd_opt(2025, 5, d).unwrap(),
            n,
        }
    }

    #[test]
    fn the_busiest_day_reaches_the_top() {
        let chart = DayChart::new("d", &[day(1, 2), day(2, 4), day(3, 0)]);
        let heights: Vec<f64> = chart.bars.iter().map(|b| b.rect.height).collect();
        assert_eq!(heights, [59.0, BOTTOM - TOP, 0.0]);
        assert_eq!(chart.bars[1].rect.y, TOP);
        assert!(
            chart.bars.iter().all(|b| b.rect.y + b.rect.height == BOTTOM),
            "bars stand on the axis"
        );
        // Three equal slots across the plot, each bar centred in its slot.
        let slot = (RIGHT - LEFT) / 3.0;
        assert_eq!(chart.bars[0].rect.width, super::super::px(slot * BAR_SHARE));
        assert_eq!(chart.bars[0].rect.x, super::super::px(LEFT + slot * 0.1));
        assert_eq!(chart.max_label.text, "4");
        assert_eq!(chart.bars[1].title, "2025-05-02: 4");
        assert_eq!(chart.first_date.as_ref().unwrap().text, "2025-05-01");
        assert_eq!(chart.last_date.as_ref().unwrap().text, "2025-05-03");
    }

    #[test]
    fn one_day_or_none() {
        let one = DayChart::new("d", &[day(7, 3)]);
        assert!(one.first_date.is_some() && one.last_date.is_none());
        let none = DayChart::new("d", &[]);
        assert!(none.bars.is_empty() && none.first_date.is_none());
        assert_eq!(none.max_label.text, "1");
    }
}

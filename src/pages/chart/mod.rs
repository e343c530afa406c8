//! Inline SVG charts for the report pages. The geometry (bars, ticks, reference lines, labels,
//! colours) is computed here into plain structs, and askama templates (`templates/chart/*.svg`,
//! HTML auto-escaping on) write the markup, so every label a unit, a campaign or a form supplies
//! is escaped like any other page text. Each chart is an accessible image (`role="img"`, an
//! `aria-label` and a `<title>`, and a `<title>` per bar); the pages give the same numbers in a
//! table beside it.

mod day;
mod distribution;
mod hbar;
mod progress;

pub(crate) use day::DayChart;
pub(crate) use distribution::{DistributionChart, scale_colours};
pub(crate) use hbar::{Estimate, HbarChart};
pub(crate) use progress::ProgressChart;

/// A chart's box and its accessible name.
#[derive(Debug)]
struct Frame {
    width: f64,
    height: f64,
    label: String,
}

/// A rectangle in chart pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

impl Rect {
    fn new(x: f64, y: f64, width: f64, height: f64) -> Rect {
        Rect {
            x: px(x),
            y: px(y),
            width: px(width),
            height: px(height),
        }
    }
}

/// A text placed at a point (its anchor is the template's).
#[derive(Debug, Clone, PartialEq)]
struct Label {
    x: f64,
    y: f64,
    text: String,
}

impl Label {
    fn new(x: f64, y: f64, text: impl Into<String>) -> Label {
        Label {
            x: px(x),
            y: px(y),
            text: text.into(),
        }
    }
}

/// Coordinates to a tenth of a pixel: the markup stays short and the drawing the same.
fn px(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A chart is an askama template whose output is already escaped markup, so a page template
/// inserts it as it is (`{{ chart }}`), without `|safe`.
macro_rules! rendered_markup {
    ($($chart:ty),*) => {
        $(impl askama::filters::HtmlSafe for $chart {})*
    };
}

rendered_markup!(DayChart, DistributionChart, HbarChart, ProgressChart);

#[cfg(test)]
mod tests {
    use askama::Template;
    use chrono::NaiveDate;

    use super::*;
    use crate::pages::report::DayCount;

    const HOSTILE: &str = "<script>alert(\"x\" & 'y')</script>";

    /// No hostile text comes out as markup, and it does come out escaped.
    fn assert_escaped(svg: &str) {
        assert!(!svg.contains("<script"), "{svg}");
        assert!(!svg.contains("\"x\""), "quotes escaped: {svg}");
        assert!(svg.contains("&#60;script&#62;"), "{svg}");
        assert!(svg.contains("&#38;"), "ampersand escaped: {svg}");
    }

    fn assert_accessible(svg: &str) {
        assert!(svg.starts_with("<svg class=\"chart\""), "{svg}");
        assert!(svg.contains("role=\"img\" aria-label=\""), "{svg}");
        assert!(svg.contains("<title>"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    }

    #[test]
    fn hostile_labels_come_out_escaped() {
        let rows = [Estimate {
            label: HOSTILE.to_owned(),
            value: Some(3.0),
            lo: Some(2.5),
            hi: Some(3.5),
            href: Some(format!("/x?a=1&b={HOSTILE}")),
        }];
        let hbar = HbarChart::new(HOSTILE, &rows, 1.0, 4.0, &[3.6]).render().unwrap();
        assert_accessible(&hbar);
        assert_escaped(&hbar);
        assert!(hbar.contains("href=\"/x?a=1&#38;b=&#60;script"), "{hbar}");

        let dist = DistributionChart::new(HOSTILE, &[(HOSTILE.to_owned(), vec![1, 2, 3, 4])], &scale_colours(4))
            .render()
            .unwrap();
        assert_accessible(&dist);
        assert_escaped(&dist);

        let days = [DayCount {
            date: NaiveDate::from_ymd_opt(2025, 5, 1).unwrap(),
            n: 3,
        }];
        let day = DayChart::new(HOSTILE, &days).render().unwrap();
        assert_accessible(&day);
        assert_escaped(&day);

        let progress = ProgressChart::new(3, 10).render().unwrap();
        assert_accessible(&progress);
    }

    #[test]
    fn coordinates_are_kept_to_a_tenth_of_a_pixel() {
        assert_eq!(px(183.333_333), 183.3);
        assert_eq!(Rect::new(1.0, 2.25, 3.0, 4.0).y, 2.3);
        assert_eq!(Label::new(0.04, 0.0, "a").x, 0.0);
    }
}

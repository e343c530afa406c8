//! The answer distribution: one 100 % stacked bar per item, a colour per scale value from red
//! (lowest) to blue (highest), the count written inside every segment wide enough to hold it.

use askama::Template;

use super::{Frame, Label, Rect};
use crate::domain::language::Text;
use crate::pages::format;

const WIDTH: f64 = 720.0;
const LEFT: f64 = 170.0;
const RIGHT: f64 = 700.0;
const ROW: f64 = 26.0;
/// Space above the first row.
const TOP: f64 = 4.0;
/// A segment narrower than this has no room for its count.
const MIN_COUNT_WIDTH: f64 = 22.0;
const LABEL_CHARS: usize = 26;

const NO_ANSWERS: Text = Text {
    id: "belum ada jawaban",
    en: "no answers",
};

/// A scale value's colour and the ink that reads on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Swatch {
    pub fill: &'static str,
    pub ink: &'static str,
}

const fn swatch(fill: &'static str, ink: &'static str) -> Swatch {
    Swatch { fill, ink }
}

/// The 4-point scale's own colours.
const FOUR: [Swatch; 4] = [
    swatch("#b91c1c", "#fff"),
    swatch("#f59e0b", "#111"),
    swatch("#93c5fd", "#111"),
    swatch("#1e40af", "#fff"),
];

/// Other scales pick evenly from this ramp.
const RAMP: [Swatch; 10] = [
    swatch("#7f1d1d", "#fff"),
    swatch("#b91c1c", "#fff"),
    swatch("#ea580c", "#fff"),
    swatch("#f59e0b", "#111"),
    swatch("#fde68a", "#111"),
    swatch("#d1d5db", "#111"),
    swatch("#bfdbfe", "#111"),
    swatch("#60a5fa", "#111"),
    swatch("#1d4ed8", "#fff"),
    swatch("#1e3a8a", "#fff"),
];

/// For a value the colours do not cover.
const GREY: Swatch = swatch("#9ca3af", "#111");

/// One colour per value of a 1..=`m` scale, red (1) to blue (`m`).
pub(crate) fn scale_colours(m: usize) -> Vec<Swatch> {
    if m == 4 {
        return FOUR.to_vec();
    }
    (0..m)
        .map(|i| {
            let at = if m <= 1 { 0 } else { i * (RAMP.len() - 1) / (m - 1) };
            RAMP[at.min(RAMP.len() - 1)]
        })
        .collect()
}

#[derive(Debug)]
struct Segment {
    rect: Rect,
    colour: Swatch,
    count: Option<Label>,
}

#[derive(Debug)]
struct Row {
    /// "item — 1: 3, 2: 5, …", for the row's tooltip and screen readers.
    title: String,
    label: Label,
    segments: Vec<Segment>,
    /// An item nobody answered: a grey band with this note instead of segments.
    empty: Option<(Rect, Label)>,
}

/// The chart's geometry; `templates/chart/distribution.svg` draws it.
#[derive(Debug, Template)]
#[template(path = "chart/distribution.svg", whitespace = "minimize")]
pub(crate) struct DistributionChart {
    frame: Frame,
    rows: Vec<Row>,
}

impl DistributionChart {
    /// `rows` are (item, answers per scale value starting at 1).
    pub(crate) fn new(label: &str, rows: &[(String, Vec<u64>)], colours: &[Swatch]) -> DistributionChart {
        DistributionChart {
            frame: Frame {
                width: WIDTH,
                height: ROW * rows.len() as f64 + 2.0 * TOP,
                label: label.to_owned(),
            },
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (name, counts))| row(i, name, counts, colours))
                .collect(),
        }
    }
}

fn row(i: usize, name: &str, counts: &[u64], colours: &[Swatch]) -> Row {
    let y = TOP + ROW * i as f64;
    let text_y = y + ROW / 2.0 + 4.0;
    let desc: Vec<String> = counts.iter().enumerate().map(|(v, c)| format!("{}: {c}", v + 1)).collect();
    let total: u64 = counts.iter().sum();
    let band = |x: f64, width: f64| Rect::new(x, y + 3.0, width, ROW - 6.0);
    let mut segments = Vec::new();
    let mut x = LEFT;
    for (v, &c) in counts.iter().enumerate().filter(|&(_, &c)| c > 0) {
        let width = c as f64 / total as f64 * (RIGHT - LEFT);
        segments.push(Segment {
            rect: band(x, width),
            colour: colours.get(v).copied().unwrap_or(GREY),
            count: (width >= MIN_COUNT_WIDTH).then(|| Label::new(x + width / 2.0, text_y, c.to_string())),
        });
        x += width;
    }
    Row {
        title: format!("{name} — {}", desc.join(", ")),
        label: Label::new(LEFT - 6.0, text_y, format::truncate(name, LABEL_CHARS)),
        segments,
        empty: (total == 0).then(|| (band(LEFT, RIGHT - LEFT), Label::new(LEFT + 6.0, text_y, NO_ANSWERS.both()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_share_the_width_by_count() {
        let chart = DistributionChart::new("d", &[("waktu".to_owned(), vec![1, 0, 2, 1])], &scale_colours(4));
        let segs = &chart.rows[0].segments;
        assert_eq!(segs.len(), 3, "no segment for an empty value");
        let widths: Vec<f64> = segs.iter().map(|s| s.rect.width).collect();
        assert_eq!(widths, [132.5, 265.0, 132.5]);
        assert_eq!(segs[0].rect.x, LEFT);
        assert_eq!(segs[2].rect.x + segs[2].rect.width, RIGHT);
        // Value 3 is the third colour even though value 2 drew nothing.
        assert_eq!(segs[1].colour, FOUR[2]);
        assert_eq!(segs[1].count.as_ref().unwrap().text, "2");
        assert_eq!(chart.rows[0].title, "waktu — 1: 1, 2: 0, 3: 2, 4: 1");
        assert!(chart.rows[0].empty.is_none());
    }

    #[test]
    fn narrow_segments_have_no_count_and_empty_rows_say_so() {
        let chart = DistributionChart::new(
            "d",
            &[("a".to_owned(), vec![1, 99]), ("b".to_owned(), vec![0, 0])],
            &scale_colours(2),
        );
        assert!(chart.rows[0].segments[0].count.is_none());
        assert!(chart.rows[0].segments[1].count.is_some());
        let (band, note) = chart.rows[1].empty.as_ref().unwrap();
        assert_eq!(band.width, RIGHT - LEFT);
        assert_eq!(note.text, "belum ada jawaban / no answers");
        assert!(chart.rows[1].segments.is_empty());
        assert_eq!(chart.frame.height, 2.0 * ROW + 8.0);
    }

    #[test]
    fn colours_run_from_red_to_blue() {
        assert_eq!(scale_colours(4), FOUR);
        assert_eq!(scale_colours(5).len(), 5);
        assert_eq!(scale_colours(5)[0], RAMP[0]);
        assert_eq!(scale_colours(5)[4], RAMP[9]);
        assert_eq!(scale_colours(10), RAMP);
        assert_eq!(scale_colours(1), [RAMP[0]]);
    }
}

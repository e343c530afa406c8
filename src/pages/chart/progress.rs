//! Responses so far against the required sample: a bar that fills up, amber until the sample
//! is reached and green from then on.

use askama::Template;

use super::{Frame, Rect};
use crate::domain::language::Localized;
use crate::pages::format;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 34.0;
const REACHED: &str = "#059669";
const SHORT: &str = "#f59e0b";

/// The chart's geometry; `templates/chart/progress.svg` draws it.
#[derive(Debug, Template)]
#[template(path = "chart/progress.svg", whitespace = "minimize")]
pub(crate) struct ProgressChart {
    frame: Frame,
    track: Rect,
    done: Rect,
    fill: &'static str,
    /// "40 / 152 (26 %)".
    text: String,
}

impl ProgressChart {
    pub(crate) fn new(n: u64, required: u64) -> ProgressChart {
        let share = if required == 0 {
            1.0
        } else {
            (n as f64 / required as f64).min(1.0)
        };
        let label = Localized::new(
            format!("{n} dari {required} responden yang dibutuhkan"),
            format!("{n} of {required} required respondents"),
        );
        let track = Rect::new(1.0, 5.0, WIDTH - 2.0, 24.0);
        ProgressChart {
            frame: Frame {
                width: WIDTH,
                height: HEIGHT,
                label: label.both(),
            },
            track,
            done: Rect::new(track.x, track.y, track.width * share, track.height),
            fill: if n >= required { REACHED } else { SHORT },
            text: format!("{n} / {required} ({})", format::percent(n, required)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_by_share_and_turns_green_when_reached() {
        let half = ProgressChart::new(76, 152);
        assert_eq!(half.done.width, half.track.width / 2.0);
        assert_eq!(half.fill, SHORT);
        assert_eq!(half.text, "76 / 152 (50 %)");
        assert_eq!(
            half.frame.label,
            "76 dari 152 responden yang dibutuhkan / 76 of 152 required respondents"
        );
        let over = ProgressChart::new(200, 152);
        assert_eq!(over.done.width, over.track.width, "never past the end");
        assert_eq!(over.fill, REACHED);
        let none_needed = ProgressChart::new(0, 0);
        assert_eq!(none_needed.done.width, none_needed.track.width);
        assert_eq!(none_needed.text, "0 / 0 (—)");
    }
}

//! How pages write numbers and dates: the one place that decides the dash for "no value",
//! percentages and timestamps. Every number goes through [`domain::numbers::fixed`], the rounding
//! the SKM category uses too, so a value printed beside a category is the value it was judged on;
//! every time is written in the unit's own zone, with the zone's name.
//!
//! Pages round for reading only; the JSON API carries the unrounded numbers.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::numbers::fixed;
use crate::domain::time_zone::TimeZone;

/// Shown where a number or date is absent.
pub(crate) const DASH: &str = "—";

/// Decimals of every displayed statistic.
const DECIMALS: u32 = 2;

/// A statistic rounded to [`DECIMALS`] (half away from zero, as the SKM table rounds), "—" when
/// absent or not finite. Never "-0.00".
pub(crate) fn value(x: Option<f64>) -> String {
    x.and_then(|v| fixed(v, DECIMALS)).unwrap_or_else(|| DASH.to_owned())
}

/// A statistic that is always present.
pub(crate) fn number(v: f64) -> String {
    value(Some(v))
}

/// A signed difference, e.g. "+0.12" (no sign when it rounds to zero).
pub(crate) fn signed(v: f64) -> String {
    let s = number(v);
    if v > 0.0 && s.bytes().any(|b| matches!(b, b'1'..=b'9')) {
        format!("+{s}")
    } else {
        s
    }
}

/// A confidence interval as "2.88 – 3.18", "—" when either bound is absent.
pub(crate) fn interval(lo: Option<f64>, hi: Option<f64>) -> String {
    match (lo, hi) {
        (Some(l), Some(h)) => format!("{} – {}", number(l), number(h)),
        _ => DASH.to_owned(),
    }
}

/// A p-value to 3 decimals, "< 0.001" below that.
pub(crate) fn p_value(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "< 0.001".to_owned(),
        Some(p) => fixed(p, 3).unwrap_or_else(|| DASH.to_owned()),
        None => DASH.to_owned(),
    }
}

/// `part` as a whole percentage of `whole`, e.g. "42 %"; "—" when `whole` is 0.
pub(crate) fn percent(part: u64, whole: u64) -> String {
    match fixed(part as f64 * 100.0 / whole as f64, 0) {
        Some(p) if whole > 0 => format!("{p} %"),
        _ => DASH.to_owned(),
    }
}

/// A whole number written from a float, e.g. a chart tick "3".
pub(crate) fn whole(v: f64) -> String {
    fixed(v, 0).unwrap_or_else(|| DASH.to_owned())
}

/// A calendar date, "2025-05-01".
pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The dates from `first` to `last`: one date when they are the same day, "—" when absent.
pub(crate) fn date_span(first: Option<NaiveDate>, last: Option<NaiveDate>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a == b => date(a),
        (Some(a), Some(b)) => format!("{} – {}", date(a), date(b)),
        _ => DASH.to_owned(),
    }
}

/// A moment to the minute on the unit's clock, with the zone's name: "2025-06-01 17:22 WIB".
pub(crate) fn date_time(t: DateTime<Utc>, zone: TimeZone) -> String {
    format!("{} {zone}", zone.local(t).format("%Y-%m-%d %H:%M"))
}

/// [`date_time`], "—" when absent.
pub(crate) fn opt_date_time(t: Option<DateTime<Utc>>, zone: TimeZone) -> String {
    t.map(|t| date_time(t, zone)).unwrap_or_else(|| DASH.to_owned())
}

/// `s` cut to `max` characters, the last one an ellipsis when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn statistics_round_to_two_decimals() {
        assert_eq!(value(Some(3.0349)), "3.03");
        assert_eq!(value(Some(3.035_001)), "3.04");
        // 88.305 is 88.30499… in binary; the SKM table's rounding (and the category) says 88.31.
        assert_eq!(value(Some(88.305)), "88.31");
        assert_eq!(value(Some(3.035)), "3.04");
        assert_eq!(value(Some(-0.001)), "0.00");
        assert_eq!(value(Some(-0.5)), "-0.50");
        assert_eq!(value(None), "—");
        assert_eq!(value(Some(f64::NAN)), "—");
        assert_eq!(value(Some(f64::INFINITY)), "—");
        assert_eq!(number(40.0), "40.00");
        assert_eq!(signed(0.1234), "+0.12");
        assert_eq!(signed(-0.1234), "-0.12");
        assert_eq!(signed(0.001), "0.00");
        assert_eq!(signed(-0.001), "0.00");
        assert_eq!(interval(Some(2.881), Some(3.177)), "2.88 – 3.18");
        assert_eq!(interval(Some(2.881), None), "—");
    }

    #[test]
    fn p_values_percentages_and_ticks() {
        assert_eq!(p_value(Some(0.0004)), "< 0.001");
        assert_eq!(p_value(Some(0.0391)), "0.039");
        assert_eq!(p_value(None), "—");
        assert_eq!(percent(1, 3), "33 %");
        assert_eq!(percent(2, 3), "67 %");
        assert_eq!(percent(0, 0), "—");
        assert_eq!(whole(3.0), "3");
    }

    #[test]
    fn dates_and_text() {
        let d = |day| NaiveDate::from_ymd_opt(2025, 5, day);
        assert_eq!(date_span(d(1), d(12)), "2025-05-01 – 2025-05-12");
        assert_eq!(date_span(d(3), d(3)), "2025-05-03");
        assert_eq!(date_span(None, None), "—");
        let t = Utc.with_ymd_and_hms(2025, 6, 1, 10, 22, 59).unwrap();
        assert_eq!(date_time(t, TimeZone::Wib), "2025-06-01 17:22 WIB");
        assert_eq!(date_time(t, TimeZone::Wita), "2025-06-01 18:22 WITA");
        let late = Utc.with_ymd_and_hms(2025, 12, 31, 16, 30, 0).unwrap();
        assert_eq!(date_time(late, TimeZone::Wib), "2025-12-31 23:30 WIB");
        assert_eq!(date_time(late, TimeZone::Wit), "2026-01-01 01:30 WIT");
        assert_eq!(opt_date_time(None, TimeZone::Wib), "—");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
    }
}

//! A unit's time zone: Indonesia keeps three, each a fixed offset with no daylight saving —
//! WIB (Waktu Indonesia Barat, UTC+7), WITA (Tengah, UTC+8) and WIT (Timur, UTC+9).
//!
//! A unit's zone decides the date a response is recorded under, the year a campaign counts for
//! and every time its reports show. The instants themselves stay in UTC in the database; only
//! what a person reads, and the calendar date and year derived from an instant, depend on the
//! zone. Fixed offsets, not `chrono-tz`: the three zones have not changed since 1988 and observe
//! no DST, so a table of three offsets is the whole truth and needs no time-zone database.

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One of Indonesia's three time zones. The API and the database spell them `WIB`, `WITA`, `WIT`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum TimeZone {
    /// Waktu Indonesia Barat, UTC+7 (Sumatra, Java, West and Central Kalimantan).
    #[default]
    #[serde(rename = "WIB")]
    Wib,
    /// Waktu Indonesia Tengah, UTC+8 (Bali, Nusa Tenggara, South/East/North Kalimantan, Sulawesi).
    #[serde(rename = "WITA")]
    Wita,
    /// Waktu Indonesia Timur, UTC+9 (Maluku, Papua).
    #[serde(rename = "WIT")]
    Wit,
}

impl TimeZone {
    pub const ALL: [TimeZone; 3] = [TimeZone::Wib, TimeZone::Wita, TimeZone::Wit];

    /// `WIB`, `WITA` or `WIT`, as stored and shown.
    pub fn as_str(&self) -> &'static str {
        match self {
            TimeZone::Wib => "WIB",
            TimeZone::Wita => "WITA",
            TimeZone::Wit => "WIT",
        }
    }

    /// Parses the exact name (`WIB`, `WITA`, `WIT`; upper case, as stored).
    pub fn parse(s: &str) -> Option<TimeZone> {
        TimeZone::ALL.into_iter().find(|z| z.as_str() == s)
    }

    /// Hours east of UTC.
    pub fn hours(&self) -> i32 {
        match self {
            TimeZone::Wib => 7,
            TimeZone::Wita => 8,
            TimeZone::Wit => 9,
        }
    }

    pub fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.hours() * 3600).expect("7, 8 and 9 hours are valid offsets")
    }

    /// The instant on the unit's wall clock.
    pub fn local(&self, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
        instant.with_timezone(&self.offset())
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The calendar date of `instant` in the unit's zone: the date a response is recorded under.
pub fn local_date(zone: TimeZone, instant: DateTime<Utc>) -> NaiveDate {
    zone.local(instant).date_naive()
}

/// The calendar year of `instant` in the unit's zone: the year a campaign that ended then counts for.
pub fn local_year(zone: TimeZone, instant: DateTime<Utc>) -> i32 {
    local_date(zone, instant).year()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone as _, Timelike};
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn names_offsets_and_the_new_year() {
        for z in TimeZone::ALL {
            assert_eq!(TimeZone::parse(z.as_str()), Some(z));
            assert_eq!(serde_json::to_string(&z).unwrap(), format!("\"{z}\""));
        }
        assert_eq!(TimeZone::parse("wib"), None);
        assert_eq!(TimeZone::parse("UTC"), None);
        assert_eq!(TimeZone::default(), TimeZone::Wib);
        // 31 December 2025, 16:30 UTC: 23:30 in Jakarta, 00:30 on 1 January in Makassar, 01:30 in Jayapura.
        let t = Utc.with_ymd_and_hms(2025, 12, 31, 16, 30, 0).unwrap();
        assert_eq!(local_date(TimeZone::Wib, t).to_string(), "2025-12-31");
        assert_eq!(local_date(TimeZone::Wita, t).to_string(), "2026-01-01");
        assert_eq!(local_date(TimeZone::Wit, t).to_string(), "2026-01-01");
        assert_eq!(local_year(TimeZone::Wib, t), 2025);
        assert_eq!(local_year(TimeZone::Wita, t), 2026);
        assert_eq!(TimeZone::Wit.local(t).hour(), 1);
        // 16:59:59 UTC is still the same day in WIB; 17:00 is the next.
        let d = Utc.with_ymd_and_hms(2026, 11, 24, 16, 59, 59).unwrap();
        assert_eq!(local_date(TimeZone::Wib, d).to_string(), "2026-11-24");
        assert_eq!(local_date(TimeZone::Wib, d + Duration::seconds(1)).to_string(), "2026-11-25");
    }

    proptest! {
        /// Each zone's date is UTC's date of the instant moved by its offset, and the zones are
        /// ordered: a zone further east is never on an earlier date.
        #[test]
        fn dates_follow_the_fixed_offsets(secs in 0i64..4_102_444_800) {
            let t = DateTime::<Utc>::from_timestamp(secs, 0).unwrap();
            for z in TimeZone::ALL {
                let moved = t + Duration::hours(i64::from(z.hours()));
                prop_assert_eq!(local_date(z, t), moved.date_naive());
            }
            prop_assert!(local_date(TimeZone::Wib, t) <= local_date(TimeZone::Wita, t));
            prop_assert!(local_date(TimeZone::Wita, t) <= local_date(TimeZone::Wit, t));
        }
    }
}

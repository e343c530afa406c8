//! The evaluation record: what an assessor enters for a unit and a year (the rule set, the TLHP
//! percentage, the kinerja grade, optionally the campaigns that count, whether to pool the year's
//! campaigns, and a note), and [`decide_rule`], the one place that decides which rule set a
//! hasil is evaluated under.
//!
//! The record is the stored truth the unit's hasil and the national table read; query parameters
//! on a hasil request only ask "what if" and are marked as such in the answer.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::scoring::{KinerjaGrade, RuleId};

/// The longest note an evaluation record keeps (characters).
pub const NOTE_MAX: usize = 2000;

/// What [`check_note`] accepts as characters (the OpenAPI document's pattern; its length is
/// `maxLength` [`NOTE_MAX`]): anything but a control character other than `\t`, `\n`, `\r`.
pub const NOTE_PATTERN: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

/// The years an evaluation (and a hasil request) may name.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Whether a survey's figures come from one campaign or from the year's campaigns pooled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// One campaign: the named one, or the latest ended campaign of the year with responses.
    #[default]
    None,
    /// That campaign together with every other campaign of the same form version that ended in
    /// the year, as if they were one (units that survey per semester or per quarter).
    Year,
}

impl Pooling {
    pub fn as_str(&self) -> &'static str {
        match self {
            Pooling::None => "none",
            Pooling::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Pooling> {
        [Pooling::None, Pooling::Year].into_iter().find(|p| p.as_str() == s)
    }
}

/// The content of an evaluation record, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub rule: RuleId,
    /// TLHP follow-up percentage, 0–100 (PermenPANRB 52/2014).
    pub tlhp_percent: Option<f64>,
    /// Capaian kinerja grade (PermenPANRB 90/2021).
    pub kinerja: Option<KinerjaGrade>,
    /// The IPAK campaign that counts, instead of the year's latest ended one.
    pub ipak_campaign_id: Option<Uuid>,
    pub ipkp_campaign_id: Option<Uuid>,
    pub pooling: Pooling,
    pub note: Option<String>,
}

/// Checks a TLHP percentage: a finite number from 0 to 100, never clamped.
pub fn check_tlhp(p: f64) -> Result<f64, String> {
    if p.is_finite() && (0.0..=100.0).contains(&p) {
        Ok(p)
    } else {
        Err("must be from 0 to 100".to_owned())
    }
}

/// Checks a note: at most [`NOTE_MAX`] characters as sent, no control character but line breaks
/// (`\n`, `\r`) and tabs; kept trimmed, and an empty note is no note.
pub fn check_note(note: &str) -> Result<Option<String>, String> {
    if note.chars().count() > NOTE_MAX {
        return Err(format!("must be at most {NOTE_MAX} characters"));
    }
    if note.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err("must not contain control characters other than line breaks and tabs".to_owned());
    }
    let t = note.trim();
    Ok((!t.is_empty()).then(|| t.to_owned()))
}

/// Checks a year an evaluation or a hasil request names.
pub fn check_year(year: i32) -> Result<i32, String> {
    if YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(format!("must be from {} to {}", YEARS.start(), YEARS.end()))
    }
}

/// The rule set a hasil is evaluated under: a what-if `?rule=` first, then the year's evaluation
/// record, then the unit's default, then the rule in force (90/2021). The one place that decides.
pub fn decide_rule(what_if: Option<RuleId>, record: Option<RuleId>, unit_default: Option<RuleId>) -> RuleId {
    what_if.or(record).or(unit_default).unwrap_or(RuleId::Permenpanrb90_2021)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The documented pattern and the parser agree on every character.
        #[test]
        fn the_note_pattern_is_the_parser(c in any::<char>()) {
            let re = regex::Regex::new(NOTE_PATTERN).unwrap();
            let s = format!("a{c}b");
            prop_assert_eq!(re.is_match(&s), check_note(&s).is_ok(), "{:?}", c);
        }
    }

    #[test]
    fn the_rule_comes_from_what_if_then_the_record_then_the_unit() {
        use RuleId::{Permenpanrb52_2014 as R52, Permenpanrb90_2021 as R90};
        assert_eq!(decide_rule(None, None, None), R90);
        assert_eq!(decide_rule(None, None, Some(R52)), R52);
        assert_eq!(decide_rule(None, Some(R90), Some(R52)), R90);
        assert_eq!(decide_rule(Some(R52), Some(R90), Some(R90)), R52);
    }

    #[test]
    fn inputs_are_checked_not_clamped() {
        assert_eq!(check_tlhp(0.0), Ok(0.0));
        assert_eq!(check_tlhp(100.0), Ok(100.0));
        assert!(check_tlhp(100.5).is_err() && check_tlhp(-1.0).is_err() && check_tlhp(f64::NAN).is_err());
        assert_eq!(check_note("  "), Ok(None));
        assert_eq!(check_note(" dicek TPI \n"), Ok(Some("dicek TPI".to_owned())));
        assert!(check_note(&"x".repeat(NOTE_MAX + 1)).is_err());
        assert!(check_note(&format!("{} ", "x".repeat(NOTE_MAX))).is_err(), "counted as sent");
        assert!(check_note("a\u{0}b").is_err() && check_note("a\u{85}b").is_err());
        assert_eq!(check_note("baris 1\r\nbaris 2\t."), Ok(Some("baris 1\r\nbaris 2\t.".to_owned())));
        assert_eq!(check_year(2025), Ok(2025));
        assert!(check_year(1999).is_err() && check_year(2101).is_err());
        assert_eq!(Pooling::parse("year"), Some(Pooling::Year));
        assert_eq!(Pooling::parse("none"), Some(Pooling::None));
        assert_eq!(Pooling::parse("semester"), None);
        assert_eq!(serde_json::to_string(&Pooling::Year).unwrap(), "\"year\"");
    }
}

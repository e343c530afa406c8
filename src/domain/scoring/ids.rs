//! The names the scoring rules are chosen and fed by: the rule set ([`RuleId`], as the API
//! spells it) and the LKE's kinerja grade ([`KinerjaGrade`]), each parsed strictly with an error
//! that names what was not recognised.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A scoring rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RuleId {
    /// PermenPANRB 52/2014.
    #[serde(rename = "permenpanrb-52-2014")]
    Permenpanrb52_2014,
    /// PermenPANRB 90/2021 (in force).
    #[serde(rename = "permenpanrb-90-2021")]
    Permenpanrb90_2021,
}

impl RuleId {
    pub const ALL: [RuleId; 2] = [RuleId::Permenpanrb52_2014, RuleId::Permenpanrb90_2021];

    pub fn as_str(&self) -> &'static str {
        match self {
            RuleId::Permenpanrb52_2014 => "permenpanrb-52-2014",
            RuleId::Permenpanrb90_2021 => "permenpanrb-90-2021",
        }
    }

    /// Parses the exact contract id (e.g. "permenpanrb-90-2021").
    pub fn parse(s: &str) -> Option<RuleId> {
        RuleId::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error of [`RuleId::from_str`] and [`KinerjaGrade::from_str`]: names what was not recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub what: &'static str,
    pub input: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {}: {:?}", self.what, self.input)
    }
}

impl std::error::Error for ParseError {}

impl FromStr for RuleId {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RuleId::parse(s).ok_or_else(|| ParseError {
            what: "scoring rule (expected permenpanrb-52-2014 or permenpanrb-90-2021)",
            input: s.to_owned(),
        })
    }
}

/// The LKE grade for "capaian kinerja lebih baik dari sebelumnya".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum KinerjaGrade {
    A,
    B,
    C,
    D,
    E,
}

impl KinerjaGrade {
    /// The LKE's usual steps: A = 5, B = 3.75, C = 2.5, D = 1.25, E = 0.
    pub fn score(&self) -> f64 {
        match self {
            KinerjaGrade::A => 5.0,
            KinerjaGrade::B => 3.75,
            KinerjaGrade::C => 2.5,
            KinerjaGrade::D => 1.25,
            KinerjaGrade::E => 0.0,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            KinerjaGrade::A => "A",
            KinerjaGrade::B => "B",
            KinerjaGrade::C => "C",
            KinerjaGrade::D => "D",
            KinerjaGrade::E => "E",
        }
    }
}

impl FromStr for KinerjaGrade {
    type Err = ParseError;

    /// Accepts "A".."E", case-insensitive, surrounding whitespace ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "A" => Ok(KinerjaGrade::A),
            "B" => Ok(KinerjaGrade::B),
            "C" => Ok(KinerjaGrade::C),
            "D" => Ok(KinerjaGrade::D),
            "E" => Ok(KinerjaGrade::E),
            _ => Err(ParseError {
                what: "kinerja grade (expected A..E)",
                input: s.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids() {
        for r in RuleId::ALL {
            assert_eq!(RuleId::parse(r.as_str()), Some(r));
            assert_eq!(r.as_str().parse::<RuleId>(), Ok(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
            let back: RuleId = serde_json::from_str(&format!("\"{r}\"")).unwrap();
            assert_eq!(back, r);
        }
        assert_eq!(RuleId::parse("permenpanrb-14-2017"), None);
        assert!("".parse::<RuleId>().is_err());
    }

    #[test]
    fn kinerja_grades() {
        assert_eq!("a".parse::<KinerjaGrade>(), Ok(KinerjaGrade::A));
        assert_eq!(" e ".parse::<KinerjaGrade>(), Ok(KinerjaGrade::E));
        assert!("F".parse::<KinerjaGrade>().is_err());
        assert!("AB".parse::<KinerjaGrade>().is_err());
        let scores: Vec<f64> = ["A", "B", "C", "D", "E"]
            .iter()
            .map(|s| s.parse::<KinerjaGrade>().unwrap().score())
            .collect();
        assert_eq!(scores, [5.0, 3.75, 2.5, 1.25, 0.0]);
    }
}

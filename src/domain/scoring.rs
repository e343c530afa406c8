//! The Zona Integritas "komponen hasil" scoring rules (DESIGN.md §2.1), kept as data tables, and
//! their evaluation against survey indices and entered inputs with 95 % threshold verdicts (§3).
//!
//! Only the hasil part (40 of 100 points) is this service's data: the totals and the pengungkit are
//! reported as conditions it cannot judge. A missing non-survey input is never assumed: its
//! indicator, component, the hasil total and every verdict needing it are `null` with a reason.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::domain::stats::Analysis;

/// Tolerance for threshold comparisons. Scores are products of decimal inputs (e.g.
/// 3.60 / 4 × 17.5, which is 15.749999999999998 in binary), so a value within 1e-9 of a threshold
/// counts as reaching it. No legitimate score differs from a threshold by less than that.
pub const THRESHOLD_EPS: f64 = 1e-9;

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

/// A survey index on the LKE's 0–4 scale, with its 95 % CI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SurveyIndex {
    pub n: u64,
    pub value_0_4: Option<f64>,
    pub ci_low_0_4: Option<f64>,
    pub ci_high_0_4: Option<f64>,
}

impl SurveyIndex {
    /// Takes an [`Analysis`] of a survey on the 1..`scale_max` scale onto the 0–4 scale.
    pub fn from_analysis(analysis: &Analysis, scale_max: u8) -> SurveyIndex {
        let to_0_4 = |x: f64| x * 4.0 / f64::from(scale_max);
        SurveyIndex {
            n: analysis.n,
            value_0_4: analysis.index.value_0_4,
            ci_low_0_4: analysis.index.ci_low.map(to_0_4),
            ci_high_0_4: analysis.index.ci_high.map(to_0_4),
        }
    }
}

/// What [`evaluate`] scores.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HasilInputs {
    pub ipak: Option<SurveyIndex>,
    pub ipkp: Option<SurveyIndex>,
    /// Percentage of audit findings followed up (0–100), entered by an assessor or operator.
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<KinerjaGrade>,
}

/// The verdict of one threshold condition at 95 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    Undetermined,
    InsufficientData,
}

impl Verdict {
    /// The wire name (as serialised).
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Undetermined => "undetermined",
            Verdict::InsufficientData => "insufficient_data",
        }
    }
}

/// DESIGN §3 threshold verdict: `Pass` when the CI's lower bound ≥ threshold, `Fail` when its upper
/// bound < threshold, else `Undetermined`; with n < 2 the point is compared and the verdict is
/// `InsufficientData`. A missing CI with n ≥ 2 (not produced by `analyse`) is `Undetermined`.
/// The second value is the plain point comparison `point ≥ threshold`.
/// All comparisons allow [`THRESHOLD_EPS`] so that exact thresholds reached in decimal count.
pub fn verdict(point: f64, ci: Option<(f64, f64)>, threshold: f64, n: u64) -> (Verdict, bool) {
    let reaches = |x: f64| x >= threshold - THRESHOLD_EPS;
    let point_ok = reaches(point);
    if n < 2 {
        return (Verdict::InsufficientData, point_ok);
    }
    let v = match ci {
        Some((lo, _)) if reaches(lo) => Verdict::Pass,
        Some((_, hi)) if !reaches(hi) => Verdict::Fail,
        _ => Verdict::Undetermined,
    };
    (v, point_ok)
}

/// The ZI predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Predicate {
    /// Wilayah Bebas dari Korupsi.
    Wbk,
    /// Wilayah Birokrasi Bersih dan Melayani.
    Wbbm,
}

/// One indicator's score.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndicatorScore {
    /// "ipak", "tlhp", "ipkp" or "kinerja".
    pub id: String,
    /// Indonesian name.
    pub label: String,
    /// Maximum score (the indicator's weight in the LKE).
    pub weight: f64,
    /// The input: value_0_4 for surveys, percent for TLHP, the grade's score for kinerja.
    pub input: Option<f64>,
    pub score: Option<f64>,
    /// CI of the score (surveys only; entered inputs carry no sampling uncertainty).
    pub score_ci_low: Option<f64>,
    pub score_ci_high: Option<f64>,
    /// Why `score` (or its CI) is missing.
    pub reason: Option<String>,
}

/// One component's score (sum of its indicators).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ComponentScore {
    /// "bersih" or "pelayanan".
    pub id: String,
    pub label: String,
    pub max: f64,
    pub score: Option<f64>,
    /// CI of the score: the survey indicator's CI plus the entered (constant) scores.
    pub score_ci_low: Option<f64>,
    pub score_ci_high: Option<f64>,
    pub reason: Option<String>,
}

/// One threshold condition of a predicate.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Condition {
    /// "ipak_score", "tlhp_score", "kinerja", "ipkp_score", "bersih" or "pelayanan".
    pub id: String,
    pub description: String,
    pub threshold: f64,
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub verdict: Option<Verdict>,
    /// Plain point comparison `value ≥ threshold`.
    pub point: Option<bool>,
    pub reason: Option<String>,
}

/// A predicate's combined verdict over the hasil conditions this service can judge.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PredicateVerdict {
    pub predicate: Predicate,
    /// Any fail → fail; else any null → null; else any insufficient_data → insufficient_data;
    /// else any undetermined → undetermined; else pass.
    pub verdict: Option<Verdict>,
    pub conditions: Vec<Condition>,
    /// This predicate's conditions that this service cannot judge (in English).
    pub not_judged: Vec<String>,
}

/// The hasil evaluation under one rule set.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Hasil {
    pub rule: RuleId,
    pub indicators: Vec<IndicatorScore>,
    pub components: Vec<ComponentScore>,
    /// Sum of the components, out of 40.
    pub hasil_total: Option<f64>,
    pub predicates: Vec<PredicateVerdict>,
    /// All conditions this service cannot judge (union over predicates), in English.
    pub not_judged: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// The rule tables.

/// Where an indicator's input comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Ipak,
    Ipkp,
    Tlhp,
    Kinerja,
}

struct IndicatorDef {
    id: &'static str,
    label: &'static str,
    component: &'static str,
    weight: f64,
    source: Source,
}

struct ComponentDef {
    id: &'static str,
    label: &'static str,
    max: f64,
}

/// What a condition tests: an indicator's or a component's score.
#[derive(Debug, Clone, Copy)]
enum Target {
    Indicator(&'static str),
    Component(&'static str),
}

struct ConditionDef {
    id: &'static str,
    target: Target,
    threshold: f64,
    description: &'static str,
}

struct PredicateDef {
    predicate: Predicate,
    conditions: &'static [ConditionDef],
    not_judged: &'static [&'static str],
}

struct RuleDef {
    indicators: &'static [IndicatorDef],
    components: &'static [ComponentDef],
    predicates: &'static [PredicateDef],
}

const IPAK_LABEL: &str = "Survei Persepsi Korupsi (IPAK)";
const IPKP_LABEL: &str = "Survei Persepsi Kualitas Pelayanan (IPKP)";

const fn cond(id: &'static str, target: Target, threshold: f64, description: &'static str) -> ConditionDef {
    ConditionDef {
        id,
        target,
        threshold,
        description,
    }
}

const RULE_52_2014: RuleDef = RuleDef {
    indicators: &[
        IndicatorDef {
            id: "ipak",
            label: IPAK_LABEL,
            component: "bersih",
            weight: 15.0,
            source: Source::Ipak,
        },
        IndicatorDef {
            id: "tlhp",
            label: "Persentase penyelesaian Tindak Lanjut Hasil Pemeriksaan (TLHP)",
            component: "bersih",
            weight: 5.0,
            source: Source::Tlhp,
        },
        IndicatorDef {
            id: "ipkp",
            label: IPKP_LABEL,
            component: "pelayanan",
            weight: 20.0,
            source: Source::Ipkp,
        },
    ],
    components: &[
        ComponentDef {
            id: "bersih",
            label: "Terwujudnya Pemerintahan yang Bersih dan Bebas KKN",
            max: 20.0,
        },
        ComponentDef {
            id: "pelayanan",
            label: "Terwujudnya Peningkatan Kualitas Pelayanan Publik kepada Masyarakat",
            max: 20.0,
        },
    ],
    predicates: &[
        PredicateDef {
            predicate: Predicate::Wbk,
            conditions: &[
                cond("bersih", Target::Component("bersih"), 18.0, "Bersih & bebas KKN component ≥ 18"),
                cond("ipak_score", Target::Indicator("ipak"), 13.5, "IPAK score ≥ 13.5 (index 3.60)"),
                cond("tlhp_score", Target::Indicator("tlhp"), 3.5, "TLHP score ≥ 3.5 (70 %)"),
            ],
            not_judged: &["WBK: total score ≥ 75 (needs the pengungkit evaluation)"],
        },
        PredicateDef {
            predicate: Predicate::Wbbm,
            conditions: &[
                cond("bersih", Target::Component("bersih"), 18.0, "Bersih & bebas KKN component ≥ 18"),
                cond("ipak_score", Target::Indicator("ipak"), 13.5, "IPAK score ≥ 13.5 (index 3.60)"),
                cond("tlhp_score", Target::Indicator("tlhp"), 3.5, "TLHP score ≥ 3.5 (70 %)"),
                cond(
                    "pelayanan",
                    Target::Component("pelayanan"),
                    16.0,
                    "Pelayanan publik component ≥ 16 (IPKP index 3.20)",
                ),
            ],
            not_judged: &["WBBM: total score ≥ 85 (needs the pengungkit evaluation)"],
        },
    ],
};

const RULE_90_2021: RuleDef = RuleDef {
    indicators: &[
        IndicatorDef {
            id: "ipak",
            label: IPAK_LABEL,
            component: "bersih",
            weight: 17.5,
            source: Source::Ipak,
        },
        IndicatorDef {
            id: "kinerja",
            label: "Capaian kinerja lebih baik dari sebelumnya",
            component: "bersih",
            weight: 5.0,
            source: Source::Kinerja,
        },
        IndicatorDef {
            id: "ipkp",
            label: IPKP_LABEL,
            component: "pelayanan",
            weight: 17.5,
            source: Source::Ipkp,
        },
    ],
    components: &[
        ComponentDef {
            id: "bersih",
            label: "Pemerintah yang Bersih dan Akuntabel",
            max: 22.5,
        },
        ComponentDef {
            id: "pelayanan",
            label: "Pelayanan Publik yang Prima",
            max: 17.5,
        },
    ],
    predicates: &[
        PredicateDef {
            predicate: Predicate::Wbk,
            conditions: &[
                cond("bersih", Target::Component("bersih"), 18.25, "Bersih & akuntabel component ≥ 18.25"),
                cond("ipak_score", Target::Indicator("ipak"), 15.75, "IPAK score ≥ 15.75 (index 3.60)"),
                cond(
                    "kinerja",
                    Target::Indicator("kinerja"),
                    2.5,
                    "Kinerja score ≥ 2.50 (grade C or better)",
                ),
                cond("ipkp_score", Target::Indicator("ipkp"), 14.0, "IPKP score ≥ 14.00 (index 3.20)"),
            ],
            not_judged: &[
                "Menuju WBK: total score ≥ 75 (needs the pengungkit evaluation)",
                "Menuju WBK: pengungkit ≥ 40 (process evaluation, not survey data)",
            ],
        },
        PredicateDef {
            predicate: Predicate::Wbbm,
            conditions: &[
                cond("bersih", Target::Component("bersih"), 19.5, "Bersih & akuntabel component ≥ 19.50"),
                cond("ipak_score", Target::Indicator("ipak"), 15.75, "IPAK score ≥ 15.75 (index 3.60)"),
                cond(
                    "kinerja",
                    Target::Indicator("kinerja"),
                    3.75,
                    "Kinerja score ≥ 3.75 (grade B or better)",
                ),
                cond("ipkp_score", Target::Indicator("ipkp"), 15.75, "IPKP score ≥ 15.75 (index 3.60)"),
            ],
            not_judged: &[
                "Menuju WBBM: total score ≥ 85 (needs the pengungkit evaluation)",
                "Menuju WBBM: pengungkit ≥ 48 (process evaluation, not survey data)",
            ],
        },
    ],
};

impl RuleId {
    fn def(self) -> &'static RuleDef {
        match self {
            RuleId::Permenpanrb52_2014 => &RULE_52_2014,
            RuleId::Permenpanrb90_2021 => &RULE_90_2021,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

/// A score with the sampling information needed for a verdict.
#[derive(Debug, Clone, PartialEq)]
struct Scored {
    score: Option<f64>,
    ci: Option<(f64, f64)>,
    /// Survey respondents behind the score; `None` for an entered (exact) value.
    n: Option<u64>,
    reason: Option<String>,
}

fn survey_score(name: &str, index: Option<&SurveyIndex>, weight: f64) -> (Option<f64>, Scored) {
    let Some(ix) = index else {
        return (
            None,
            Scored {
                score: None,
                ci: None,
                n: None,
                reason: Some(format!("{name} survey result not given")),
            },
        );
    };
    let scale = |x: f64| x / 4.0 * weight;
    let Some(value) = ix.value_0_4 else {
        return (
            None,
            Scored {
                score: None,
                ci: None,
                n: Some(ix.n),
                reason: Some(format!("{name} survey has no responses")),
            },
        );
    };
    let ci = ix.ci_low_0_4.zip(ix.ci_high_0_4).map(|(lo, hi)| (scale(lo), scale(hi)));
    let reason = ci
        .is_none()
        .then(|| format!("{name} survey has fewer than 2 responses: no confidence interval"));
    (
        Some(value),
        Scored {
            score: Some(scale(value)),
            ci,
            n: Some(ix.n),
            reason,
        },
    )
}

/// An entered (exact) score: no CI, no sample size; `reason` explains a missing or refused input.
fn entered_score(score: Option<f64>, reason: Option<String>) -> Scored {
    Scored {
        score: if reason.is_some() { None } else { score },
        ci: None,
        n: None,
        reason,
    }
}

fn indicator_scored(def: &IndicatorDef, inputs: &HasilInputs) -> (Option<f64>, Scored) {
    match def.source {
        Source::Ipak => survey_score("IPAK", inputs.ipak.as_ref(), def.weight),
        Source::Ipkp => survey_score("IPKP", inputs.ipkp.as_ref(), def.weight),
        Source::Tlhp => {
            let p = inputs.tlhp_percent;
            let reason = match p {
                None => Some("tlhp_percent not given".to_owned()),
                Some(p) if !(0.0..=100.0).contains(&p) => Some(format!("tlhp_percent {p} is outside 0–100")),
                Some(_) => None,
            };
            (p, entered_score(p.map(|p| p / 100.0 * def.weight), reason))
        }
        Source::Kinerja => {
            let s = inputs.kinerja.map(|g| g.score());
            let reason = s.is_none().then(|| "kinerja grade not given".to_owned());
            (s, entered_score(s, reason))
        }
    }
}

/// Sums indicator scores into a component; the CI adds the survey CIs and the exact entered scores.
fn component_scored(parts: &[&Scored]) -> Scored {
    if parts.iter().any(|p| p.score.is_none()) {
        let missing: Vec<&str> = parts
            .iter()
            .filter(|p| p.score.is_none())
            .filter_map(|p| p.reason.as_deref())
            .collect();
        return Scored {
            score: None,
            ci: None,
            n: None,
            reason: Some(missing.join("; ")),
        };
    }
    let score: f64 = parts.iter().filter_map(|p| p.score).sum();
    let surveys: Vec<&&Scored> = parts.iter().filter(|p| p.n.is_some()).collect();
    let n = surveys.iter().filter_map(|p| p.n).min();
    let ci_missing = surveys.iter().any(|p| p.ci.is_none());
    let ci = (!ci_missing).then(|| {
        parts.iter().fold((0.0, 0.0), |(lo, hi), p| match p.ci {
            Some((l, h)) => (lo + l, hi + h),
            None => (lo + p.score.unwrap_or(0.0), hi + p.score.unwrap_or(0.0)),
        })
    });
    let reason = surveys.iter().find(|p| p.ci.is_none()).and_then(|p| p.reason.clone());
    Scored {
        score: Some(score),
        ci,
        n,
        reason,
    }
}

fn judge(def: &ConditionDef, s: &Scored) -> Condition {
    let (verdict, point) = match (s.score, s.n) {
        (None, _) => (None, None),
        // An entered value is exact: its comparison is decisive.
        (Some(v), None) => {
            let (vd, ok) = verdict_exact(v, def.threshold);
            (Some(vd), Some(ok))
        }
        (Some(v), Some(n)) => {
            let (vd, ok) = verdict(v, s.ci, def.threshold, n);
            (Some(vd), Some(ok))
        }
    };
    Condition {
        id: def.id.to_owned(),
        description: def.description.to_owned(),
        threshold: def.threshold,
        value: s.score,
        ci_low: s.ci.map(|c| c.0),
        ci_high: s.ci.map(|c| c.1),
        verdict,
        point,
        reason: s.reason.clone(),
    }
}

/// Verdict of an exact value: its degenerate CI [v, v] makes it pass or fail outright.
fn verdict_exact(value: f64, threshold: f64) -> (Verdict, bool) {
    verdict(value, Some((value, value)), threshold, u64::MAX)
}

/// Combines condition verdicts: any fail → fail; else any null → null; else any insufficient_data
/// → insufficient_data; else any undetermined → undetermined; else pass.
fn combine(conditions: &[Condition]) -> Option<Verdict> {
    let has = |v: Option<Verdict>| conditions.iter().any(|c| c.verdict == v);
    if has(Some(Verdict::Fail)) {
        Some(Verdict::Fail)
    } else if has(None) {
        None
    } else if has(Some(Verdict::InsufficientData)) {
        Some(Verdict::InsufficientData)
    } else if has(Some(Verdict::Undetermined)) {
        Some(Verdict::Undetermined)
    } else {
        Some(Verdict::Pass)
    }
}

/// Evaluates the hasil part under `rule`.
pub fn evaluate(rule: RuleId, inputs: &HasilInputs) -> Hasil {
    let def = rule.def();

    let scored: Vec<(Option<f64>, Scored)> = def.indicators.iter().map(|d| indicator_scored(d, inputs)).collect();
    let indicators = def
        .indicators
        .iter()
        .zip(&scored)
        .map(|(d, (input, s))| IndicatorScore {
            id: d.id.to_owned(),
            label: d.label.to_owned(),
            weight: d.weight,
            input: *input,
            score: s.score,
            score_ci_low: s.ci.map(|c| c.0),
            score_ci_high: s.ci.map(|c| c.1),
            reason: s.reason.clone(),
        })
        .collect();

    let component_scores: Vec<Scored> = def
        .components
        .iter()
        .map(|c| {
            let parts: Vec<&Scored> = def
                .indicators
                .iter()
                .zip(&scored)
                .filter(|(d, _)| d.component == c.id)
                .map(|(_, (_, s))| s)
                .collect();
            component_scored(&parts)
        })
        .collect();
    let components = def
        .components
        .iter()
        .zip(&component_scores)
        .map(|(c, s)| ComponentScore {
            id: c.id.to_owned(),
            label: c.label.to_owned(),
            max: c.max,
            score: s.score,
            score_ci_low: s.ci.map(|c| c.0),
            score_ci_high: s.ci.map(|c| c.1),
            reason: s.reason.clone(),
        })
        .collect();

    let hasil_total = component_scores.iter().map(|s| s.score).sum::<Option<f64>>();

    let target = |t: Target| -> &Scored {
        match t {
            Target::Indicator(id) => def.indicators.iter().zip(&scored).find(|(d, _)| d.id == id).map(|(_, (_, s))| s),
            Target::Component(id) => def
                .components
                .iter()
                .zip(&component_scores)
                .find(|(c, _)| c.id == id)
                .map(|(_, s)| s),
        }
        .expect("rule table refers to a known indicator or component")
    };

    let predicates = def
        .predicates
        .iter()
        .map(|p| {
            let conditions: Vec<Condition> = p.conditions.iter().map(|c| judge(c, target(c.target))).collect();
            PredicateVerdict {
                predicate: p.predicate,
                verdict: combine(&conditions),
                conditions,
                not_judged: p.not_judged.iter().map(|s| (*s).to_owned()).collect(),
            }
        })
        .collect();

    Hasil {
        rule,
        indicators,
        components,
        hasil_total,
        predicates,
        not_judged: def
            .predicates
            .iter()
            .flat_map(|p| p.not_judged.iter().map(|s| (*s).to_owned()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::{AnalysisInput, ItemCounts, Moments, analyse};

    fn survey(n: u64, value: f64, ci: Option<(f64, f64)>) -> Option<SurveyIndex> {
        Some(SurveyIndex {
            n,
            value_0_4: Some(value),
            ci_low_0_4: ci.map(|c| c.0),
            ci_high_0_4: ci.map(|c| c.1),
        })
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    fn cond<'a>(h: &'a Hasil, p: Predicate, id: &str) -> &'a Condition {
        h.predicates
            .iter()
            .find(|x| x.predicate == p)
            .unwrap()
            .conditions
            .iter()
            .find(|c| c.id == id)
            .unwrap()
    }

    fn pverdict(h: &Hasil, p: Predicate) -> Option<Verdict> {
        h.predicates.iter().find(|x| x.predicate == p).unwrap().verdict
    }

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

    #[test]
    fn verdict_function() {
        use Verdict::*;
        // CI [3.7, 3.9] vs 3.6: lower bound above → pass.
        assert_eq!(verdict(3.8, Some((3.7, 3.9)), 3.6, 30), (Pass, true));
        // CI [3.3, 3.5] vs 3.6: upper bound below → fail.
        assert_eq!(verdict(3.4, Some((3.3, 3.5)), 3.6, 30), (Fail, false));
        // CI [3.5, 3.7] straddles 3.6 → undetermined, point 3.62 ≥ 3.6.
        assert_eq!(verdict(3.62, Some((3.5, 3.7)), 3.6, 30), (Undetermined, true));
        assert_eq!(verdict(3.58, Some((3.5, 3.7)), 3.6, 30), (Undetermined, false));
        // n < 2: point comparison only.
        assert_eq!(verdict(3.8, None, 3.6, 1), (InsufficientData, true));
        assert_eq!(verdict(3.0, None, 3.6, 1), (InsufficientData, false));
        // Exact thresholds: lower bound equal passes, upper bound equal is not a fail.
        assert_eq!(verdict(3.7, Some((3.6, 3.8)), 3.6, 30), (Pass, true));
        assert_eq!(verdict(3.5, Some((3.4, 3.6)), 3.6, 30), (Undetermined, false));
        // Float noise at the threshold: 3.60 / 4 × 17.5 ≈ 15.75 within 1e-9.
        let s = 3.60 / 4.0 * 17.5;
        assert_eq!(verdict(s, Some((s, s)), 15.75, 30), (Pass, true));
        assert_eq!(verdict(15.75 - 1e-6, Some((15.75 - 1e-6, 15.75 - 1e-6)), 15.75, 30), (Fail, false));
    }

    /// PermenPANRB 52/2014, everything passes.
    /// IPAK 3.80 [3.70, 3.90] → ×15/4 = 14.25 [13.875, 14.625] ≥ 13.5 pass.
    /// TLHP 90 % → 0.9 × 5 = 4.5 ≥ 3.5 pass.
    /// bersih = 14.25 + 4.5 = 18.75 [18.375, 19.125] ≥ 18 pass.
    /// IPKP 3.50 [3.40, 3.60] → ×20/4 = 17.5 [17, 18]; pelayanan ≥ 16 pass.
    /// total = 18.75 + 17.5 = 36.25.
    #[test]
    fn rule_52_all_pass() {
        let h = evaluate(
            RuleId::Permenpanrb52_2014,
            &HasilInputs {
                ipak: survey(100, 3.8, Some((3.7, 3.9))),
                ipkp: survey(100, 3.5, Some((3.4, 3.6))),
                tlhp_percent: Some(90.0),
                kinerja: None,
            },
        );
        assert_eq!(h.rule, RuleId::Permenpanrb52_2014);
        let ids: Vec<&str> = h.indicators.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["ipak", "tlhp", "ipkp"]);
        assert!(close(h.indicators[0].score, 14.25));
        assert!(close(h.indicators[0].score_ci_low, 13.875));
        assert!(close(h.indicators[0].score_ci_high, 14.625));
        assert!(close(h.indicators[1].score, 4.5));
        assert_eq!(h.indicators[1].input, Some(90.0));
        assert!(close(h.indicators[2].score, 17.5));
        assert!(close(h.components[0].score, 18.75));
        assert!(close(h.components[0].score_ci_low, 18.375));
        assert!(close(h.components[0].score_ci_high, 19.125));
        assert!(close(h.components[1].score, 17.5));
        assert_eq!(h.components[0].max + h.components[1].max, 40.0);
        assert!(close(h.hasil_total, 36.25));
        assert_eq!(pverdict(&h, Predicate::Wbk), Some(Verdict::Pass));
        assert_eq!(pverdict(&h, Predicate::Wbbm), Some(Verdict::Pass));
        let wbbm = &h.predicates[1];
        let ids: Vec<&str> = wbbm.conditions.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["bersih", "ipak_score", "tlhp_score", "pelayanan"]);
        assert!(h.not_judged.iter().any(|s| s.contains("≥ 75")));
        assert!(h.not_judged.iter().any(|s| s.contains("≥ 85")));
    }

    /// PermenPANRB 52/2014, undetermined and fail.
    /// IPAK 3.70 [3.62, 3.78] → 13.875 [13.575, 14.175] ≥ 13.5 pass.
    /// TLHP 80 % → 4.0 pass. bersih = 17.875 [17.575, 18.175] straddles 18 → undetermined
    /// (point 17.875 < 18 → false). IPKP 3.00 [2.90, 3.10] → 15 [14.5, 15.5] < 16 → pelayanan fail.
    /// WBK: undetermined; WBBM: fail.
    #[test]
    fn rule_52_undetermined_and_fail() {
        let h = evaluate(
            RuleId::Permenpanrb52_2014,
            &HasilInputs {
                ipak: survey(40, 3.7, Some((3.62, 3.78))),
                ipkp: survey(40, 3.0, Some((2.9, 3.1))),
                tlhp_percent: Some(80.0),
                kinerja: Some(KinerjaGrade::A), // ignored by this rule
            },
        );
        let b = cond(&h, Predicate::Wbk, "bersih");
        assert!(close(b.value, 17.875));
        assert!(close(b.ci_low, 17.575));
        assert!(close(b.ci_high, 18.175));
        assert_eq!(b.verdict, Some(Verdict::Undetermined));
        assert_eq!(b.point, Some(false));
        assert_eq!(cond(&h, Predicate::Wbk, "ipak_score").verdict, Some(Verdict::Pass));
        let t = cond(&h, Predicate::Wbk, "tlhp_score");
        assert_eq!((t.verdict, t.point), (Some(Verdict::Pass), Some(true)));
        assert_eq!((t.ci_low, t.ci_high), (None, None));
        let p = cond(&h, Predicate::Wbbm, "pelayanan");
        assert!(close(p.ci_high, 15.5));
        assert_eq!(p.verdict, Some(Verdict::Fail));
        assert_eq!(pverdict(&h, Predicate::Wbk), Some(Verdict::Undetermined));
        assert_eq!(pverdict(&h, Predicate::Wbbm), Some(Verdict::Fail));
        assert!(close(h.hasil_total, 32.875));
    }

    /// Missing TLHP: tlhp, bersih, total and the verdicts needing them are null, with a reason.
    /// IPAK 3.80 [3.70, 3.90] → 14.25, passes on its own; WBK combines pass + null + null → null.
    /// With IPAK 3.20 [3.10, 3.30] → 12 [11.625, 12.375] < 13.5 fail, WBK is fail regardless.
    #[test]
    fn rule_52_missing_tlhp() {
        let mut inputs = HasilInputs {
            ipak: survey(100, 3.8, Some((3.7, 3.9))),
            ipkp: survey(100, 3.5, Some((3.4, 3.6))),
            tlhp_percent: None,
            kinerja: None,
        };
        let h = evaluate(RuleId::Permenpanrb52_2014, &inputs);
        let tlhp = &h.indicators[1];
        assert_eq!(tlhp.score, None);
        assert_eq!(tlhp.reason.as_deref(), Some("tlhp_percent not given"));
        assert_eq!(h.components[0].score, None);
        assert_eq!(h.components[0].reason.as_deref(), Some("tlhp_percent not given"));
        assert!(close(h.components[1].score, 17.5));
        assert_eq!(h.hasil_total, None);
        let t = cond(&h, Predicate::Wbk, "tlhp_score");
        assert_eq!((t.verdict, t.point), (None, None));
        assert_eq!(t.reason.as_deref(), Some("tlhp_percent not given"));
        assert_eq!(cond(&h, Predicate::Wbk, "ipak_score").verdict, Some(Verdict::Pass));
        assert_eq!(pverdict(&h, Predicate::Wbk), None);

        inputs.ipak = survey(100, 3.2, Some((3.1, 3.3)));
        let h = evaluate(RuleId::Permenpanrb52_2014, &inputs);
        assert!(close(h.indicators[0].score, 12.0));
        assert_eq!(pverdict(&h, Predicate::Wbk), Some(Verdict::Fail));
        assert_eq!(pverdict(&h, Predicate::Wbbm), Some(Verdict::Fail));

        // Out-of-range TLHP is refused, not clamped.
        inputs.tlhp_percent = Some(120.0);
        let h = evaluate(RuleId::Permenpanrb52_2014, &inputs);
        assert_eq!(h.indicators[1].score, None);
        assert!(h.indicators[1].reason.as_deref().unwrap().contains("outside"));
    }

    /// PermenPANRB 90/2021 at exact thresholds (census: CI collapses to the value).
    /// IPAK 3.60 → 3.60 / 4 × 17.5 = 15.75 ≥ 15.75 pass (within 1e-9).
    /// kinerja B = 3.75: WBK ≥ 2.50 pass, WBBM ≥ 3.75 pass.
    /// bersih = 15.75 + 3.75 = 19.50: WBK ≥ 18.25 pass, WBBM ≥ 19.50 pass.
    /// IPKP 3.60 → 15.75: WBK ≥ 14.00 pass, WBBM ≥ 15.75 pass. total = 19.5 + 15.75 = 35.25.
    #[test]
    fn rule_90_exact_thresholds_pass() {
        let h = evaluate(
            RuleId::Permenpanrb90_2021,
            &HasilInputs {
                ipak: survey(30, 3.6, Some((3.6, 3.6))),
                ipkp: survey(30, 3.6, Some((3.6, 3.6))),
                tlhp_percent: None, // not used by this rule
                kinerja: Some(KinerjaGrade::B),
            },
        );
        let ids: Vec<&str> = h.indicators.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["ipak", "kinerja", "ipkp"]);
        assert_eq!(h.indicators[1].input, Some(3.75));
        assert!(close(h.components[0].score, 19.5));
        assert_eq!(h.components[0].max, 22.5);
        assert_eq!(h.components[1].max, 17.5);
        assert!(close(h.hasil_total, 35.25));
        for p in &h.predicates {
            for c in &p.conditions {
                assert_eq!(c.verdict, Some(Verdict::Pass), "{:?} {}", p.predicate, c.id);
                assert_eq!(c.point, Some(true));
            }
        }
        assert_eq!(pverdict(&h, Predicate::Wbk), Some(Verdict::Pass));
        assert_eq!(pverdict(&h, Predicate::Wbbm), Some(Verdict::Pass));
        assert_eq!(h.not_judged.len(), 4);
        assert!(h.not_judged.iter().any(|s| s.contains("pengungkit ≥ 48")));
    }

    /// PermenPANRB 90/2021, grade C and a sampled survey.
    /// IPAK 3.70 [3.65, 3.75] → ×17.5/4 = 16.1875 [15.96875, 16.40625] ≥ 15.75 pass.
    /// kinerja C = 2.5: WBK ≥ 2.5 pass; WBBM ≥ 3.75 fail.
    /// bersih = 18.6875 [18.46875, 18.90625]: WBK ≥ 18.25 pass; WBBM ≥ 19.5 fail (hi < 19.5).
    /// IPKP 3.40 [3.30, 3.50] → 14.875 [14.4375, 15.3125]: WBK ≥ 14 pass; WBBM ≥ 15.75 fail.
    /// WBK pass, WBBM fail; total 18.6875 + 14.875 = 33.5625.
    #[test]
    fn rule_90_wbk_pass_wbbm_fail() {
        let h = evaluate(
            RuleId::Permenpanrb90_2021,
            &HasilInputs {
                ipak: survey(60, 3.7, Some((3.65, 3.75))),
                ipkp: survey(60, 3.4, Some((3.3, 3.5))),
                tlhp_percent: None,
                kinerja: Some(KinerjaGrade::C),
            },
        );
        let b = cond(&h, Predicate::Wbbm, "bersih");
        assert!(close(b.value, 18.6875));
        assert!(close(b.ci_low, 18.46875));
        assert!(close(b.ci_high, 18.90625));
        assert_eq!(b.verdict, Some(Verdict::Fail));
        assert_eq!(cond(&h, Predicate::Wbk, "bersih").verdict, Some(Verdict::Pass));
        assert_eq!(cond(&h, Predicate::Wbbm, "kinerja").verdict, Some(Verdict::Fail));
        assert_eq!(cond(&h, Predicate::Wbk, "ipkp_score").verdict, Some(Verdict::Pass));
        assert!(close(h.hasil_total, 33.5625));
        assert_eq!(pverdict(&h, Predicate::Wbk), Some(Verdict::Pass));
        assert_eq!(pverdict(&h, Predicate::Wbbm), Some(Verdict::Fail));
    }

    /// PermenPANRB 90/2021 with one IPAK respondent: insufficient_data.
    /// IPAK 4.00 (n = 1, no CI) → 17.5 ≥ 15.75: insufficient_data, point true.
    /// kinerja A = 5: bersih = 22.5, also from n = 1 → insufficient_data.
    /// IPKP 3.80 [3.70, 3.90] → 16.625 [16.1875, 17.0625]: WBK and WBBM pass.
    /// WBK: pass + insufficient → insufficient_data.
    /// Missing kinerja instead: kinerja and bersih null → WBK null.
    #[test]
    fn rule_90_insufficient_data_and_missing_kinerja() {
        let mut inputs = HasilInputs {
            ipak: survey(1, 4.0, None),
            ipkp: survey(50, 3.8, Some((3.7, 3.9))),
            tlhp_percent: None,
            kinerja: Some(KinerjaGrade::A),
        };
        let h = evaluate(RuleId::Permenpanrb90_2021, &inputs);
        let i = cond(&h, Predicate::Wbk, "ipak_score");
        assert!(close(i.value, 17.5));
        assert_eq!((i.verdict, i.point), (Some(Verdict::InsufficientData), Some(true)));
        assert!(i.reason.is_some());
        let b = cond(&h, Predicate::Wbk, "bersih");
        assert!(close(b.value, 22.5));
        assert_eq!(b.ci_low, None);
        assert_eq!(b.verdict, Some(Verdict::InsufficientData));
        assert_eq!(cond(&h, Predicate::Wbk, "ipkp_score").verdict, Some(Verdict::Pass));
        assert_eq!(pverdict(&h, Predicate::Wbk), Some(Verdict::InsufficientData));
        assert!(close(h.hasil_total, 22.5 + 16.625));

        inputs.kinerja = None;
        let h = evaluate(RuleId::Permenpanrb90_2021, &inputs);
        assert_eq!(h.indicators[1].reason.as_deref(), Some("kinerja grade not given"));
        assert_eq!(h.components[0].score, None);
        assert_eq!(h.hasil_total, None);
        assert_eq!(cond(&h, Predicate::Wbk, "kinerja").verdict, None);
        assert_eq!(pverdict(&h, Predicate::Wbk), None);
    }

    #[test]
    fn missing_or_empty_survey() {
        let h = evaluate(
            RuleId::Permenpanrb90_2021,
            &HasilInputs {
                ipak: None,
                ipkp: Some(SurveyIndex::default()),
                tlhp_percent: None,
                kinerja: Some(KinerjaGrade::A),
            },
        );
        assert_eq!(h.indicators[0].reason.as_deref(), Some("IPAK survey result not given"));
        assert_eq!(h.indicators[2].reason.as_deref(), Some("IPKP survey has no responses"));
        assert_eq!(h.hasil_total, None);
        assert_eq!(pverdict(&h, Predicate::Wbk), None);
        let json = serde_json::to_value(&h).unwrap();
        assert_eq!(json["rule"], "permenpanrb-90-2021");
        assert_eq!(json["predicates"][0]["predicate"], "wbk");
        assert!(json["hasil_total"].is_null());
    }

    #[test]
    fn combine_order() {
        let c = |v: Option<Verdict>| Condition {
            id: String::new(),
            description: String::new(),
            threshold: 0.0,
            value: None,
            ci_low: None,
            ci_high: None,
            verdict: v,
            point: None,
            reason: None,
        };
        use Verdict::*;
        assert_eq!(combine(&[c(Some(Pass)), c(None), c(Some(Fail))]), Some(Fail));
        assert_eq!(combine(&[c(Some(InsufficientData)), c(None)]), None);
        assert_eq!(combine(&[c(Some(Undetermined)), c(Some(InsufficientData))]), Some(InsufficientData));
        assert_eq!(combine(&[c(Some(Pass)), c(Some(Undetermined))]), Some(Undetermined));
        assert_eq!(combine(&[c(Some(Pass))]), Some(Pass));
        assert_eq!(serde_json::to_string(&InsufficientData).unwrap(), "\"insufficient_data\"");
    }

    #[test]
    fn survey_index_from_analysis() {
        // Two items on a 1..5 scale, responses (5,5), (4,4), (5,3): y = 5, 4, 4 → I = 13/3.
        let items = [
            ItemCounts {
                id: "a".into(),
                counts: vec![0, 0, 0, 1, 2],
            },
            ItemCounts {
                id: "b".into(),
                counts: vec![0, 0, 1, 1, 1],
            },
        ];
        let mut scores = Moments::default();
        let mut totals = Moments::default();
        for (y, t) in [(5.0, 10.0), (4.0, 8.0), (4.0, 8.0)] {
            scores.push(y);
            totals.push(t);
        }
        let a = analyse(&AnalysisInput {
            scale_max: 5,
            items: &items,
            weights: &[0.5, 0.5],
            scores,
            totals,
            population: None,
        });
        let s = SurveyIndex::from_analysis(&a, 5);
        assert_eq!(s.n, 3);
        assert!(close(s.value_0_4, 13.0 / 3.0 * 0.8));
        assert!(close(s.ci_low_0_4, a.index.ci_low.unwrap() * 0.8));
        assert!(close(s.ci_high_0_4, a.index.ci_high.unwrap() * 0.8));
    }
}

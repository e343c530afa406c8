//! What the hasil evaluation takes ([`HasilInputs`]: the survey indices on the LKE's 0–4 scale
//! and the entered inputs) and what it gives ([`Hasil`]: indicator, component and condition
//! scores with their CIs, and a verdict per predicate). Plain serialisable data; the API, the
//! pages and the exports show these as they are.

use serde::{Deserialize, Serialize};

use super::{KinerjaGrade, RuleId, Verdict};
use crate::domain::sample_size::minimum_n;
use crate::domain::stats::Analysis;

/// A survey index on the LKE's 0–4 scale, with its 95 % CI and the sample it rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SurveyIndex {
    pub n: u64,
    /// The smallest n a verdict is given on ([`minimum_n`]); below it conditions on this survey
    /// are `insufficient_data` whatever the CI.
    pub minimum_n: u64,
    pub value_0_4: Option<f64>,
    pub ci_low_0_4: Option<f64>,
    pub ci_high_0_4: Option<f64>,
}

impl SurveyIndex {
    /// Takes an [`Analysis`] of a survey on the 1..`scale_max` scale onto the 0–4 scale; the
    /// population N (when known) sets the minimum sample.
    pub fn from_analysis(analysis: &Analysis, scale_max: u8, population: Option<u64>) -> SurveyIndex {
        let to_0_4 = |x: f64| x * 4.0 / f64::from(scale_max);
        SurveyIndex {
            n: analysis.n,
            minimum_n: minimum_n(population),
            value_0_4: analysis.index.value_0_4,
            ci_low_0_4: analysis.index.ci_low.map(to_0_4),
            ci_high_0_4: analysis.index.ci_high.map(to_0_4),
        }
    }
}

/// What [`evaluate`](super::evaluate()) scores.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HasilInputs {
    pub ipak: Option<SurveyIndex>,
    pub ipkp: Option<SurveyIndex>,
    /// Percentage of audit findings followed up (0–100), entered by an assessor or operator.
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<KinerjaGrade>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::stats::{AnalysisInput, ItemCounts, Moments, analyse};

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
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
        let s = SurveyIndex::from_analysis(&a, 5, None);
        assert_eq!(s.n, 3);
        assert_eq!(s.minimum_n, 30);
        assert_eq!(SurveyIndex::from_analysis(&a, 5, Some(3)).minimum_n, 3);
        assert!(close(s.value_0_4, 13.0 / 3.0 * 0.8));
        assert!(close(s.ci_low_0_4, a.index.ci_low.unwrap() * 0.8));
        assert!(close(s.ci_high_0_4, a.index.ci_high.unwrap() * 0.8));
    }
}

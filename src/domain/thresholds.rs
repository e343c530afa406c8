//! The survey-index thresholds the rule sets imply (e.g. "IPAK ≥ 3.60"), read from the rule
//! tables of [`scoring`](super::scoring) rather than written down a second time.
//!
//! The tables state their conditions on scores (IPAK score ≥ 15.75 of 17.5, the pelayanan
//! component ≥ 16 of 20, …). A campaign report wants them on the index a survey measures, on the
//! LKE's 0–4 scale. They are found through [`evaluate`]: with one survey at the top of the scale
//! (4.0) and no other input, exactly the conditions that survey decides on its own get a value,
//! and as a score is proportional to the index (index / 4 × weight), the index threshold is
//! `4 × threshold / value`.

use super::scoring::{HasilInputs, Predicate, RuleId, SurveyIndex, evaluate};

/// The surveys that enter the hasil.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Survey {
    Ipak,
    Ipkp,
}

impl Survey {
    /// The survey a form measures (`ipak`, `ipkp`); SKM enters no hasil.
    pub fn of_form(form_id: &str) -> Option<Survey> {
        match form_id {
            "ipak" => Some(Survey::Ipak),
            "ipkp" => Some(Survey::Ipkp),
            _ => None,
        }
    }
}

/// One condition of a predicate under a rule set, on the survey's 0–4 index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexThreshold {
    pub rule: RuleId,
    pub predicate: Predicate,
    pub index_0_4: f64,
}

/// Every condition that `survey` alone decides, under every rule set (in [`RuleId::ALL`] order,
/// each rule's predicates in its table's order).
pub fn index_thresholds(survey: Survey) -> Vec<IndexThreshold> {
    let top = Some(SurveyIndex {
        n: 1_000,
        value_0_4: Some(4.0),
        ci_low_0_4: Some(4.0),
        ci_high_0_4: Some(4.0),
    });
    let inputs = match survey {
        Survey::Ipak => HasilInputs {
            ipak: top,
            ..HasilInputs::default()
        },
        Survey::Ipkp => HasilInputs {
            ipkp: top,
            ..HasilInputs::default()
        },
    };
    let mut out = Vec::new();
    for rule in RuleId::ALL {
        for p in evaluate(rule, &inputs).predicates {
            for c in p.conditions {
                if let Some(value) = c.value.filter(|v| *v > 0.0) {
                    out.push(IndexThreshold {
                        rule,
                        predicate: p.predicate,
                        index_0_4: 4.0 * c.threshold / value,
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn ipak_must_reach_3_60_for_every_predicate_under_both_rules() {
        let t = index_thresholds(Survey::Ipak);
        assert_eq!(t.len(), 4, "{t:?}");
        assert!(t.iter().all(|t| close(t.index_0_4, 3.60)), "{t:?}");
        for rule in RuleId::ALL {
            for p in [Predicate::Wbk, Predicate::Wbbm] {
                assert!(t.iter().any(|t| t.rule == rule && t.predicate == p), "{rule:?} {p:?}");
            }
        }
    }

    #[test]
    fn ipkp_thresholds_differ_by_rule_and_predicate() {
        let t = index_thresholds(Survey::Ipkp);
        let find = |rule, predicate| t.iter().find(|t| t.rule == rule && t.predicate == predicate).map(|t| t.index_0_4);
        assert_eq!(t.len(), 3, "{t:?}");
        assert!(close(find(RuleId::Permenpanrb90_2021, Predicate::Wbk).unwrap(), 3.20));
        assert!(close(find(RuleId::Permenpanrb90_2021, Predicate::Wbbm).unwrap(), 3.60));
        // 52/2014 judges IPKP through the pelayanan component (≥ 16 of 20) for WBBM only.
        assert!(close(find(RuleId::Permenpanrb52_2014, Predicate::Wbbm).unwrap(), 3.20));
        assert_eq!(find(RuleId::Permenpanrb52_2014, Predicate::Wbk), None);
    }

    #[test]
    fn a_survey_exactly_at_its_threshold_passes_and_just_below_fails() {
        // The derived thresholds agree with `evaluate` itself at and around them.
        for survey in [Survey::Ipak, Survey::Ipkp] {
            for t in index_thresholds(survey) {
                let at = |x: f64| {
                    let s = Some(SurveyIndex {
                        n: 1_000,
                        value_0_4: Some(x),
                        ci_low_0_4: Some(x),
                        ci_high_0_4: Some(x),
                    });
                    let inputs = match survey {
                        Survey::Ipak => HasilInputs {
                            ipak: s,
                            ..HasilInputs::default()
                        },
                        Survey::Ipkp => HasilInputs {
                            ipkp: s,
                            ..HasilInputs::default()
                        },
                    };
                    let h = evaluate(t.rule, &inputs);
                    let p = h.predicates.iter().find(|p| p.predicate == t.predicate).unwrap();
                    p.conditions.iter().filter(|c| c.value.is_some()).all(|c| c.point == Some(true))
                };
                assert!(at(t.index_0_4), "{t:?} at the threshold");
                assert!(!at(t.index_0_4 - 0.01), "{t:?} below the threshold");
            }
        }
    }

    #[test]
    fn skm_enters_no_hasil() {
        assert_eq!(Survey::of_form("skm"), None);
        assert_eq!(Survey::of_form("ipak"), Some(Survey::Ipak));
    }
}

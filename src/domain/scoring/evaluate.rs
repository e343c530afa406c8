//! Evaluating the hasil part under a rule set: each indicator scored from its input (a survey's
//! index and CI, or an exact entered value), components summed with their CIs, each condition
//! judged against its threshold and each predicate's verdict combined. A missing input is never
//! assumed: what needs it is `null` with a reason.

use super::rules::{ConditionDef, IndicatorDef, Source, Target};
use super::verdict::{combine, verdict_exact};
use super::{ComponentScore, Condition, Hasil, HasilInputs, IndicatorScore, PredicateVerdict, RuleId, SurveyIndex, verdict};

/// A score with the sampling information needed for a verdict.
#[derive(Debug, Clone, PartialEq)]
struct Scored {
    score: Option<f64>,
    ci: Option<(f64, f64)>,
    /// Survey respondents behind the score; `None` for an entered (exact) value.
    n: Option<u64>,
    /// The smallest n a verdict is given on (0 for an entered value).
    minimum_n: u64,
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
                minimum_n: 0,
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
                minimum_n: ix.minimum_n,
                reason: Some(format!("{name} survey has no responses")),
            },
        );
    };
    let ci = ix.ci_low_0_4.zip(ix.ci_high_0_4).map(|(lo, hi)| (scale(lo), scale(hi)));
    let reason = if ix.n < ix.minimum_n {
        Some(format!(
            "{name} survey has {} responses, fewer than the minimum of {} for a verdict",
            ix.n, ix.minimum_n
        ))
    } else {
        ci.is_none()
            .then(|| format!("{name} survey has fewer than 2 responses: no confidence interval"))
    };
    (
        Some(value),
        Scored {
            score: Some(scale(value)),
            ci,
            n: Some(ix.n),
            minimum_n: ix.minimum_n,
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
        minimum_n: 0,
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
            minimum_n: 0,
            reason: Some(missing.join("; ")),
        };
    }
    let score: f64 = parts.iter().filter_map(|p| p.score).sum();
    let surveys: Vec<&&Scored> = parts.iter().filter(|p| p.n.is_some()).collect();
    // The weakest survey decides: the smallest sample against the largest minimum.
    let n = surveys.iter().filter_map(|p| p.n).min();
    let minimum_n = surveys.iter().map(|p| p.minimum_n).max().unwrap_or(0);
    let ci_missing = surveys.iter().any(|p| p.ci.is_none());
    let ci = (!ci_missing).then(|| {
        parts.iter().fold((0.0, 0.0), |(lo, hi), p| match p.ci {
            Some((l, h)) => (lo + l, hi + h),
            None => (lo + p.score.unwrap_or(0.0), hi + p.score.unwrap_or(0.0)),
        })
    });
    let reason = surveys.iter().find_map(|p| p.reason.clone());
    Scored {
        score: Some(score),
        ci,
        n,
        minimum_n,
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
            let (vd, ok) = verdict(v, s.ci, def.threshold, n, s.minimum_n);
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
                not_judged: p.not_judged.iter().map(|t| t.en.to_owned()).collect(),
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
            .flat_map(|p| p.not_judged.iter().map(|t| t.en.to_owned()))
            .collect(),
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;

//! Threshold verdicts at 95 % (DESIGN §3): one condition's verdict from a point and its CI, an
//! exact (entered) value's verdict, and a predicate's verdict combined from its conditions.

use serde::{Deserialize, Serialize};

use super::Condition;

/// Tolerance for threshold comparisons. Scores are products of decimal inputs (e.g.
/// 3.60 / 4 × 17.5, which is 15.749999999999998 in binary), so a value within 1e-9 of a threshold
/// counts as reaching it. No legitimate score differs from a threshold by less than that.
pub const THRESHOLD_EPS: f64 = 1e-9;

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
/// bound < threshold, else `Undetermined`. Below the minimum sample (`minimum_n`, see
/// [`sample_size::minimum_n`](crate::domain::sample_size::minimum_n): 30, or the whole population
/// when smaller; never below 2) the verdict is `InsufficientData` whatever the CI — ten identical
/// answers give a zero-width CI that says nothing about the other service users — and only the
/// point is compared. A missing CI at or above the minimum (not produced by `analyse`) is
/// `Undetermined`. The second value is the plain point comparison `point ≥ threshold`.
/// All comparisons allow [`THRESHOLD_EPS`] so that exact thresholds reached in decimal count.
pub fn verdict(point: f64, ci: Option<(f64, f64)>, threshold: f64, n: u64, minimum_n: u64) -> (Verdict, bool) {
    let reaches = |x: f64| x >= threshold - THRESHOLD_EPS;
    let point_ok = reaches(point);
    if n < minimum_n.max(2) {
        return (Verdict::InsufficientData, point_ok);
    }
    let v = match ci {
        Some((lo, _)) if reaches(lo) => Verdict::Pass,
        Some((_, hi)) if !reaches(hi) => Verdict::Fail,
        _ => Verdict::Undetermined,
    };
    (v, point_ok)
}

/// Verdict of an exact value: its degenerate CI [v, v] makes it pass or fail outright.
pub(super) fn verdict_exact(value: f64, threshold: f64) -> (Verdict, bool) {
    verdict(value, Some((value, value)), threshold, u64::MAX, 0)
}

/// Combines condition verdicts: any fail → fail; else any null → null; else any insufficient_data
/// → insufficient_data; else any undetermined → undetermined; else pass.
pub(super) fn combine(conditions: &[Condition]) -> Option<Verdict> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_function() {
        use Verdict::*;
        let verdict = |p, ci, t, n| verdict(p, ci, t, n, 30);
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

    /// The case: ten identical answers of 4 collapse the CI to [4, 4]; with n = 10 below
    /// the minimum of 30 that is insufficient_data, not pass (the point comparison still says
    /// 4 ≥ 3.6). At n = 30 the same answers pass. A census smaller than 30 (N = n = 12, minimum 12)
    /// is judged; a minimum of 0 or 1 still needs two responses.
    #[test]
    fn below_the_minimum_sample_is_insufficient_whatever_the_ci() {
        use Verdict::*;
        assert_eq!(verdict(4.0, Some((4.0, 4.0)), 3.6, 10, 30), (InsufficientData, true));
        assert_eq!(verdict(3.0, Some((3.0, 3.0)), 3.6, 29, 30), (InsufficientData, false));
        assert_eq!(verdict(4.0, Some((4.0, 4.0)), 3.6, 30, 30), (Pass, true));
        assert_eq!(verdict(4.0, Some((4.0, 4.0)), 3.6, 12, 12), (Pass, true));
        assert_eq!(verdict(4.0, None, 3.6, 1, 1), (InsufficientData, true));
        assert_eq!(verdict(4.0, Some((4.0, 4.0)), 3.6, 2, 0), (Pass, true));
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
}

//! Survey statistics, exactly as DESIGN.md section 3 defines them.
//!
//! The inputs are sufficient statistics (counts, sums, sums of squares) because the aggregates come
//! from SQL `GROUP BY` queries; nothing here ever sees raw response rows.
//!
//! Edge cases (all covered by tests):
//! * n = 0: every number is `None`, the distribution is all zeros.
//! * n = 1: index and item means are present; SD, SE, CI and margin are `None`.
//! * zero variance: SD 0, SE 0, the CI collapses to the value; alpha is `None` when SD(T) = 0.
//! * population N = n: fpc 0, the CI collapses to the value (a census has no sampling error).
//! * N unknown, or N < n (inconsistent input, so we do not trust N): fpc 1.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{Continuous, ContinuousCDF, StudentsT};

/// Breakdown cells with fewer responses than this are suppressed (DESIGN §3).
pub const MIN_CELL: u64 = 5;

/// Whether a breakdown cell of `n` responses must be suppressed.
pub fn suppress(n: u64) -> bool {
    n < MIN_CELL
}

/// Relative size below which a sum of squared deviations is treated as exact zero: computing it as
/// `sum_sq - sum²/n` cancels catastrophically when all values are equal, leaving float noise that
/// would otherwise show up as a tiny positive SD instead of 0.
const SS_REL_EPS: f64 = 1e-12;

/// Sufficient statistics of one variable over responses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Moments {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Moments {
    /// Adds one observation.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }

    /// The moments of the union of both samples.
    pub fn merge(&self, other: &Moments) -> Moments {
        Moments {
            n: self.n + other.n,
            sum: self.sum + other.sum,
            sum_sq: self.sum_sq + other.sum_sq,
        }
    }

    /// Sample mean; `None` when n = 0.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }

    /// Sample variance with the n − 1 denominator; `None` when n < 2. Never negative.
    pub fn variance(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = self.n as f64;
        let ss = self.sum_sq - self.sum * self.sum / n;
        // Cancellation can leave tiny negatives or noise when all values are equal.
        let ss = if ss <= SS_REL_EPS * self.sum_sq.abs() { 0.0 } else { ss };
        Some(ss / (n - 1.0))
    }

    /// Sample standard deviation (n − 1); `None` when n < 2.
    pub fn sd(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }
}

/// Answer counts of one scale item: `counts[v - 1]` responses answered `v`.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemCounts {
    pub id: String,
    pub counts: Vec<u64>,
}

impl ItemCounts {
    /// Moments of the item's answers over the values 1..=`scale_max` (counts beyond it are ignored,
    /// consistently with the distribution).
    pub fn moments(&self, scale_max: u8) -> Moments {
        let mut m = Moments::default();
        for (i, &c) in self.counts.iter().take(scale_max as usize).enumerate() {
            let v = (i + 1) as f64;
            m.n += c;
            m.sum += v * c as f64;
            m.sum_sq += v * v * c as f64;
        }
        m
    }
}

/// Everything [`analyse`] needs for one campaign's analysis set.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisInput<'a> {
    /// m, the top of the 1..m scale.
    pub scale_max: u8,
    /// Per-item answer counts, in form order.
    pub items: &'a [ItemCounts],
    /// Item weights in the same order, summing to 1. The index is taken from `scores`
    /// (`mean(y) = Σ w_i mean_i`), so these are informational here.
    pub weights: &'a [f64],
    /// Moments of `y_r = Σ_i w_i x_ri` over responses.
    pub scores: Moments,
    /// Moments of `T_r = Σ_i x_ri` over responses (for Cronbach's alpha).
    pub totals: Moments,
    /// Population N (service users in the period), when known.
    pub population: Option<u64>,
}

/// SKM quality category (PermenPANRB 14/2017), serialised as "A".."D".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub enum SkmCategory {
    A,
    B,
    C,
    D,
}

impl SkmCategory {
    /// The "mutu pelayanan" letter.
    pub fn mutu(&self) -> &str {
        match self {
            SkmCategory::A => "A",
            SkmCategory::B => "B",
            SkmCategory::C => "C",
            SkmCategory::D => "D",
        }
    }

    /// The "kinerja unit pelayanan" label.
    pub fn kinerja(&self) -> &str {
        match self {
            SkmCategory::A => "Sangat Baik",
            SkmCategory::B => "Baik",
            SkmCategory::C => "Kurang Baik",
            SkmCategory::D => "Tidak Baik",
        }
    }
}

/// Category of a converted (25–100) value, per DESIGN §2.3: the value is rounded to 2 decimals
/// first (half away from zero) by [`numbers::scaled`](crate::domain::numbers::scaled), the rounding
/// every displayed number uses, so the value printed beside a category is the value it was judged on
/// (88.305, which is 88.30499… in binary, is 88.31 and A, and prints "88.31").
pub fn skm_category(converted: f64) -> SkmCategory {
    match crate::domain::numbers::scaled(converted, 2) {
        Some(h) if h >= 8831 => SkmCategory::A,
        Some(h) if h >= 7661 => SkmCategory::B,
        Some(h) if h >= 6500 => SkmCategory::C,
        // Includes NaN, which cannot arise from valid input.
        _ => SkmCategory::D,
    }
}

/// The response score `y_r = Σ_i w_i · x_ri`. Pairs weights and values positionally; both are in
/// form order and must have the same length.
pub fn response_score(weights: &[f64], values: &[u8]) -> f64 {
    debug_assert_eq!(weights.len(), values.len());
    weights.iter().zip(values).map(|(w, &x)| w * f64::from(x)).sum()
}

/// Finite-population correction (DESIGN §3): `sqrt((N − n) / (N − 1))` when N is known and N > n,
/// 0 when N = n, else 1. N < n contradicts the data (more answers than users), so N is then treated
/// as unknown (1) rather than inventing a correction.
pub fn fpc(n: u64, population: Option<u64>) -> f64 {
    match population {
        Some(big_n) if big_n == n => 0.0,
        // N > n ≥ 0 with N = 1 means n = 0: nothing is estimated, avoid 1/0.
        Some(big_n) if big_n > n && big_n > 1 => ((big_n - n) as f64 / (big_n - 1) as f64).sqrt(),
        _ => 1.0,
    }
}

/// Above this many degrees of freedom the Cornish–Fisher expansion is more accurate than statrs'
/// CDF (both agree to ~1e-12 around here).
const T_EXPANSION_DF: f64 = 4000.0;
/// The standard normal 0.975 quantile.
const Z_975: f64 = 1.959_963_984_540_054;

/// The Student t 0.975 quantile with `df` degrees of freedom (non-integer allowed, for Welch).
/// Returns NaN for `df <= 0` or NaN.
///
/// statrs' `inverse_cdf` is polished with Newton steps on its CDF (its raw quantile is only good to
/// ~1e-13 at small df and degrades badly for large df); for very large df an asymptotic expansion is
/// used, and the normal quantile at df = ∞.
pub fn t_975(df: f64) -> f64 {
    const P: f64 = 0.975;
    if df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df.is_infinite() {
        return Z_975;
    }
    if df >= T_EXPANSION_DF {
        // Cornish–Fisher expansion of the t quantile in powers of 1/df.
        let z = Z_975;
        let z2 = z * z;
        return z
            + z * (z2 + 1.0) / (4.0 * df)
            + z * (5.0 * z2 * z2 + 16.0 * z2 + 3.0) / (96.0 * df * df)
            + z * (3.0 * z2 * z2 * z2 + 19.0 * z2 * z2 + 17.0 * z2 - 15.0) / (384.0 * df * df * df);
    }
    let Ok(dist) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    let mut q = dist.inverse_cdf(P);
    for _ in 0..3 {
        let step = (dist.cdf(q) - P) / dist.pdf(q);
        if !step.is_finite() {
            break;
        }
        q -= step;
    }
    q
}

/// The index and its uncertainty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndexBlock {
    /// I = mean(y), on the 1..m scale.
    pub value: Option<f64>,
    /// SD(y), n − 1 denominator.
    pub sd: Option<f64>,
    /// sd / sqrt(n) · fpc.
    pub se: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Half-width of the 95 % CI.
    pub margin: Option<f64>,
    /// I · 4 / m, the value the LKE takes.
    pub value_0_4: Option<f64>,
    /// I · 100 / m, the SKM 25–100 value.
    pub converted: Option<f64>,
    pub category: Option<SkmCategory>,
}

/// Per-item statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ItemBlock {
    pub id: String,
    pub n: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// "1".."m" → count; every scale value is present.
    pub distribution: BTreeMap<String, u64>,
}

/// The analysis of one campaign's analysis set.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Analysis {
    pub n: u64,
    pub index: IndexBlock,
    /// Cronbach's alpha; `None` when k < 2, n < 2 or SD(T) = 0.
    pub alpha: Option<f64>,
    pub items: Vec<ItemBlock>,
}

/// A mean's 95 % CI: (se, margin, low, high), or `None` when n < 2.
fn mean_ci(m: &Moments, population: Option<u64>) -> Option<(f64, f64, f64, f64)> {
    let mean = m.mean()?;
    let sd = m.sd()?;
    let n = m.n as f64;
    let se = sd / n.sqrt() * fpc(m.n, population);
    let margin = t_975(n - 1.0) * se;
    Some((se, margin, mean - margin, mean + margin))
}

/// Computes everything DESIGN §3 defines for one analysis set.
pub fn analyse(input: &AnalysisInput) -> Analysis {
    let m = f64::from(input.scale_max);
    let scores = &input.scores;

    let value = scores.mean();
    let ci = mean_ci(scores, input.population);
    let converted = value.map(|v| v * 100.0 / m);
    let index = IndexBlock {
        value,
        sd: scores.sd(),
        se: ci.map(|c| c.0),
        margin: ci.map(|c| c.1),
        ci_low: ci.map(|c| c.2),
        ci_high: ci.map(|c| c.3),
        value_0_4: value.map(|v| v * 4.0 / m),
        converted,
        category: converted.map(skm_category),
    };

    let item_moments: Vec<Moments> = input.items.iter().map(|it| it.moments(input.scale_max)).collect();

    let items = input
        .items
        .iter()
        .zip(&item_moments)
        .map(|(it, mo)| {
            let ci = mean_ci(mo, input.population);
            let distribution = (1..=usize::from(input.scale_max))
                .map(|v| (v.to_string(), it.counts.get(v - 1).copied().unwrap_or(0)))
                .collect();
            ItemBlock {
                id: it.id.clone(),
                n: mo.n,
                mean: mo.mean(),
                sd: mo.sd(),
                ci_low: ci.map(|c| c.2),
                ci_high: ci.map(|c| c.3),
                distribution,
            }
        })
        .collect();

    Analysis {
        n: scores.n,
        index,
        alpha: cronbach_alpha(&item_moments, &input.totals),
        items,
    }
}

/// Cronbach's alpha `k/(k−1) · (1 − Σ sd_i² / sd_T²)`; `None` when k < 2, n < 2 or sd_T = 0.
fn cronbach_alpha(items: &[Moments], totals: &Moments) -> Option<f64> {
    let k = items.len();
    if k < 2 {
        return None;
    }
    let var_t = totals.variance()?;
    if var_t <= 0.0 {
        return None;
    }
    let sum_var: f64 = items.iter().map(Moments::variance).sum::<Option<f64>>()?;
    let k = k as f64;
    let alpha = k / (k - 1.0) * (1.0 - sum_var / var_t);
    // alpha ≤ 1 holds exactly (var(T) ≤ k Σ var_i); only float noise could exceed it.
    Some(alpha.min(1.0))
}

/// Welch's t-test of the period-over-period change in a mean.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Welch {
    /// mean(current) − mean(previous).
    pub difference: f64,
    pub t: Option<f64>,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: Option<f64>,
    /// Two-sided p-value.
    pub p_value: Option<f64>,
}

/// Welch's unequal-variance t-test of `current` against `previous` (no fpc: the periods are
/// compared as processes, not as finite populations).
///
/// `None` when either sample is empty. Otherwise `difference` is always set, and `t`, `df` and
/// `p_value` are all `None` when either n < 2 (no variance) or both variances are 0 (the standard
/// error is 0, so t is undefined or infinite; we report no test rather than a spurious p = 0 or 1).
pub fn welch(current: &Moments, previous: &Moments) -> Option<Welch> {
    let difference = current.mean()? - previous.mean()?;
    let none = Welch {
        difference,
        t: None,
        df: None,
        p_value: None,
    };
    let (Some(v1), Some(v2)) = (current.variance(), previous.variance()) else {
        return Some(none);
    };
    let a = v1 / current.n as f64;
    let b = v2 / previous.n as f64;
    let se2 = a + b;
    if se2 <= 0.0 {
        return Some(none);
    }
    let t = difference / se2.sqrt();
    let df = se2 * se2 / (a * a / (current.n - 1) as f64 + b * b / (previous.n - 1) as f64);
    let p_value = StudentsT::new(0.0, 1.0, df).ok().map(|d| (2.0 * d.sf(t.abs())).clamp(0.0, 1.0));
    Some(Welch {
        difference,
        t: Some(t),
        df: Some(df),
        p_value,
    })
}

#[cfg(test)]
mod tests;

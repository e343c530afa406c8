//! Required sample size (DESIGN.md §2.4): Krejcie & Morgan (1970), the method PermenPANRB 14/2017
//! points to, with the TPN floor of 30 respondents.

use serde::Serialize;

/// The number of respondents required when the population is unknown (the limit of S(N)).
pub const UNKNOWN_POPULATION_N: u64 = 384;
/// TPN practice: at least 30 respondents per unit.
pub const MIN_RESPONDENTS: u64 = 30;

/// Krejcie & Morgan's `S(N) = round(3.841 · N · 0.25 / (0.0025 · (N − 1) + 3.841 · 0.25))`.
/// S(100) = 80, S(1000) = 278, S(10000) = 370; S(0) = 0; never above 384.
pub fn krejcie_morgan(population: u64) -> u64 {
    let n = population as f64;
    let s = 3.841 * n * 0.25 / (0.0025 * (n - 1.0) + 3.841 * 0.25);
    // `as` saturates, and s is finite and within [0, 384.1] for every u64.
    s.round() as u64
}

/// Required respondents: `min(N, max(30, S(N)))`, or 384 when N is unknown.
pub fn required_n(population: Option<u64>) -> u64 {
    match population {
        Some(n) => n.min(MIN_RESPONDENTS.max(krejcie_morgan(n))),
        None => UNKNOWN_POPULATION_N,
    }
}

/// The smallest sample a threshold verdict is given on: the TPN floor of 30 respondents, or the
/// whole population when it is smaller (a census of fewer than 30 service users is complete).
/// Below it a condition is `insufficient_data` whatever its confidence interval says: ten
/// identical answers have a zero-width interval, which says nothing about the other users.
/// `required_n` (the ±5 % target) is reported beside the verdict as `adequate` and does not gate it:
/// the interval already carries the precision the sample has.
pub fn minimum_n(population: Option<u64>) -> u64 {
    match population {
        Some(n) => n.min(MIN_RESPONDENTS),
        None => MIN_RESPONDENTS,
    }
}

/// The sample-size answer for a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SampleSize {
    /// N, when known.
    pub population: Option<u64>,
    /// S(N); `None` when N is unknown.
    pub krejcie_morgan: Option<u64>,
    pub required_n: u64,
}

/// Sample size for a population N (or unknown).
pub fn sample_size(population: Option<u64>) -> SampleSize {
    SampleSize {
        population,
        krejcie_morgan: population.map(krejcie_morgan),
        required_n: required_n(population),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_minimum_sample_is_30_or_the_whole_population() {
        assert_eq!(minimum_n(None), 30);
        assert_eq!(minimum_n(Some(1000)), 30);
        assert_eq!(minimum_n(Some(30)), 30);
        assert_eq!(minimum_n(Some(12)), 12);
        for n in [1, 12, 29, 30, 31, 100, 1000, 100_000] {
            assert!(minimum_n(Some(n)) <= required_n(Some(n)), "{n}");
        }
    }

    #[test]
    fn published_table() {
        // Values from Krejcie & Morgan's (1970) table.
        let table = [
            (10, 10),
            (50, 44),
            (100, 80),
            (200, 132),
            (250, 152),
            (500, 217),
            (1000, 278),
            (5000, 357),
            (10_000, 370),
            (100_000, 383),
            (1_000_000, 384),
        ];
        for (n, s) in table {
            assert_eq!(krejcie_morgan(n), s, "S({n})");
        }
        assert_eq!(krejcie_morgan(0), 0);
        assert_eq!(krejcie_morgan(1), 1);
        assert_eq!(krejcie_morgan(u64::MAX), 384);
    }

    #[test]
    fn required() {
        assert_eq!(required_n(None), 384);
        assert_eq!(required_n(Some(0)), 0);
        assert_eq!(required_n(Some(20)), 20); // min(N, …): a census of a tiny unit
        assert_eq!(required_n(Some(30)), 30);
        assert_eq!(required_n(Some(32)), 30); // S(32) = 29 < 30
        assert_eq!(required_n(Some(250)), 152);
        assert_eq!(required_n(Some(10_000)), 370);
        assert_eq!(
            sample_size(Some(100)),
            SampleSize {
                population: Some(100),
                krejcie_morgan: Some(80),
                required_n: 80
            }
        );
        let unknown = sample_size(None);
        assert_eq!(unknown.krejcie_morgan, None);
        assert_eq!(unknown.required_n, 384);
        let json = serde_json::to_value(unknown).unwrap();
        assert!(json["population"].is_null());
    }

    proptest! {
        #[test]
        fn s_monotone_and_bounded(n in 0u64..2_000_000) {
            let s = krejcie_morgan(n);
            prop_assert!(s <= krejcie_morgan(n + 1));
            prop_assert!(s <= 384);
            prop_assert!(s <= n);
        }

        #[test]
        fn required_at_most_population(n in 0u64..u64::MAX) {
            let r = required_n(Some(n));
            prop_assert!(r <= n);
            prop_assert!(r <= 384);
            prop_assert!(r >= n.min(30));
        }
    }
}

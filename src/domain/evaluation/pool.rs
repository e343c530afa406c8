//! Pooling campaigns: the statistics of several campaigns of one form version computed exactly
//! as if they were one campaign holding all their responses.
//!
//! Every figure of DESIGN §3 is a function of sufficient statistics — the answer counts per item
//! and value, and the count, sum and sum of squares of the response scores y and totals T — and
//! each of those is a sum over responses. So the pool of campaigns is their sums: counts add,
//! moments add ([`Moments::merge`]), and nothing is averaged of averages. The population of the
//! pooled period is the sum of the campaigns' populations when every one is known (the service
//! users of each period, who are different visits), else unknown.

use crate::domain::stats::{Analysis, AnalysisInput, ItemCounts, Moments, analyse};

/// The sufficient statistics of one campaign's analysis set (or of a pool of campaigns).
#[derive(Debug, Clone, PartialEq)]
pub struct Sufficient {
    /// Per item, in form order: the count of each scale value.
    pub items: Vec<ItemCounts>,
    /// Moments of the response scores y.
    pub scores: Moments,
    /// Moments of the response totals T.
    pub totals: Moments,
    /// Population N of the period, when known.
    pub population: Option<u64>,
}

/// Why campaigns cannot be pooled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch(pub String);

impl Sufficient {
    pub fn n(&self) -> u64 {
        self.scores.n
    }

    /// The statistics of both sets of responses together. The items must be the same, in the
    /// same order (one form version).
    pub fn merge(&self, other: &Sufficient) -> Result<Sufficient, Mismatch> {
        if self.items.len() != other.items.len() || self.items.iter().zip(&other.items).any(|(a, b)| a.id != b.id) {
            return Err(Mismatch("campaigns of different items cannot be pooled".to_owned()));
        }
        let items = self
            .items
            .iter()
            .zip(&other.items)
            .map(|(a, b)| {
                let len = a.counts.len().max(b.counts.len());
                let at = |c: &[u64], i: usize| c.get(i).copied().unwrap_or(0);
                ItemCounts {
                    id: a.id.clone(),
                    counts: (0..len).map(|i| at(&a.counts, i) + at(&b.counts, i)).collect(),
                }
            })
            .collect();
        Ok(Sufficient {
            items,
            scores: self.scores.merge(&other.scores),
            totals: self.totals.merge(&other.totals),
            population: self.population.zip(other.population).map(|(a, b)| a + b),
        })
    }

    /// The pool of several campaigns' statistics; `None` for none.
    pub fn pool(parts: &[Sufficient]) -> Result<Option<Sufficient>, Mismatch> {
        let Some((first, rest)) = parts.split_first() else {
            return Ok(None);
        };
        rest.iter().try_fold(first.clone(), |acc, p| acc.merge(p)).map(Some)
    }

    /// DESIGN §3's analysis of these statistics.
    pub fn analyse(&self, scale_max: u8, weights: &[f64]) -> Analysis {
        analyse(&AnalysisInput {
            scale_max,
            items: &self.items,
            weights,
            scores: self.scores,
            totals: self.totals,
            population: self.population,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::stats::response_score;

    const M: u8 = 4;
    const WEIGHTS: [f64; 3] = [0.5, 0.3, 0.2];

    /// What the database aggregates give for a campaign holding these answer sets.
    fn of(responses: &[Vec<u8>], population: Option<u64>) -> Sufficient {
        let mut items: Vec<ItemCounts> = (0..WEIGHTS.len())
            .map(|i| ItemCounts {
                id: format!("q{i}"),
                counts: vec![0; M as usize],
            })
            .collect();
        let (mut scores, mut totals) = (Moments::default(), Moments::default());
        for r in responses {
            for (it, &x) in items.iter_mut().zip(r) {
                it.counts[usize::from(x) - 1] += 1;
            }
            scores.push(response_score(&WEIGHTS, r));
            totals.push(r.iter().map(|&x| f64::from(x)).sum());
        }
        Sufficient {
            items,
            scores,
            totals,
            population,
        }
    }

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
            (None, None) => true,
            _ => false,
        }
    }

    fn same(a: &Analysis, b: &Analysis) -> Result<(), TestCaseError> {
        prop_assert_eq!(a.n, b.n);
        let (x, y) = (&a.index, &b.index);
        for (what, p, q) in [
            ("value", x.value, y.value),
            ("sd", x.sd, y.sd),
            ("se", x.se, y.se),
            ("ci_low", x.ci_low, y.ci_low),
            ("ci_high", x.ci_high, y.ci_high),
            ("value_0_4", x.value_0_4, y.value_0_4),
            ("converted", x.converted, y.converted),
            ("alpha", a.alpha, b.alpha),
        ] {
            prop_assert!(close(p, q), "{what}: {p:?} vs {q:?}");
        }
        for (i, j) in a.items.iter().zip(&b.items) {
            prop_assert_eq!(&i.distribution, &j.distribution);
            prop_assert!(close(i.mean, j.mean) && close(i.sd, j.sd) && close(i.ci_low, j.ci_low));
        }
        Ok(())
    }

    fn answers(max: usize) -> impl Strategy<Value = Vec<Vec<u8>>> {
        prop::collection::vec(prop::collection::vec(1u8..=M, WEIGHTS.len()), 0..max)
    }

    proptest! {
        /// Pooling two campaigns equals one campaign holding both sets of answers: the same
        /// counts, moments and population, so the same index, CI, SD, alpha and items.
        #[test]
        fn pooling_two_campaigns_is_one_campaign_with_both(
            a in answers(60),
            b in answers(60),
            na in prop::option::of(0u64..400),
            nb in prop::option::of(0u64..400),
        ) {
            let (pa, pb) = (na.map(|n| n + a.len() as u64), nb.map(|n| n + b.len() as u64));
            let pooled = Sufficient::pool(&[of(&a, pa), of(&b, pb)]).unwrap().unwrap();
            let both: Vec<Vec<u8>> = a.iter().chain(&b).cloned().collect();
            let one = of(&both, pa.zip(pb).map(|(x, y)| x + y));
            prop_assert_eq!(&pooled.items, &one.items);
            prop_assert_eq!(pooled.population, one.population);
            prop_assert_eq!(pooled.n(), one.n());
            same(&pooled.analyse(M, &WEIGHTS), &one.analyse(M, &WEIGHTS))?;
        }

        /// The order of pooling does not matter.
        #[test]
        fn pooling_is_order_independent(a in answers(30), b in answers(30), c in answers(30)) {
            let (x, y, z) = (of(&a, None), of(&b, None), of(&c, None));
            let abc = Sufficient::pool(&[x.clone(), y.clone(), z.clone()]).unwrap().unwrap();
            let cab = Sufficient::pool(&[z, x, y]).unwrap().unwrap();
            same(&abc.analyse(M, &WEIGHTS), &cab.analyse(M, &WEIGHTS))?;
        }
    }

    /// A hand-worked pool: campaign 1 answers (4,4,4) and (3,3,3), campaign 2 answers (2,2,2)
    /// and (4,4,4) — y = 4, 3 and 2, 4. One campaign of all four: mean (4+3+2+4)/4 = 3.25,
    /// SD sqrt(((0.75)² + (0.25)² + (1.25)² + (0.75)²)/3) = sqrt(2.75/3) ≈ 0.9574.
    #[test]
    fn a_pool_by_hand() {
        let one = of(&[vec![4, 4, 4], vec![3, 3, 3]], Some(100));
        let two = of(&[vec![2, 2, 2], vec![4, 4, 4]], Some(50));
        let p = Sufficient::pool(&[one, two]).unwrap().unwrap();
        assert_eq!(p.n(), 4);
        assert_eq!(p.population, Some(150));
        assert_eq!(p.items[0].counts, vec![0, 1, 1, 2]);
        let a = p.analyse(M, &WEIGHTS);
        assert!((a.index.value.unwrap() - 3.25).abs() < 1e-12);
        assert!((a.index.sd.unwrap() - (2.75f64 / 3.0).sqrt()).abs() < 1e-12);
        // One unknown population makes the pool's unknown.
        let q = Sufficient::pool(&[of(&[vec![4, 4, 4]], Some(10)), of(&[vec![4, 4, 4]], None)])
            .unwrap()
            .unwrap();
        assert_eq!(q.population, None);
        assert_eq!(Sufficient::pool(&[]).unwrap(), None);
        let mut other = of(&[vec![4, 4, 4]], None);
        other.items[0].id = "x".into();
        assert!(Sufficient::pool(&[of(&[], None), other]).is_err());
    }
}

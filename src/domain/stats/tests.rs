//! The statistics against the fixtures (to 1e-9), their edge cases and properties. Kept apart
//! from `stats/mod.rs` only for length: the fixtures' expected values make it long.

use super::*;
use crate::domain::sample_size::required_n;
use proptest::prelude::*;
use serde_json::Value;

/// Agreement to 1e-9 relative, or 1e-12 absolute near zero.
fn close(a: f64, b: f64) -> bool {
    let d = (a - b).abs();
    d <= 1e-12 || d <= 1e-9 * a.abs().max(b.abs())
}

fn assert_close(what: &str, got: Option<f64>, want: f64) {
    let got = got.unwrap_or_else(|| panic!("{what}: got None, want {want}"));
    assert!(close(got, want), "{what}: got {got}, want {want}");
}

/// Builds the analysis input from raw responses the way the DB aggregates would.
struct Built {
    scale_max: u8,
    items: Vec<ItemCounts>,
    weights: Vec<f64>,
    scores: Moments,
    totals: Moments,
    population: Option<u64>,
}

impl Built {
    fn new(scale_max: u8, weights: Vec<f64>, ids: Vec<String>, responses: &[Vec<u8>], population: Option<u64>) -> Built {
        let mut items: Vec<ItemCounts> = ids
            .into_iter()
            .map(|id| ItemCounts {
                id,
                counts: vec![0; scale_max as usize],
            })
            .collect();
        let mut scores = Moments::default();
        let mut totals = Moments::default();
        for r in responses {
            for (item, &x) in items.iter_mut().zip(r) {
                item.counts[x as usize - 1] += 1;
            }
            scores.push(response_score(&weights, r));
            totals.push(r.iter().map(|&x| f64::from(x)).sum());
        }
        Built {
            scale_max,
            items,
            weights,
            scores,
            totals,
            population,
        }
    }

    fn simple(scale_max: u8, responses: &[Vec<u8>], population: Option<u64>) -> Built {
        let k = responses.first().map_or(2, Vec::len);
        Built::new(
            scale_max,
            vec![1.0 / k as f64; k],
            (0..k).map(|i| format!("q{i}")).collect(),
            responses,
            population,
        )
    }

    fn analyse(&self) -> Analysis {
        analyse(&AnalysisInput {
            scale_max: self.scale_max,
            items: &self.items,
            weights: &self.weights,
            scores: self.scores,
            totals: self.totals,
            population: self.population,
        })
    }
}

fn check_fixture(name: &str) {
    let path = format!("{}/tests/fixtures/stats/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let f: Value = serde_json::from_str(&text).unwrap();
    let ids: Vec<String> = f["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let k = ids.len();
    let weights: Vec<f64> = match f.get("weights") {
        Some(Value::Array(w)) => w.iter().map(|x| x.as_f64().unwrap()).collect(),
        _ => vec![1.0 / k as f64; k],
    };
    let scale_max = f["scale_max"].as_u64().unwrap() as u8;
    let population = f["population"].as_u64();
    let responses: Vec<Vec<u8>> = f["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| ids.iter().map(|id| r["answers"][id].as_u64().unwrap() as u8).collect())
        .collect();
    let a = Built::new(scale_max, weights, ids, &responses, population).analyse();

    let e = &f["expected"];
    let num = |key: &str| e[key].as_f64().unwrap();
    assert_eq!(a.n, e["n"].as_u64().unwrap(), "{name}: n");
    let ix = &a.index;
    assert_close("index", ix.value, num("index"));
    assert_close("sd", ix.sd, num("sd"));
    assert_close("se", ix.se, num("se"));
    assert_close("ci_low", ix.ci_low, num("ci_low"));
    assert_close("ci_high", ix.ci_high, num("ci_high"));
    assert_close("margin", ix.margin, num("margin"));
    assert_close("value_0_4", ix.value_0_4, num("value_0_4"));
    assert_close("converted", ix.converted, num("converted"));
    assert_eq!(
        ix.category.map(|c| c.mutu().to_owned()),
        e["category"].as_str().map(str::to_owned),
        "{name}: category"
    );
    assert_close("alpha", a.alpha, num("alpha"));
    let req = required_n(population);
    assert_eq!(req, e["required_n"].as_u64().unwrap(), "{name}: required_n");
    assert_eq!(a.n >= req, e["adequate"].as_bool().unwrap(), "{name}: adequate");

    let want_items = e["items"].as_array().unwrap();
    assert_eq!(a.items.len(), want_items.len());
    for (got, want) in a.items.iter().zip(want_items) {
        assert_eq!(got.id, want["id"].as_str().unwrap());
        let n = |key: &str| want[key].as_f64().unwrap();
        assert_close(&format!("{} mean", got.id), got.mean, n("mean"));
        assert_close(&format!("{} sd", got.id), got.sd, n("sd"));
        assert_close(&format!("{} ci_low", got.id), got.ci_low, n("ci_low"));
        assert_close(&format!("{} ci_high", got.id), got.ci_high, n("ci_high"));
        let dist: BTreeMap<String, u64> = want["distribution"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .collect();
        assert_eq!(got.distribution, dist, "{} distribution", got.id);
        assert_eq!(got.n, a.n);
    }
}

#[test]
fn fixture_ipak_census_n30() {
    check_fixture("stats-ipak-census-n30.json");
}

#[test]
fn fixture_ipkp_n40() {
    check_fixture("stats-ipkp-n40.json");
}

#[test]
fn fixture_skm_weighted_n25() {
    check_fixture("stats-skm-weighted-n25.json");
}

#[test]
fn t_quantiles() {
    // Reference values: R qt(0.975, df) / scipy t.ppf. The brief quoted 2.022690901 for df = 39;
    // the correct value (and the one the ipkp fixture implies, margin / se) is 2.0226909200.
    let cases = [
        (1.0, 12.706_204_74),
        (2.0, 4.302_652_73),
        (9.0, 2.262_157_16),
        (24.0, 2.063_898_561_628_024_5), // implied by the skm fixture
        (29.0, 2.045_229_64),
        (39.0, 2.022_690_920_036_761), // implied by the ipkp fixture
        (100.0, 1.983_971_52),
        (1000.0, 1.962_339_08),
    ];
    for (df, want) in cases {
        let got = t_975(df);
        assert!((got - want).abs() < 1e-7, "df {df}: {got} vs {want}");
    }
    // Large df approaches the normal quantile from above, smoothly across the method switch.
    assert!((t_975(1e6) - 1.959_966_356_8).abs() < 1e-9);
    assert!((t_975(T_EXPANSION_DF - 1e-6) - t_975(T_EXPANSION_DF)).abs() < 1e-10);
    assert_eq!(t_975(f64::INFINITY), Z_975);
    assert!(t_975(0.0).is_nan());
    assert!(t_975(-1.0).is_nan());
    assert!(t_975(f64::NAN).is_nan());
}

#[test]
fn moments_basics() {
    let mut a = Moments::default();
    assert_eq!(a.mean(), None);
    assert_eq!(a.variance(), None);
    a.push(2.0);
    assert_eq!(a.mean(), Some(2.0));
    assert_eq!(a.variance(), None);
    a.push(4.0);
    assert_eq!(a.variance(), Some(2.0));
    let mut b = Moments::default();
    b.push(6.0);
    let c = a.merge(&b);
    assert_eq!(c.n, 3);
    assert_eq!(c.mean(), Some(4.0));
    assert_eq!(c.variance(), Some(4.0));
    // Cancellation noise is clamped to an exact zero.
    let mut d = Moments::default();
    for _ in 0..1000 {
        d.push(0.1 * 3.0 + 0.7 / 3.0);
    }
    assert_eq!(d.variance(), Some(0.0));
}

#[test]
fn fpc_cases() {
    assert_eq!(fpc(10, None), 1.0);
    assert_eq!(fpc(10, Some(10)), 0.0);
    assert_eq!(fpc(10, Some(5)), 1.0); // N < n: N not trusted
    assert!((fpc(40, Some(250)) - (210.0f64 / 249.0).sqrt()).abs() < 1e-15);
    assert_eq!(fpc(0, Some(1)), 1.0);
    assert_eq!(fpc(0, Some(0)), 0.0);
    assert!((fpc(0, Some(2)) - 2f64.sqrt()).abs() < 1e-15);
}

#[test]
fn n_zero_is_all_null() {
    let b = Built::simple(4, &[], Some(100));
    let a = b.analyse();
    assert_eq!(a.n, 0);
    assert_eq!(a.index, IndexBlock::default());
    assert_eq!(a.alpha, None);
    assert_eq!(a.items.len(), 2);
    for it in &a.items {
        assert_eq!(it.n, 0);
        assert_eq!((it.mean, it.sd, it.ci_low, it.ci_high), (None, None, None, None));
        let keys: Vec<&str> = it.distribution.keys().map(String::as_str).collect();
        assert_eq!(keys, ["1", "2", "3", "4"]);
        assert!(it.distribution.values().all(|&c| c == 0));
    }
    let json = serde_json::to_value(&a).unwrap();
    assert!(json["index"]["value"].is_null());
    assert!(json["alpha"].is_null());
}

#[test]
fn n_one_has_values_but_no_spread() {
    let a = Built::simple(4, &[vec![4, 3]], None).analyse();
    assert_eq!(a.n, 1);
    assert_eq!(a.index.value, Some(3.5));
    assert_eq!(a.index.value_0_4, Some(3.5));
    assert_eq!(a.index.converted, Some(87.5));
    assert_eq!(a.index.category, Some(SkmCategory::B));
    assert_eq!(a.index.sd, None);
    assert_eq!(a.index.se, None);
    assert_eq!(a.index.ci_low, None);
    assert_eq!(a.index.ci_high, None);
    assert_eq!(a.index.margin, None);
    assert_eq!(a.alpha, None);
    assert_eq!(a.items[0].mean, Some(4.0));
    assert_eq!(a.items[0].sd, None);
    assert_eq!(a.items[0].ci_low, None);
}

#[test]
fn zero_variance_collapses_ci_and_nulls_alpha() {
    // Unequal weights so that y is not an exact binary fraction.
    let rs = vec![vec![3, 4, 2]; 12];
    let b = Built::new(4, vec![0.15, 0.45, 0.4], vec!["a".into(), "b".into(), "c".into()], &rs, None);
    let a = b.analyse();
    let v = a.index.value.unwrap();
    assert!((v - (0.45 + 1.8 + 0.8)).abs() < 1e-12);
    assert_eq!(a.index.sd, Some(0.0));
    assert_eq!(a.index.se, Some(0.0));
    assert_eq!(a.index.margin, Some(0.0));
    assert_eq!(a.index.ci_low, Some(v));
    assert_eq!(a.index.ci_high, Some(v));
    assert_eq!(a.alpha, None);
    assert_eq!(a.items[1].sd, Some(0.0));
    assert_eq!(a.items[1].ci_low, Some(4.0));
}

#[test]
fn alpha_null_for_single_item() {
    let a = Built::simple(5, &[vec![1], vec![5], vec![3]], None).analyse();
    assert_eq!(a.alpha, None);
    assert_eq!(a.index.value, Some(3.0));
}

#[test]
fn census_collapses_ci() {
    let rs = vec![vec![1, 2], vec![3, 4], vec![4, 4]];
    let a = Built::simple(4, &rs, Some(3)).analyse();
    let v = a.index.value.unwrap();
    assert!(a.index.sd.unwrap() > 0.0);
    assert_eq!(a.index.se, Some(0.0));
    assert_eq!(a.index.margin, Some(0.0));
    assert_eq!((a.index.ci_low, a.index.ci_high), (Some(v), Some(v)));
    assert_eq!(a.items[0].ci_low, a.items[0].mean);
}

#[test]
fn unknown_or_smaller_population_means_no_correction() {
    let rs = vec![vec![1, 2], vec![3, 4], vec![4, 4], vec![2, 2]];
    let unknown = Built::simple(4, &rs, None).analyse();
    let smaller = Built::simple(4, &rs, Some(2)).analyse();
    let sd = unknown.index.sd.unwrap();
    assert!(close(unknown.index.se.unwrap(), sd / 2.0));
    assert_eq!(unknown.index, smaller.index);
    let large = Built::simple(4, &rs, Some(1000)).analyse();
    assert!(large.index.margin.unwrap() < unknown.index.margin.unwrap());
}

#[test]
fn skm_category_table() {
    use SkmCategory::*;
    let cases = [
        (100.0, A),
        (88.31, A),
        (88.305, A), // rounds to 88.31
        (88.304_999, B),
        (88.30, B),
        (76.61, B),
        (76.605, B),
        (76.604, C),
        (76.60, C),
        (65.0, C),
        (64.995, C), // rounds to 65.00
        (64.99, D),
        (25.0, D),
    ];
    for (x, want) in cases {
        assert_eq!(skm_category(x), want, "{x}");
    }
    assert_eq!(A.kinerja(), "Sangat Baik");
    assert_eq!(B.kinerja(), "Baik");
    assert_eq!(C.kinerja(), "Kurang Baik");
    assert_eq!(D.kinerja(), "Tidak Baik");
    assert_eq!(C.mutu(), "C");
    assert_eq!(serde_json::to_string(&D).unwrap(), "\"D\"");
}

#[test]
fn response_score_weights() {
    assert!((response_score(&[0.25, 0.75], &[4, 2]) - 2.5).abs() < 1e-15);
    assert_eq!(response_score(&[], &[]), 0.0);
}

fn moments_of(xs: &[f64]) -> Moments {
    let mut m = Moments::default();
    xs.iter().for_each(|&x| m.push(x));
    m
}

#[test]
fn welch_cases() {
    assert_eq!(welch(&Moments::default(), &moments_of(&[1.0, 2.0])), None);
    assert_eq!(welch(&moments_of(&[1.0]), &Moments::default()), None);
    // n < 2 on one side: difference only.
    let w = welch(&moments_of(&[3.0]), &moments_of(&[1.0, 2.0])).unwrap();
    assert_eq!(w.difference, 1.5);
    assert_eq!((w.t, w.df, w.p_value), (None, None, None));
    // Both variances zero: difference only.
    let w = welch(&moments_of(&[3.0, 3.0]), &moments_of(&[2.0, 2.0, 2.0])).unwrap();
    assert_eq!(w.difference, 1.0);
    assert_eq!((w.t, w.df, w.p_value), (None, None, None));
    // Worked example: current {1,2,3,4} mean 2.5 var 5/3; previous {2,2,3} mean 7/3 var 1/3.
    // a = (5/3)/4 = 5/12, b = (1/3)/3 = 1/9, se² = 19/36, t = (1/6)/sqrt(19/36) = 1/sqrt(19)
    // = 0.229415733870562; df = (19/36)² / ((5/12)²/3 + (1/9)²/2) = 4.349397590361446;
    // p = 2·P(T_df > t) = 0.82893565864 (numerical integration of the t density).
    let w = welch(&moments_of(&[1.0, 2.0, 3.0, 4.0]), &moments_of(&[2.0, 2.0, 3.0])).unwrap();
    assert!((w.difference - 1.0 / 6.0).abs() < 1e-12);
    assert!((w.t.unwrap() - 0.229_415_733_870_562).abs() < 1e-12);
    let df = (19.0f64 / 36.0).powi(2) / ((5.0f64 / 12.0).powi(2) / 3.0 + (1.0f64 / 81.0) / 2.0);
    assert!((w.df.unwrap() - df).abs() < 1e-12);
    let p = w.p_value.unwrap();
    assert!((p - 0.828_935_658_64).abs() < 1e-9, "{p}");
    // Symmetric: swapping periods flips the sign only.
    let s = welch(&moments_of(&[2.0, 2.0, 3.0]), &moments_of(&[1.0, 2.0, 3.0, 4.0])).unwrap();
    assert!((s.p_value.unwrap() - p).abs() < 1e-15);
    assert!((s.t.unwrap() + w.t.unwrap()).abs() < 1e-15);
}

#[test]
fn suppression() {
    assert!(suppress(0));
    assert!(suppress(4));
    assert!(!suppress(5));
    assert!(!suppress(MIN_CELL + 10));
}

/// A random survey: scale max, weights, and responses.
fn survey() -> impl Strategy<Value = (u8, Vec<f64>, Vec<Vec<u8>>)> {
    (2u8..=7, 1usize..=6).prop_flat_map(|(m, k)| {
        (
            Just(m),
            prop::collection::vec(0.05f64..1.0, k).prop_map(|w| {
                let s: f64 = w.iter().sum();
                w.into_iter().map(|x| x / s).collect::<Vec<_>>()
            }),
            prop::collection::vec(prop::collection::vec(1u8..=m, k), 0..40),
        )
    })
}

fn build(m: u8, w: &[f64], rs: &[Vec<u8>], population: Option<u64>) -> Analysis {
    let ids = (0..w.len()).map(|i| format!("q{i}")).collect();
    Built::new(m, w.to_vec(), ids, rs, population).analyse()
}

fn opt_close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9,
        _ => false,
    }
}

proptest! {
    #[test]
    fn index_in_range_and_inside_ci(
        (m, w, rs) in survey(),
        extra in prop::option::of(0u64..100),
    ) {
        let population = extra.map(|e| rs.len() as u64 + e);
        let a = build(m, &w, &rs, population);
        prop_assert_eq!(a.n, rs.len() as u64);
        match a.index.value {
            None => prop_assert!(rs.is_empty()),
            Some(v) => {
                prop_assert!(v >= 1.0 - 1e-12 && v <= f64::from(m) + 1e-12);
                if let (Some(lo), Some(hi)) = (a.index.ci_low, a.index.ci_high) {
                    prop_assert!(lo <= v && v <= hi);
                    prop_assert!(hi - lo >= 0.0);
                } else {
                    prop_assert!(rs.len() < 2);
                }
            }
        }
        if let Some(alpha) = a.alpha {
            prop_assert!(alpha <= 1.0);
        }
        for it in &a.items {
            prop_assert_eq!(it.distribution.len(), usize::from(m));
            prop_assert_eq!(it.distribution.values().sum::<u64>(), a.n);
        }
    }

    #[test]
    fn order_does_not_matter((m, w, rs) in survey(), seed in any::<u64>()) {
        let mut shuffled = rs.clone();
        // Deterministic Fisher–Yates from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let a = build(m, &w, &rs, None);
        let b = build(m, &w, &shuffled, None);
        prop_assert!(opt_close(a.index.value, b.index.value));
        prop_assert!(opt_close(a.index.sd, b.index.sd));
        prop_assert!(opt_close(a.index.ci_low, b.index.ci_low));
        prop_assert!(opt_close(a.index.ci_high, b.index.ci_high));
        prop_assert!(opt_close(a.alpha, b.alpha));
        prop_assert_eq!(a.index.category, b.index.category);
        for (x, y) in a.items.iter().zip(&b.items) {
            prop_assert_eq!(x, y); // item statistics come from integer counts: exact
        }
    }

    #[test]
    fn ci_narrows_when_sample_is_duplicated((m, w, rs) in survey(), k in 2usize..5) {
        prop_assume!(rs.len() >= 2);
        let big: Vec<Vec<u8>> = (0..k).flat_map(|_| rs.iter().cloned()).collect();
        let a = build(m, &w, &rs, None);
        let b = build(m, &w, &big, None);
        prop_assert!(opt_close(a.index.value, b.index.value));
        let (ma, mb) = (a.index.margin.unwrap(), b.index.margin.unwrap());
        prop_assert!(mb <= ma + 1e-12, "margin {} -> {}", ma, mb);
        if ma > 1e-9 {
            prop_assert!(mb < ma);
        }
    }
}

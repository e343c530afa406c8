//! Tests of `evaluate`: each indicator source, component sums, conditions and predicate verdicts,
//! kept apart so the evaluator reads on its own.

use proptest::prelude::*;

use super::super::{KinerjaGrade, Predicate, Verdict};
use super::*;

fn survey(n: u64, value: f64, ci: Option<(f64, f64)>) -> Option<SurveyIndex> {
    Some(SurveyIndex {
        n,
        minimum_n: 30,
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
    assert_eq!(h.not_judged.len(), 7);
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

/// Issue 13's case: ten identical answers of 4 give IPAK 4.00 with the CI collapsed to
/// [4, 4]. Under 90/2021 with kinerja A and IPKP 3.80 [3.70, 3.90] from 50 responses:
/// IPAK 4/4 × 17.5 = 17.5 ≥ 15.75 on the point, but n = 10 < 30 → insufficient_data (point
/// true) with the reason; bersih = 17.5 + 5 = 22.5 rests on the same 10 → insufficient_data;
/// IPKP 16.625 [16.1875, 17.0625] ≥ 14 → pass. WBK: insufficient_data, never pass.
#[test]
fn ten_identical_answers_are_insufficient_not_pass() {
    let h = evaluate(
        RuleId::Permenpanrb90_2021,
        &HasilInputs {
            ipak: survey(10, 4.0, Some((4.0, 4.0))),
            ipkp: survey(50, 3.8, Some((3.7, 3.9))),
            tlhp_percent: None,
            kinerja: Some(KinerjaGrade::A),
        },
    );
    let i = cond(&h, Predicate::Wbk, "ipak_score");
    assert_eq!((i.verdict, i.point), (Some(Verdict::InsufficientData), Some(true)));
    assert_eq!(
        i.reason.as_deref(),
        Some("IPAK survey has 10 responses, fewer than the minimum of 30 for a verdict")
    );
    let b = cond(&h, Predicate::Wbk, "bersih");
    assert!(close(b.value, 22.5));
    assert_eq!(b.verdict, Some(Verdict::InsufficientData));
    assert_eq!(cond(&h, Predicate::Wbk, "ipkp_score").verdict, Some(Verdict::Pass));
    assert_eq!(pverdict(&h, Predicate::Wbk), Some(Verdict::InsufficientData));
    // The score itself is still reported: 17.5 + 5 + 16.625.
    assert!(close(h.hasil_total, 39.125));
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

/// A survey index: n, the value, and a CI around it (none below two respondents).
fn any_survey() -> impl Strategy<Value = Option<SurveyIndex>> {
    prop::option::of((0u64..200, 0.0f64..=4.0, 0.0f64..0.5, 0.0f64..0.5)).prop_map(|s| {
        s.map(|(n, v, lo, hi)| SurveyIndex {
            n,
            minimum_n: 30,
            value_0_4: (n > 0).then_some(v),
            ci_low_0_4: (n > 1).then_some((v - lo).max(0.0)),
            ci_high_0_4: (n > 1).then_some((v + hi).min(4.0)),
        })
    })
}

fn any_inputs() -> impl Strategy<Value = HasilInputs> {
    let grade = prop::sample::select(vec![
        KinerjaGrade::A,
        KinerjaGrade::B,
        KinerjaGrade::C,
        KinerjaGrade::D,
        KinerjaGrade::E,
    ]);
    (
        any_survey(),
        any_survey(),
        prop::option::of(-10.0f64..110.0),
        prop::option::of(grade),
    )
        .prop_map(|(ipak, ipkp, tlhp_percent, kinerja)| HasilInputs {
            ipak,
            ipkp,
            tlhp_percent,
            kinerja,
        })
}

proptest! {
    #[test]
    fn evaluation_is_consistent_under_every_rule(inputs in any_inputs()) {
        for rule in RuleId::ALL {
            let h = evaluate(rule, &inputs);
            for i in &h.indicators {
                match i.score {
                    Some(s) => prop_assert!((-1e-9..=i.weight + 1e-9).contains(&s), "{}: {s}", i.id),
                    None => prop_assert!(i.reason.is_some(), "{} has no score and no reason", i.id),
                }
                if let (Some(lo), Some(s), Some(hi)) = (i.score_ci_low, i.score, i.score_ci_high) {
                    prop_assert!(lo <= s + 1e-9 && s <= hi + 1e-9);
                }
            }
            for c in &h.components {
                prop_assert!(c.score.is_some() || c.reason.is_some());
                if let Some(s) = c.score {
                    prop_assert!(s <= c.max + 1e-9);
                }
            }
            let all: Option<f64> = h.components.iter().map(|c| c.score).sum();
            prop_assert_eq!(h.hasil_total, all);
            for p in &h.predicates {
                let verdicts: Vec<Option<Verdict>> = p.conditions.iter().map(|c| c.verdict).collect();
                match p.verdict {
                    Some(Verdict::Pass) => prop_assert!(p.conditions.iter().all(|c| c.point == Some(true))),
                    Some(Verdict::Fail) => prop_assert!(verdicts.contains(&Some(Verdict::Fail))),
                    None => prop_assert!(verdicts.contains(&None)),
                    Some(v) => prop_assert!(verdicts.contains(&Some(v))),
                }
                for c in &p.conditions {
                    // A verdict is given exactly when there is a value to judge.
                    prop_assert_eq!(c.verdict.is_some(), c.value.is_some());
                    // A condition resting on a survey below its minimum sample is never
                    // judged pass or fail.
                    let small = |s: &Option<SurveyIndex>| s.is_some_and(|s| s.n < s.minimum_n);
                    let on_ipak = c.id == "ipak_score" || c.id == "bersih";
                    let on_ipkp = c.id == "ipkp_score" || c.id == "pelayanan";
                    if (on_ipak && small(&inputs.ipak)) || (on_ipkp && small(&inputs.ipkp)) {
                        prop_assert!(c.verdict.is_none() || c.verdict == Some(Verdict::InsufficientData), "{}", c.id);
                    }
                    if c.verdict == Some(Verdict::Pass) {
                        prop_assert!(c.point == Some(true));
                    }
                }
            }
        }
    }
}

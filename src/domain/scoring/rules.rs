//! The Zona Integritas "komponen hasil" rule sets (DESIGN.md §2.1) as data tables: each rule's
//! indicators with their weights and sources, its components, and each predicate's threshold
//! conditions and the conditions this service cannot judge. [`evaluate`](super::evaluate())
//! reads them; a new rule set is a new table here, not new code.

use serde::Serialize;

use super::{Predicate, RuleId};
use crate::domain::forms::IndexName;
use crate::domain::language::Text;

/// Where an indicator's input comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    Ipak,
    Ipkp,
    Tlhp,
    Kinerja,
}

pub(super) struct IndicatorDef {
    pub(super) id: &'static str,
    pub(super) label: &'static str,
    pub(super) component: &'static str,
    pub(super) weight: f64,
    pub(super) source: Source,
}

pub(super) struct ComponentDef {
    pub(super) id: &'static str,
    pub(super) label: &'static str,
    pub(super) max: f64,
}

/// What a condition tests: an indicator's or a component's score.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    Indicator(&'static str),
    Component(&'static str),
}

pub(super) struct ConditionDef {
    pub(super) id: &'static str,
    pub(super) target: Target,
    pub(super) threshold: f64,
    pub(super) description: &'static str,
}

pub(super) struct PredicateDef {
    pub(super) predicate: Predicate,
    pub(super) conditions: &'static [ConditionDef],
    /// The predicate's conditions this service cannot judge (the API gives the English).
    pub(super) not_judged: &'static [Text],
}

pub(super) struct RuleDef {
    pub(super) indicators: &'static [IndicatorDef],
    pub(super) components: &'static [ComponentDef],
    pub(super) predicates: &'static [PredicateDef],
}

const IPAK_LABEL: &str = "Survei Persepsi Korupsi (IPAK)";
const IPKP_LABEL: &str = "Survei Persepsi Kualitas Pelayanan (IPKP)";

const fn nj(id: &'static str, en: &'static str) -> Text {
    Text { id, en }
}

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
            not_judged: &[nj(
                "WBK: nilai total ≥ 75 (butuh evaluasi komponen pengungkit)",
                "WBK: total score ≥ 75 (needs the pengungkit evaluation)",
            )],
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
            not_judged: &[
                nj(
                    "WBBM: nilai total ≥ 85 (butuh evaluasi komponen pengungkit)",
                    "WBBM: total score ≥ 85 (needs the pengungkit evaluation)",
                ),
                nj(
                    "WBBM: unit sudah berpredikat WBK (unit diusulkan WBBM hanya setelah WBK)",
                    "WBBM: the unit already holds the WBK predicate (a unit is proposed for WBBM only after WBK)",
                ),
            ],
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
                nj(
                    "Menuju WBK: nilai total ≥ 75 (butuh evaluasi komponen pengungkit)",
                    "Menuju WBK: total score ≥ 75 (needs the pengungkit evaluation)",
                ),
                nj(
                    "Menuju WBK: komponen pengungkit ≥ 40 (evaluasi proses, bukan data survei)",
                    "Menuju WBK: pengungkit ≥ 40 (process evaluation, not survey data)",
                ),
                nj(
                    "Menuju WBK: setiap area pengungkit ≥ 60 % dari bobotnya (evaluasi proses, bukan data survei)",
                    "Menuju WBK: every pengungkit area ≥ 60 % of its weight (process evaluation, not survey data)",
                ),
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
                nj(
                    "Menuju WBBM: nilai total ≥ 85 (butuh evaluasi komponen pengungkit)",
                    "Menuju WBBM: total score ≥ 85 (needs the pengungkit evaluation)",
                ),
                nj(
                    "Menuju WBBM: komponen pengungkit ≥ 48 (evaluasi proses, bukan data survei)",
                    "Menuju WBBM: pengungkit ≥ 48 (process evaluation, not survey data)",
                ),
                nj(
                    "Menuju WBBM: setiap area pengungkit ≥ 75 % dari bobotnya (evaluasi proses, bukan data survei)",
                    "Menuju WBBM: every pengungkit area ≥ 75 % of its weight (process evaluation, not survey data)",
                ),
                nj(
                    "Menuju WBBM: unit sudah berpredikat Menuju WBK (unit diusulkan WBBM hanya setelah WBK)",
                    "Menuju WBBM: the unit already holds the Menuju WBK predicate (a unit is proposed for WBBM only after WBK)",
                ),
            ],
        },
    ],
};

impl RuleId {
    pub(super) fn def(self) -> &'static RuleDef {
        match self {
            RuleId::Permenpanrb52_2014 => &RULE_52_2014,
            RuleId::Permenpanrb90_2021 => &RULE_90_2021,
        }
    }
}

/// The conditions of `predicate` under `rule` that this service cannot judge, in both languages
/// (the API's `not_judged` carries the English; the report pages show both).
pub fn not_judged(rule: RuleId, predicate: Predicate) -> &'static [Text] {
    rule.def()
        .predicates
        .iter()
        .find(|p| p.predicate == predicate)
        .map_or(&[], |p| p.not_judged)
}

/// A threshold on a survey index (0–4 scale) that a rule's condition implies, e.g. IPKP ≥ 3.20
/// for WBK under PermenPANRB 90/2021 (the IPKP score's 14.00 of 17.5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndexThreshold {
    pub rule: RuleId,
    pub predicate: Predicate,
    pub index: IndexName,
    /// Rounded to two decimals, as the rules publish it.
    pub value_0_4: f64,
}

/// Every survey-index threshold of every rule, derived from the tables (so reports and charts
/// that draw thresholds on the index scale follow the rules instead of repeating them): a
/// condition on a survey indicator's score, or on a component made of that one indicator alone.
pub fn index_thresholds() -> Vec<IndexThreshold> {
    let mut out = Vec::new();
    for rule in RuleId::ALL {
        let def = rule.def();
        let survey = |d: &IndicatorDef| match d.source {
            Source::Ipak => Some(IndexName::Ipak),
            Source::Ipkp => Some(IndexName::Ipkp),
            Source::Tlhp | Source::Kinerja => None,
        };
        for p in def.predicates {
            for c in p.conditions {
                let indicator = match c.target {
                    Target::Indicator(id) => def.indicators.iter().find(|d| d.id == id),
                    Target::Component(id) => {
                        let mut parts = def.indicators.iter().filter(|d| d.component == id);
                        match (parts.next(), parts.next()) {
                            (Some(only), None) => Some(only),
                            _ => None,
                        }
                    }
                };
                if let Some(d) = indicator
                    && let Some(index) = survey(d)
                {
                    out.push(IndexThreshold {
                        rule,
                        predicate: p.predicate,
                        index,
                        value_0_4: (c.threshold / d.weight * 4.0 * 100.0).round() / 100.0,
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

    #[test]
    fn index_thresholds_follow_the_tables() {
        use IndexName::{Ipak, Ipkp};
        use Predicate::{Wbbm, Wbk};
        use RuleId::{Permenpanrb52_2014 as R52, Permenpanrb90_2021 as R90};
        let got: Vec<(RuleId, Predicate, IndexName, f64)> = index_thresholds()
            .into_iter()
            .map(|t| (t.rule, t.predicate, t.index, t.value_0_4))
            .collect();
        assert_eq!(
            got,
            [
                (R52, Wbk, Ipak, 3.6),
                (R52, Wbbm, Ipak, 3.6),
                (R52, Wbbm, Ipkp, 3.2),
                (R90, Wbk, Ipak, 3.6),
                (R90, Wbk, Ipkp, 3.2),
                (R90, Wbbm, Ipak, 3.6),
                (R90, Wbbm, Ipkp, 3.6),
            ]
        );
    }

    /// The conditions outside the hasil part, per rule set and predicate, as the regulations
    /// structure them: under 52/2014 the total (75 / 85) and, for WBBM, holding WBK first; under
    /// 90/2021 the total (75 / 85), the pengungkit (40 / 48 of 60), every pengungkit area (60 % /
    /// 75 % of its weight) and, for WBBM, holding Menuju WBK first.
    #[test]
    fn not_judged_lists_every_condition_outside_the_hasil_part() {
        use Predicate::{Wbbm, Wbk};
        use RuleId::{Permenpanrb52_2014 as R52, Permenpanrb90_2021 as R90};
        let en = |r, p| -> Vec<&str> { not_judged(r, p).iter().map(|t| t.en).collect() };
        let has = |r, p, what: &str| en(r, p).iter().any(|t| t.contains(what));
        assert_eq!(en(R52, Wbk).len(), 1);
        assert!(has(R52, Wbk, "total score ≥ 75"));
        assert_eq!(en(R52, Wbbm).len(), 2);
        assert!(has(R52, Wbbm, "total score ≥ 85") && has(R52, Wbbm, "already holds the WBK predicate"));
        assert_eq!(en(R90, Wbk).len(), 3);
        assert!(has(R90, Wbk, "total score ≥ 75") && has(R90, Wbk, "pengungkit ≥ 40"));
        assert!(has(R90, Wbk, "every pengungkit area ≥ 60 %"));
        assert_eq!(en(R90, Wbbm).len(), 4);
        assert!(has(R90, Wbbm, "total score ≥ 85") && has(R90, Wbbm, "pengungkit ≥ 48"));
        assert!(has(R90, Wbbm, "every pengungkit area ≥ 75 %"));
        assert!(has(R90, Wbbm, "already holds the Menuju WBK predicate"));
        for r in RuleId::ALL {
            for p in [Wbk, Wbbm] {
                for t in not_judged(r, p) {
                    assert!(!t.id.is_empty() && !t.en.is_empty() && t.id != t.en, "{t:?}");
                }
            }
        }
    }

    #[test]
    fn every_rule_table_is_consistent() {
        for rule in RuleId::ALL {
            let def = rule.def();
            // The hasil part is 40 points, each component the sum of its indicators' weights.
            assert_eq!(def.components.iter().map(|c| c.max).sum::<f64>(), 40.0, "{rule}");
            for c in def.components {
                let sum: f64 = def.indicators.iter().filter(|d| d.component == c.id).map(|d| d.weight).sum();
                assert_eq!(sum, c.max, "{rule} {}", c.id);
            }
            for p in def.predicates {
                for c in p.conditions {
                    let max = match c.target {
                        Target::Indicator(id) => def.indicators.iter().find(|d| d.id == id).map(|d| d.weight),
                        Target::Component(id) => def.components.iter().find(|x| x.id == id).map(|x| x.max),
                    };
                    let max = max.unwrap_or_else(|| panic!("{rule}: {} names no indicator or component", c.id));
                    assert!(c.threshold > 0.0 && c.threshold <= max, "{rule}: {}", c.id);
                }
            }
        }
    }
}

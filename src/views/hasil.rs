//! Hasil: a unit's IPAK and IPKP blocks for a year with its evaluations under each rule set, and
//! the national table drawn from them (one row per unit, shared by the CSV and XLSX files).

use serde::Serialize;
use uuid::Uuid;

use crate::domain::scoring::{Hasil, KinerjaGrade, RuleId};

/// One survey's figures as the hasil uses them.
#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct SurveyBlock {
    pub campaign_id: Uuid,
    pub title: String,
    pub closed: bool,
    pub n: u64,
    pub required_n: u64,
    pub adequate: bool,
    /// The index on the form's scale.
    pub index: Option<f64>,
    pub value_0_4: Option<f64>,
    pub ci_low_0_4: Option<f64>,
    pub ci_high_0_4: Option<f64>,
    /// The same without speeders and steered respondents, for comparison.
    pub without_flagged_value_0_4: Option<f64>,
    /// The ledger head the figures were computed from.
    pub ledger_head: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub instansi: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Inputs {
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<KinerjaGrade>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitHasil {
    pub unit: UnitRef,
    pub year: i32,
    /// The chosen rule set (its evaluation comes first in `hasil`).
    pub rule: RuleId,
    pub inputs: Inputs,
    pub ipak: Option<SurveyBlock>,
    pub ipkp: Option<SurveyBlock>,
    /// One evaluation per rule set, the chosen one first.
    pub hasil: Vec<Hasil>,
}

/// One cell of the national table: text, or a number (unrounded; files for reading round it).
#[derive(Debug, Clone, PartialEq)]
pub enum NationalCell {
    Text(String),
    Num(Option<f64>),
}

/// The national table's columns, shared by the CSV and the XLSX export.
pub const NATIONAL_COLUMNS: [&str; 18] = [
    "unit_slug",
    "unit_name",
    "instansi",
    "year",
    "rule",
    "ipak_n",
    "ipak_value_0_4",
    "ipak_ci_low",
    "ipak_ci_high",
    "ipkp_n",
    "ipkp_value_0_4",
    "ipkp_ci_low",
    "ipkp_ci_high",
    "ipak_score",
    "ipkp_score",
    "hasil_total",
    "wbk",
    "wbbm",
];

/// The columns that hold whole numbers (shown without decimals).
pub fn is_whole_column(column: &str) -> bool {
    matches!(column, "year" | "ipak_n" | "ipkp_n")
}

/// The national table's rows: the first (chosen) rule's scores and verdicts.
pub fn national_table(rows: &[UnitHasil]) -> Vec<Vec<NationalCell>> {
    use NationalCell::{Num, Text};
    rows.iter()
        .map(|r| {
            let h = r.hasil.first();
            let score = |id: &str| h.and_then(|h| h.indicators.iter().find(|i| i.id == id)).and_then(|i| i.score);
            let verdict = |i: usize| {
                Text(
                    h.and_then(|h| h.predicates.get(i))
                        .and_then(|p| p.verdict)
                        .map(|v| v.as_str().to_owned())
                        .unwrap_or_default(),
                )
            };
            let survey = |b: &Option<SurveyBlock>| -> [NationalCell; 4] {
                match b {
                    Some(b) => [Num(Some(b.n as f64)), Num(b.value_0_4), Num(b.ci_low_0_4), Num(b.ci_high_0_4)],
                    None => [Num(None), Num(None), Num(None), Num(None)],
                }
            };
            let mut row = vec![
                Text(r.unit.slug.clone()),
                Text(r.unit.name.clone()),
                Text(r.unit.instansi.clone()),
                Num(Some(f64::from(r.year))),
                Text(r.rule.as_str().to_owned()),
            ];
            row.extend(survey(&r.ipak));
            row.extend(survey(&r.ipkp));
            row.extend([
                Num(score("ipak")),
                Num(score("ipkp")),
                Num(h.and_then(|h| h.hasil_total)),
                verdict(0),
                verdict(1),
            ]);
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_without_surveys_has_a_full_row_of_empty_cells() {
        let row = UnitHasil {
            unit: UnitRef {
                id: Uuid::nil(),
                slug: "kpp".into(),
                name: "KPP".into(),
                instansi: "DJP".into(),
            },
            year: 2025,
            rule: RuleId::Permenpanrb90_2021,
            inputs: Inputs {
                tlhp_percent: None,
                kinerja: None,
            },
            ipak: None,
            ipkp: None,
            hasil: vec![],
        };
        let table = national_table(&[row]);
        assert_eq!(table[0].len(), NATIONAL_COLUMNS.len());
        assert_eq!(table[0][0], NationalCell::Text("kpp".into()));
        assert_eq!(table[0][3], NationalCell::Num(Some(2025.0)));
        assert_eq!(table[0][5], NationalCell::Num(None));
        assert_eq!(table[0][17], NationalCell::Text(String::new()));
    }
}

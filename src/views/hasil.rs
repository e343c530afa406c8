//! Hasil: a unit's IPAK and IPKP blocks for a year with its evaluations under each rule set, and
//! the national table drawn from them (one row per unit, shared by the CSV and XLSX files).
//!
//! A unit's hasil says what it rests on: the evaluation record it read (`evaluation`), the query
//! parameters that replaced the record's values (`what_if`: then it is a what-if, not the
//! record's hasil), every campaign behind each survey's figures, and notes on how they were
//! chosen (empty campaigns skipped, campaigns pooled or left out).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::evaluations::EvaluationView;
use crate::domain::evaluation::{Note, Pooling};
use crate::domain::scoring::{Hasil, KinerjaGrade, RuleId};
use crate::domain::time_zone::TimeZone;

/// One campaign behind a survey's figures.
#[derive(Serialize, utoipa::ToSchema, Clone, Debug, PartialEq)]
pub struct CampaignRef {
    pub id: Uuid,
    pub title: String,
    pub form_version: u32,
    /// Responses in its analysis set.
    pub n: u64,
    pub ended_at: Option<DateTime<Utc>>,
    /// The ledger head its figures were computed from.
    pub ledger_head: Option<String>,
}

/// One survey's figures as the hasil uses them: one campaign, or the year's campaigns of one form
/// version pooled as if they were one.
#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct SurveyBlock {
    /// The chosen campaign (the first of `campaigns`).
    pub campaign_id: Uuid,
    pub title: String,
    /// Whether every campaign behind the figures has ended (their figures are final).
    pub closed: bool,
    pub form_version: u32,
    /// Whether the figures pool several campaigns.
    pub pooled: bool,
    /// Every campaign behind the figures, the chosen one first.
    pub campaigns: Vec<CampaignRef>,
    pub n: u64,
    pub required_n: u64,
    /// The smallest n a verdict is given on (30, or the population when smaller); below it the
    /// conditions on this survey are `insufficient_data`.
    pub minimum_n: u64,
    /// n ≥ required_n.
    pub adequate: bool,
    /// The index on the form's scale.
    pub index: Option<f64>,
    pub value_0_4: Option<f64>,
    pub ci_low_0_4: Option<f64>,
    pub ci_high_0_4: Option<f64>,
    /// The same without speeders and steered respondents, for comparison.
    pub without_flagged_value_0_4: Option<f64>,
    /// The ledger head of the chosen campaign (each campaign's is in `campaigns`).
    pub ledger_head: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitRef {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub instansi: String,
    /// The zone the unit's years and times are in.
    pub time_zone: TimeZone,
}

/// The inputs the evaluation used: the record's, or the query's where `what_if` names them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Inputs {
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<KinerjaGrade>,
    pub ipak_campaign_id: Option<Uuid>,
    pub ipkp_campaign_id: Option<Uuid>,
    pub pooling: Pooling,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitHasil {
    pub unit: UnitRef,
    pub year: i32,
    /// The rule set the evaluation is under (its evaluation comes first in `hasil`): `?rule=`, else
    /// the year's record, else the unit's default.
    pub rule: RuleId,
    pub inputs: Inputs,
    /// The unit's evaluation record for the year; null when none is recorded.
    pub evaluation: Option<EvaluationView>,
    /// The query parameters that replaced the record's values (`rule`, `tlhp_percent`, `kinerja`,
    /// `ipak`, `ipkp`, `pooling`). Empty: this is the record's hasil. Not empty: a what-if.
    pub what_if: Vec<String>,
    pub ipak: Option<SurveyBlock>,
    pub ipkp: Option<SurveyBlock>,
    /// How the campaigns were chosen: campaigns skipped (empty, too few to publish), pooled, or
    /// left out of a pool; a named campaign that has not ended or ended in another year.
    pub notes: Vec<Note>,
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
pub const NATIONAL_COLUMNS: [&str; 21] = [
    "unit_slug",
    "unit_name",
    "instansi",
    "year",
    "rule",
    "tlhp_percent",
    "kinerja",
    "what_if",
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
                Num(r.inputs.tlhp_percent),
                Text(r.inputs.kinerja.map(|k| k.as_str().to_owned()).unwrap_or_default()),
                Text(r.what_if.join(" ")),
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
                time_zone: TimeZone::Wib,
            },
            year: 2025,
            rule: RuleId::Permenpanrb90_2021,
            inputs: Inputs {
                tlhp_percent: None,
                kinerja: Some(KinerjaGrade::B),
                ipak_campaign_id: None,
                ipkp_campaign_id: None,
                pooling: Pooling::None,
            },
            evaluation: None,
            what_if: vec!["kinerja".into()],
            ipak: None,
            ipkp: None,
            notes: vec![],
            hasil: vec![],
        };
        let table = national_table(&[row]);
        assert_eq!(table[0].len(), NATIONAL_COLUMNS.len());
        assert_eq!(table[0][0], NationalCell::Text("kpp".into()));
        assert_eq!(table[0][3], NationalCell::Num(Some(2025.0)));
        assert_eq!(table[0][5], NationalCell::Num(None));
        assert_eq!(table[0][6], NationalCell::Text("B".into()));
        assert_eq!(table[0][7], NationalCell::Text("kinerja".into()));
        assert_eq!(table[0][8], NationalCell::Num(None));
        assert_eq!(table[0][20], NationalCell::Text(String::new()));
    }
}

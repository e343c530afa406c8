//! A unit's evaluation record for a year, as the API shows it and the assessor's form reads it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::evaluation::Pooling;
use crate::domain::scoring::{KinerjaGrade, RuleId};
use crate::entities::evaluation;
use crate::repo;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    pub unit_id: Uuid,
    pub year: i32,
    /// The rule set the year's hasil is evaluated under.
    pub rule: RuleId,
    /// TLHP follow-up percentage, 0–100 (PermenPANRB 52/2014).
    pub tlhp_percent: Option<f64>,
    /// Capaian kinerja grade A–E (PermenPANRB 90/2021).
    pub kinerja: Option<KinerjaGrade>,
    /// The IPAK campaign that counts (null: the year's latest ended campaign with responses).
    pub ipak_campaign_id: Option<Uuid>,
    /// The IPKP campaign that counts (null: the year's latest ended campaign with responses).
    pub ipkp_campaign_id: Option<Uuid>,
    /// `none`: one campaign per survey; `year`: with the year's other campaigns of its form version.
    pub pooling: Pooling,
    pub note: Option<String>,
    /// The key that made the last change (every change is in the audit log).
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl From<evaluation::Model> for EvaluationView {
    fn from(m: evaluation::Model) -> EvaluationView {
        let e = repo::evaluations::content(&m);
        EvaluationView {
            unit_id: m.unit_id,
            year: m.year,
            rule: e.rule,
            tlhp_percent: e.tlhp_percent,
            kinerja: e.kinerja,
            ipak_campaign_id: e.ipak_campaign_id,
            ipkp_campaign_id: e.ipkp_campaign_id,
            pooling: e.pooling,
            note: e.note,
            updated_by: m.updated_by,
            updated_at: m.updated_at,
            created_at: m.created_at,
        }
    }
}

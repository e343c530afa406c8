//! Evaluation records: one per unit and year (see `domain::evaluation`). Written only through
//! `service::evaluations`, which audits every change.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::domain::evaluation::Evaluation;
use crate::entities::evaluation;

pub async fn find(db: &impl ConnectionTrait, unit_id: Uuid, year: i32) -> Result<Option<evaluation::Model>, DbErr> {
    evaluation::Entity::find_by_id((unit_id, year)).one(db).await
}

/// Every unit's record for a year (the national table).
pub async fn list_for_year(db: &impl ConnectionTrait, year: i32) -> Result<Vec<evaluation::Model>, DbErr> {
    evaluation::Entity::find().filter(evaluation::Column::Year.eq(year)).all(db).await
}

/// Writes the record of `unit_id` and `year`: a new row, or `existing` replaced.
pub async fn save(
    db: &impl ConnectionTrait,
    unit_id: Uuid,
    year: i32,
    existing: Option<evaluation::Model>,
    e: &Evaluation,
    by: Option<Uuid>,
) -> Result<evaluation::Model, DbErr> {
    let now = crate::domain::now();
    let new = existing.is_none();
    let mut am = match existing {
        Some(m) => m.into(),
        None => evaluation::ActiveModel {
            unit_id: Set(unit_id),
            year: Set(year),
            created_at: Set(now),
            ..Default::default()
        },
    };
    am.rule = Set(e.rule.as_str().to_owned());
    am.tlhp_percent = Set(e.tlhp_percent);
    am.kinerja = Set(e.kinerja.map(|k| k.as_str().to_owned()));
    am.ipak_campaign_id = Set(e.ipak_campaign_id);
    am.ipkp_campaign_id = Set(e.ipkp_campaign_id);
    am.pooling = Set(e.pooling.as_str().to_owned());
    am.note = Set(e.note.clone());
    am.updated_by = Set(by);
    am.updated_at = Set(now);
    if new { am.insert(db).await } else { am.update(db).await }
}

/// A stored record's content. The service wrote only checked values; a value it could not have
/// written reads as absent (rule: the rule in force), never as an error that hides the record.
pub fn content(m: &evaluation::Model) -> Evaluation {
    use crate::domain::evaluation::Pooling;
    use crate::domain::scoring::{KinerjaGrade, RuleId};
    Evaluation {
        rule: RuleId::parse(&m.rule).unwrap_or(RuleId::Permenpanrb90_2021),
        tlhp_percent: m.tlhp_percent,
        kinerja: m.kinerja.as_deref().and_then(|k| k.parse::<KinerjaGrade>().ok()),
        ipak_campaign_id: m.ipak_campaign_id,
        ipkp_campaign_id: m.ipkp_campaign_id,
        pooling: Pooling::parse(&m.pooling).unwrap_or_default(),
        note: m.note.clone(),
    }
}

//! Campaigns: insert, find, list (for a unit, or of some forms for the hasil), close.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::domain::campaign::Period;
use crate::entities::campaign;

pub struct NewCampaign {
    pub unit_id: Uuid,
    pub form_id: String,
    pub form_version: u32,
    pub title: String,
    pub opens_at: Option<chrono::DateTime<chrono::Utc>>,
    pub closes_at: Option<chrono::DateTime<chrono::Utc>>,
    pub population: Option<i64>,
}

pub async fn insert(db: &impl ConnectionTrait, c: NewCampaign) -> Result<campaign::Model, DbErr> {
    campaign::ActiveModel {
        id: Set(Uuid::new_v4()),
        unit_id: Set(c.unit_id),
        form_id: Set(c.form_id),
        form_version: Set(c.form_version as i32),
        title: Set(c.title),
        opens_at: Set(c.opens_at.map(crate::domain::truncate_micros)),
        closes_at: Set(c.closes_at.map(crate::domain::truncate_micros)),
        population: Set(c.population),
        closed_at: Set(None),
        created_at: Set(crate::domain::now()),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<campaign::Model>, DbErr> {
    campaign::Entity::find_by_id(id).one(db).await
}

pub async fn list_for_unit(db: &impl ConnectionTrait, unit_id: Uuid) -> Result<Vec<campaign::Model>, DbErr> {
    campaign::Entity::find()
        .filter(campaign::Column::UnitId.eq(unit_id))
        .order_by_asc(campaign::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn close(db: &impl ConnectionTrait, c: campaign::Model) -> Result<campaign::Model, DbErr> {
    if c.closed_at.is_some() {
        return Ok(c);
    }
    let mut am: campaign::ActiveModel = c.into();
    am.closed_at = Set(Some(crate::domain::now()));
    am.update(db).await
}

pub fn period(c: &campaign::Model) -> Period {
    Period {
        opens_at: c.opens_at,
        closes_at: c.closes_at,
        closed_at: c.closed_at,
    }
}

/// Campaigns of these forms (for hasil).
pub async fn list_for_forms(db: &impl ConnectionTrait, forms: &[&str]) -> Result<Vec<campaign::Model>, DbErr> {
    campaign::Entity::find()
        .filter(campaign::Column::FormId.is_in(forms.iter().map(|f| f.to_string())))
        .order_by_asc(campaign::Column::CreatedAt)
        .all(db)
        .await
}

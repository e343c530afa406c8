//! Units (unit kerja).

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::unit;

pub struct NewUnit {
    pub slug: String,
    pub name: String,
    pub instansi: String,
    pub service_types: Vec<String>,
    pub default_rule: String,
}

pub async fn insert(db: &impl ConnectionTrait, u: NewUnit) -> Result<unit::Model, DbErr> {
    unit::ActiveModel {
        id: Set(Uuid::new_v4()),
        slug: Set(u.slug),
        name: Set(u.name),
        instansi: Set(u.instansi),
        service_types: Set(serde_json::to_string(&u.service_types).unwrap_or_else(|_| "[]".into())),
        default_rule: Set(u.default_rule),
        created_at: Set(crate::domain::now()),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<unit::Model>, DbErr> {
    unit::Entity::find_by_id(id).one(db).await
}

pub async fn list(db: &impl ConnectionTrait, only: Option<Uuid>) -> Result<Vec<unit::Model>, DbErr> {
    let mut q = unit::Entity::find().order_by_asc(unit::Column::Slug);
    if let Some(id) = only {
        q = q.filter(unit::Column::Id.eq(id));
    }
    q.all(db).await
}

pub fn service_types(u: &unit::Model) -> Vec<String> {
    serde_json::from_str(&u.service_types).unwrap_or_default()
}

//! Units (unit kerja): insert, find, list, and the settings an admin changes later (the time
//! zone, the default rule).

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::domain::time_zone::TimeZone;
use crate::entities::unit;

pub struct NewUnit {
    pub slug: String,
    pub name: String,
    pub instansi: String,
    pub service_types: Vec<String>,
    pub default_rule: String,
    pub time_zone: TimeZone,
}

pub async fn insert(db: &impl ConnectionTrait, u: NewUnit) -> Result<unit::Model, DbErr> {
    unit::ActiveModel {
        id: Set(Uuid::new_v4()),
        slug: Set(u.slug),
        name: Set(u.name),
        instansi: Set(u.instansi),
        service_types: Set(serde_json::to_string(&u.service_types).unwrap_or_else(|_| "[]".into())),
        default_rule: Set(u.default_rule),
        time_zone: Set(u.time_zone.as_str().to_owned()),
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

/// The settings of a unit that may change after it is registered; `None` leaves one as it is.
#[derive(Debug, Default)]
pub struct UnitSettings {
    pub time_zone: Option<TimeZone>,
    pub default_rule: Option<String>,
}

/// Writes the settings given and returns the unit as it now is.
pub async fn update(db: &impl ConnectionTrait, u: unit::Model, s: UnitSettings) -> Result<unit::Model, DbErr> {
    let mut am: unit::ActiveModel = u.into();
    if let Some(z) = s.time_zone {
        am.time_zone = Set(z.as_str().to_owned());
    }
    if let Some(r) = s.default_rule {
        am.default_rule = Set(r);
    }
    am.update(db).await
}

/// Replaces a unit's service types; the caller loads it first, so a transaction starts with the
/// write.
pub async fn set_service_types(db: &impl ConnectionTrait, u: unit::Model, types: &[String]) -> Result<unit::Model, DbErr> {
    let mut am: unit::ActiveModel = u.into();
    am.service_types = Set(serde_json::to_string(types).unwrap_or_else(|_| "[]".into()));
    am.update(db).await
}

pub fn service_types(u: &unit::Model) -> Vec<String> {
    serde_json::from_str(&u.service_types).unwrap_or_default()
}

/// The unit's time zone (WIB for a value the database should never hold).
pub fn time_zone(u: &unit::Model) -> TimeZone {
    TimeZone::parse(&u.time_zone).unwrap_or_default()
}

//! Server secrets kept in the database, so every replica signs render tokens alike.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::entities::app_secret;

/// Returns the named secret, creating it once (first writer wins, on any number of replicas).
pub async fn get_or_create(db: &impl ConnectionTrait, name: &str, fresh: String) -> Result<String, DbErr> {
    let am = app_secret::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(fresh),
    };
    app_secret::Entity::insert(am)
        .on_conflict_do_nothing_on([app_secret::Column::Name])
        .exec(db)
        .await?;
    let row = app_secret::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(name.to_owned()))?;
    Ok(row.value)
}

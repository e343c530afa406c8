//! API keys: stored as hashes only.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::domain::credentials::Role;
use crate::entities::api_key;

pub async fn find_by_hash(db: &impl ConnectionTrait, hash: &str) -> Result<Option<api_key::Model>, DbErr> {
    api_key::Entity::find().filter(api_key::Column::KeyHash.eq(hash)).one(db).await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<api_key::Model>, DbErr> {
    api_key::Entity::find_by_id(id).one(db).await
}

pub async fn insert(
    db: &impl ConnectionTrait,
    name: &str,
    role: Role,
    unit_id: Option<Uuid>,
    key_hash: &str,
) -> Result<api_key::Model, DbErr> {
    api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.to_owned()),
        role: Set(role.as_str().to_owned()),
        unit_id: Set(unit_id),
        key_hash: Set(key_hash.to_owned()),
        created_at: Set(crate::domain::now()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await
}

/// Revokes a key (idempotent); the caller loads it first, so a transaction starts with the write.
pub async fn revoke(db: &impl ConnectionTrait, k: api_key::Model) -> Result<api_key::Model, DbErr> {
    if k.revoked_at.is_some() {
        return Ok(k);
    }
    let mut am: api_key::ActiveModel = k.into();
    am.revoked_at = Set(Some(crate::domain::now()));
    am.update(db).await
}

pub async fn count_active_admins(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    api_key::Entity::find()
        .filter(api_key::Column::Role.eq(Role::Admin.as_str()))
        .filter(api_key::Column::RevokedAt.is_null())
        .count(db)
        .await
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<api_key::Model>, DbErr> {
    api_key::Entity::find().all(db).await
}

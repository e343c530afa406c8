//! Frozen form versions: the canonical content of every form version a campaign has used.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::domain::forms::Form;
use crate::entities::form_version;

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<form_version::Model>, DbErr> {
    form_version::Entity::find().all(db).await
}

/// Freezes a form version (idempotent): called when a campaign first pins it.
pub async fn freeze(db: &impl ConnectionTrait, form: &Form) -> Result<(), DbErr> {
    let am = form_version::ActiveModel {
        form_id: Set(form.id.clone()),
        version: Set(form.version as i32),
        fingerprint: Set(form.fingerprint()),
        canonical: Set(form.canonical_json()),
        frozen_at: Set(crate::domain::now()),
    };
    form_version::Entity::insert(am)
        .on_conflict_do_nothing_on([form_version::Column::FormId, form_version::Column::Version])
        .exec(db)
        .await?;
    Ok(())
}

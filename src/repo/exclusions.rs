//! Exclusions: an assessor takes a response out of the analysis set with a written reason, and
//! can put it back. The response itself is never touched; the history lives in the audit log.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::{exclusion, response};

pub async fn find_response(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<response::Model>, DbErr> {
    response::Entity::find_by_id(id).one(db).await
}

pub async fn find(db: &impl ConnectionTrait, response_id: Uuid) -> Result<Option<exclusion::Model>, DbErr> {
    exclusion::Entity::find_by_id(response_id).one(db).await
}

pub async fn insert(db: &impl ConnectionTrait, r: &response::Model, reason: &str, by: Uuid) -> Result<exclusion::Model, DbErr> {
    exclusion::ActiveModel {
        response_id: Set(r.id),
        campaign_id: Set(r.campaign_id),
        reason: Set(reason.to_owned()),
        excluded_by: Set(by),
        excluded_at: Set(crate::domain::now()),
    }
    .insert(db)
    .await
}

pub async fn delete(db: &impl ConnectionTrait, response_id: Uuid) -> Result<bool, DbErr> {
    Ok(exclusion::Entity::delete_by_id(response_id).exec(db).await?.rows_affected == 1)
}

pub async fn list_for_campaign(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<exclusion::Model>, DbErr> {
    exclusion::Entity::find()
        .filter(exclusion::Column::CampaignId.eq(campaign_id))
        .order_by_asc(exclusion::Column::ExcludedAt)
        .all(db)
        .await
}

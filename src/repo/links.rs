//! Open links (multi-use, for QR posters). Their codes are public by nature.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::entities::open_link;

pub struct NewLink {
    pub campaign_id: Uuid,
    pub code: String,
    pub label: String,
    pub max_responses: Option<i64>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn insert(db: &impl ConnectionTrait, l: NewLink) -> Result<open_link::Model, DbErr> {
    open_link::ActiveModel {
        id: Set(Uuid::new_v4()),
        campaign_id: Set(l.campaign_id),
        code: Set(l.code),
        label: Set(l.label),
        max_responses: Set(l.max_responses),
        expires_at: Set(l.expires_at.map(crate::domain::truncate_micros)),
        revoked_at: Set(None),
        created_at: Set(crate::domain::now()),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<open_link::Model>, DbErr> {
    open_link::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<open_link::Model>, DbErr> {
    open_link::Entity::find().filter(open_link::Column::Code.eq(code)).one(db).await
}

pub async fn list_for_campaign(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<open_link::Model>, DbErr> {
    open_link::Entity::find()
        .filter(open_link::Column::CampaignId.eq(campaign_id))
        .order_by_asc(open_link::Column::CreatedAt)
        .all(db)
        .await
}

pub async fn revoke(db: &impl ConnectionTrait, l: open_link::Model) -> Result<open_link::Model, DbErr> {
    if l.revoked_at.is_some() {
        return Ok(l);
    }
    let mut am: open_link::ActiveModel = l.into();
    am.revoked_at = Set(Some(crate::domain::now()));
    am.update(db).await
}

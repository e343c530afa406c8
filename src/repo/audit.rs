//! The append-only audit log: every change made through the API or the CLI. There is no update
//! or delete function here on purpose.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use uuid::Uuid;

use crate::domain::access::Principal;
use crate::entities::audit_log;

/// Who did it: a key, or the command line.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    Key(Principal),
    Cli,
    System,
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Actor {
        Actor::Key(*p)
    }
}

pub struct Entry<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub unit_id: Option<Uuid>,
    pub reason: Option<&'a str>,
    pub detail: serde_json::Value,
}

pub async fn record(db: &impl ConnectionTrait, actor: Actor, e: Entry<'_>) -> Result<(), DbErr> {
    let (key, role) = match actor {
        Actor::Key(p) => (Some(p.key_id), p.role.as_str()),
        Actor::Cli => (None, "cli"),
        Actor::System => (None, "system"),
    };
    audit_log::ActiveModel {
        id: Set(Uuid::new_v4()),
        at: Set(crate::domain::now()),
        actor_key_id: Set(key),
        actor_role: Set(role.to_owned()),
        action: Set(e.action.to_owned()),
        entity: Set(e.entity.to_owned()),
        entity_id: Set(e.entity_id),
        unit_id: Set(e.unit_id),
        reason: Set(e.reason.map(str::to_owned)),
        detail: Set(e.detail.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub struct AuditFilter {
    pub unit_id: Option<Uuid>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    pub limit: u64,
}

pub async fn list(db: &impl ConnectionTrait, f: &AuditFilter) -> Result<Vec<audit_log::Model>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut q = audit_log::Entity::find().order_by_desc(audit_log::Column::At).limit(f.limit);
    if let Some(u) = f.unit_id {
        q = q.filter(audit_log::Column::UnitId.eq(u));
    }
    if let Some(t) = f.from {
        q = q.filter(audit_log::Column::At.gte(t));
    }
    if let Some(t) = f.to {
        q = q.filter(audit_log::Column::At.lt(t));
    }
    q.all(db).await
}

/// The newest entry with this action on this entity, if any.
pub async fn latest(db: &impl ConnectionTrait, action: &str, entity_id: &str) -> Result<Option<audit_log::Model>, DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(action))
        .filter(audit_log::Column::EntityId.eq(entity_id))
        .order_by_desc(audit_log::Column::At)
        .one(db)
        .await
}

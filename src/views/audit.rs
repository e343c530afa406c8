//! One audit log entry as the API lists it (its detail parsed back into JSON).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::audit_log;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_key_id: Option<Uuid>,
    pub actor_role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub unit_id: Option<Uuid>,
    pub reason: Option<String>,
    pub detail: serde_json::Value,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(r: audit_log::Model) -> AuditEntry {
        AuditEntry {
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
            id: r.id,
            at: r.at,
            actor_key_id: r.actor_key_id,
            actor_role: r.actor_role,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            unit_id: r.unit_id,
            reason: r.reason,
        }
    }
}

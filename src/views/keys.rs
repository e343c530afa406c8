//! API keys: a newly created one (the one response that ever carries the secret), and a key as
//! listed (never its secret or hash).

use serde::Serialize;
use uuid::Uuid;

use crate::domain::credentials::Role;
use crate::entities::api_key;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    pub id: Uuid,
    /// The secret: shown only in this response, stored only as a hash.
    pub key: String,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
}

/// A key as listed: by name, with its role and unit.
#[derive(Serialize, utoipa::ToSchema)]
pub struct KeyView {
    pub id: Uuid,
    pub name: String,
    /// `admin`, `operator` or `assessor`.
    pub role: String,
    pub unit_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<api_key::Model> for KeyView {
    fn from(k: api_key::Model) -> KeyView {
        KeyView {
            id: k.id,
            name: k.name,
            role: k.role,
            unit_id: k.unit_id,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

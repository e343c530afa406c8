//! A newly created API key: the one response that ever carries the secret.

use serde::Serialize;
use uuid::Uuid;

use crate::domain::credentials::Role;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    pub id: Uuid,
    /// The secret: shown only in this response, stored only as a hash.
    pub key: String,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
}

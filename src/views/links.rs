//! An open link (a QR poster at a service desk) with its public survey URL.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::open_link;

#[derive(Serialize, utoipa::ToSchema)]
pub struct LinkView {
    pub id: Uuid,
    /// Always `open` (single-use tokens are listed as batches).
    pub kind: &'static str,
    pub campaign_id: Uuid,
    pub label: String,
    pub code: String,
    pub url: String,
    pub max_responses: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl LinkView {
    /// The link as shown, with `url` its survey address under the public URL.
    pub fn new(l: open_link::Model, url: String) -> LinkView {
        LinkView {
            url,
            id: l.id,
            kind: "open",
            campaign_id: l.campaign_id,
            label: l.label,
            code: l.code,
            max_responses: l.max_responses,
            expires_at: l.expires_at,
            revoked_at: l.revoked_at,
            created_at: l.created_at,
        }
    }
}

//! Token batches: a new batch with its plaintext tokens (shown once), and a batch's counts.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::token_batch;

#[derive(Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    pub url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedBatch {
    pub batch_id: Uuid,
    pub campaign_id: Uuid,
    pub label: Option<String>,
    pub count: usize,
    pub expires_at: Option<DateTime<Utc>>,
    /// The plaintext tokens: in this response only; the service keeps their hashes.
    pub tokens: Vec<IssuedToken>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BatchView {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub label: Option<String>,
    pub issued: i64,
    pub redeemed: i64,
    /// Tokens that can no longer be used because the batch was revoked (issued − redeemed).
    pub revoked: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl BatchView {
    /// A batch with how many of its tokens were redeemed.
    pub fn new(b: token_batch::Model, redeemed: i64) -> BatchView {
        let revoked = if b.revoked_at.is_some() { b.issued - redeemed } else { 0 };
        BatchView {
            id: b.id,
            campaign_id: b.campaign_id,
            label: b.label,
            issued: b.issued,
            redeemed,
            revoked,
            expires_at: b.expires_at,
            revoked_at: b.revoked_at,
            created_at: b.created_at,
        }
    }
}

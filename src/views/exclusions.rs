//! A response's exclusion state after an assessor excluded or included it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExclusionView {
    pub response_id: Uuid,
    pub campaign_id: Uuid,
    pub excluded: bool,
    pub reason: String,
    pub at: DateTime<Utc>,
}

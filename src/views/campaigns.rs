//! A campaign (survey period) with its status now and the sample it needs.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::campaign::CampaignStatus;
use crate::domain::sample_size::required_n;
use crate::entities::campaign;
use crate::repo;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub form: String,
    pub form_version: u32,
    pub title: String,
    pub status: CampaignStatus,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub population: Option<i64>,
    pub required_n: u64,
    pub created_at: DateTime<Utc>,
}

impl From<campaign::Model> for CampaignView {
    fn from(c: campaign::Model) -> CampaignView {
        let status = repo::campaigns::period(&c).status(crate::domain::now());
        CampaignView {
            id: c.id,
            unit_id: c.unit_id,
            form: c.form_id,
            form_version: c.form_version as u32,
            title: c.title,
            status,
            opens_at: c.opens_at,
            closes_at: c.closes_at,
            closed_at: c.closed_at,
            population: c.population,
            required_n: required_n(c.population.map(|p| p as u64)),
            created_at: c.created_at,
        }
    }
}

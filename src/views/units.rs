//! A unit (unit kerja) as the API shows it.

use serde::Serialize;
use uuid::Uuid;

use crate::entities::unit;
use crate::repo;

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub instansi: String,
    pub service_types: Vec<String>,
    pub default_rule: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<unit::Model> for UnitView {
    fn from(u: unit::Model) -> UnitView {
        UnitView {
            service_types: repo::units::service_types(&u),
            id: u.id,
            slug: u.slug,
            name: u.name,
            instansi: u.instansi,
            default_rule: u.default_rule,
            created_at: u.created_at,
        }
    }
}

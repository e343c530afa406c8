//! A unit (unit kerja) as the API shows it.

use serde::Serialize;
use uuid::Uuid;

use crate::domain::time_zone::TimeZone;
use crate::entities::unit;
use crate::repo;

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub instansi: String,
    pub service_types: Vec<String>,
    /// The rule a year's hasil uses when the unit has no evaluation record for it.
    pub default_rule: String,
    /// `WIB` (UTC+7), `WITA` (UTC+8) or `WIT` (UTC+9): the unit's dates, years and report times.
    pub time_zone: TimeZone,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<unit::Model> for UnitView {
    fn from(u: unit::Model) -> UnitView {
        UnitView {
            service_types: repo::units::service_types(&u),
            time_zone: repo::units::time_zone(&u),
            id: u.id,
            slug: u.slug,
            name: u.name,
            instansi: u.instansi,
            default_rule: u.default_rule,
            created_at: u.created_at,
        }
    }
}

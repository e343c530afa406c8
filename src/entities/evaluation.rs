//! Entity for the `evaluation` table (schema only; behaviour lives in `repo`): one evaluation
//! record per unit and year.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    pub rule: String,
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<String>,
    pub ipak_campaign_id: Option<Uuid>,
    pub ipkp_campaign_id: Option<Uuid>,
    pub pooling: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// The key that made the last change (the audit log has every change).
    pub updated_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Entity for the `response` table (schema only; behaviour lives in `repo`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "response")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub submitted_on: Date,
    pub channel: String,
    pub open_link_id: Option<Uuid>,
    pub link_label: Option<String>,
    pub score: f64,
    pub total: i32,
    pub speeder: bool,
    pub diarahkan: bool,
    pub flagged: bool,
    pub content_hash: String,
    /// Set when the sealer puts the response into a ledger block (migration 000006).
    pub sealed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

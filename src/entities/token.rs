//! Entity for the `token` table (schema only; behaviour lives in `repo`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "token")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub batch_id: Uuid,
    pub redeemed: bool,
    /// Rewritten by the sealer after the campaign's responses moved (PostgreSQL: a new `xmin`).
    pub settled: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

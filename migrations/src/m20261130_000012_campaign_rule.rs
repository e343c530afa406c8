//! A campaign no longer carries a scoring rule (issue 13). The column was stored and shown but
//! never used: the hasil took the unit's default or `?rule=`, silently. The rule belongs to a
//! unit's evaluation for a year (one evaluation draws on an IPAK and an IPKP campaign, which could
//! name different rules), so it now lives in the evaluation record, and the column goes.
//! Nothing is carried over: a value that never decided anything has no meaning to keep.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("campaign").drop_column("rule").to_owned()).await
    }
}

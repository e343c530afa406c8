//! A unit's time zone (issue 13): `WIB` (UTC+7, the default and what every unit used before),
//! `WITA` (UTC+8) or `WIT` (UTC+9). It decides the date a response is recorded under, the year a
//! campaign counts for and the times a unit's reports show. Existing units keep WIB, so nothing
//! already recorded changes meaning.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("unit")
                .add_column(ColumnDef::new("time_zone").string_len(8).not_null().default("WIB"))
                .to_owned(),
        )
        .await
    }
}

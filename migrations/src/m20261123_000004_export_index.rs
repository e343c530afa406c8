//! Keyset pagination of a campaign's responses (exports, ledger sealing) walks them in id order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_response_campaign_id")
                .table("response")
                .col("campaign_id")
                .col("id")
                .to_owned(),
        )
        .await
    }
}

//! Where each campaign's ledger was last verified (issue 16): the head the check reached, its
//! result, and when. The ledger view then re-checks only blocks sealed since, instead of every
//! row of the campaign on every call; a background job and `integritas ledger verify` re-check
//! everything from the start.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("ledger_verified")
                .col(uuid("campaign_id").primary_key())
                // The newest block verified (0 and the genesis hash before the first seal).
                .col(big_integer("head_seq"))
                .col(string_len("head_hash", 64))
                .col(boolean("ok"))
                // The first failing block, null when the failure is outside any block.
                .col(big_integer_null("failed_seq"))
                .col(text_null("problem"))
                // To the hour: when it was last checked says nothing about who looked.
                .col(timestamp_with_time_zone("checked_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_ledger_verified_campaign")
                        .from("ledger_verified", "campaign_id")
                        .to("campaign", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }
}

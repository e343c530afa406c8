//! The integrity ledger: hash-linked blocks per campaign, and which responses each block seals.
//! Sealing inserts rows only; no shared row is updated per submission.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("ledger_block")
                .col(uuid("id").primary_key())
                .col(uuid("campaign_id"))
                .col(big_integer("seq"))
                .col(string_len("prev_hash", 64))
                .col(string_len("hash", 64))
                .col(big_integer("count"))
                .col(timestamp_with_time_zone("sealed_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_ledger_block_campaign")
                        .from("ledger_block", "campaign_id")
                        .to("campaign", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        // Two sealers racing on one campaign: the second insert of a seq fails and rolls back.
        m.create_index(
            Index::create()
                .name("ux_ledger_block_seq")
                .table("ledger_block")
                .col("campaign_id")
                .col("seq")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ledger_entry")
                .col(uuid("response_id").primary_key())
                .col(uuid("block_id"))
                .col(uuid("campaign_id"))
                .col(big_integer("position"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_ledger_entry_block")
                        .from("ledger_entry", "block_id")
                        .to("ledger_block", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ledger_entry_block")
                .table("ledger_entry")
                .col("block_id")
                .col("position")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_ledger_entry_campaign")
                .table("ledger_entry")
                .col("campaign_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

//! Sealed blocks carry their own tallies, so results read a few hundred tally rows plus the
//! responses not sealed yet, instead of scanning every answer (issue 5; figures in BENCHMARKS.md).
//!
//! When the sealer chains a block it also writes, in the same transaction, the block's answer
//! counts per (item, value, flagged), its score and total moments per (flagged, speeder,
//! diarahkan), and its demographic cells (count and score sum per key and value) into
//! `ledger_tally`, and marks the block's responses `sealed`. The results add the tallies of a
//! campaign's blocks to a live GROUP BY over its unsealed responses (at most one sealing interval's
//! worth, found through `ix_response_unsealed`), read in one snapshot. Every row is written once:
//! no row is updated by every submission. The ledger verification recomputes each block's
//! tallies from the stored responses and checks every `sealed` mark against the entries.
//!
//! An existing database is brought along: responses already in a block are marked, and every
//! existing block gets its tallies (the same statements the sealer runs, over all blocks).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tally statements, grouped by block; `WHERE {filter}` picks the blocks (`e` is
/// `ledger_entry`). The sealer (`repo::ledger::seal_campaign`) runs these same statements for each
/// new block; should they ever change, this migration keeps a frozen copy and the sealer the new one.
pub fn tally_sql(filter: &str) -> [String; 3] {
    let cols = "block_id, campaign_id, kind, key, value, flagged, speeder, diarahkan, n, s, ss, t, tt";
    [
        format!(
            "INSERT INTO ledger_tally ({cols}) SELECT e.block_id, e.campaign_id, 'answer', a.item, CAST(a.value AS TEXT), a.flagged, FALSE, FALSE, \
             COUNT(*), 0, 0, 0, 0 FROM ledger_entry e JOIN answer a ON a.response_id = e.response_id WHERE {filter} \
             GROUP BY e.block_id, e.campaign_id, a.item, a.value, a.flagged"
        ),
        format!(
            "INSERT INTO ledger_tally ({cols}) SELECT e.block_id, e.campaign_id, 'response', '', '', r.flagged, r.speeder, r.diarahkan, \
             COUNT(*), SUM(r.score), SUM(r.score * r.score), CAST(SUM(r.total) AS DOUBLE PRECISION), CAST(SUM(r.total * r.total) AS DOUBLE PRECISION) \
             FROM ledger_entry e JOIN response r ON r.id = e.response_id WHERE {filter} \
             GROUP BY e.block_id, e.campaign_id, r.flagged, r.speeder, r.diarahkan"
        ),
        format!(
            "INSERT INTO ledger_tally ({cols}) SELECT e.block_id, e.campaign_id, 'field', f.key, f.value, FALSE, FALSE, FALSE, \
             COUNT(*), SUM(f.score), 0, 0, 0 FROM ledger_entry e JOIN response_field f ON f.response_id = e.response_id \
             WHERE {filter} AND f.kind = 'demographic' GROUP BY e.block_id, e.campaign_id, f.key, f.value"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("response")
                .add_column(ColumnDef::new("sealed").boolean().not_null().default(false))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ledger_tally")
                .col(uuid("block_id"))
                .col(uuid("campaign_id"))
                .col(string_len("kind", 16))
                .col(string_len("key", 64))
                .col(string_len("value", 200))
                .col(boolean("flagged"))
                .col(boolean("speeder"))
                .col(boolean("diarahkan"))
                .col(big_integer("n"))
                .col(double("s"))
                .col(double("ss"))
                .col(double("t"))
                .col(double("tt"))
                .primary_key(
                    Index::create()
                        .col("block_id")
                        .col("kind")
                        .col("key")
                        .col("value")
                        .col("flagged")
                        .col("speeder")
                        .col("diarahkan"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_ledger_tally_block")
                        .from("ledger_tally", "block_id")
                        .to("ledger_block", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        // Covering, in the results' GROUP BY order: a campaign's tallies are read index-only.
        m.create_index(
            Index::create()
                .name("ix_ledger_tally_campaign")
                .table("ledger_tally")
                .col("campaign_id")
                .col("kind")
                .col("key")
                .col("value")
                .col("flagged")
                .col("speeder")
                .col("diarahkan")
                .col("n")
                .col("s")
                .col("ss")
                .col("t")
                .col("tt")
                .to_owned(),
        )
        .await?;
        // The unsealed responses of a campaign, with every column their moments need.
        m.create_index(
            Index::create()
                .name("ix_response_unsealed")
                .table("response")
                .col("campaign_id")
                .col("sealed")
                .col("flagged")
                .col("speeder")
                .col("diarahkan")
                .col("score")
                .col("total")
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name("ix_response_campaign").table("response").to_owned())
            .await?;
        let db = m.get_connection();
        db.execute_unprepared("UPDATE response SET sealed = TRUE WHERE id IN (SELECT response_id FROM ledger_entry)")
            .await?;
        for sql in tally_sql("1 = 1") {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}

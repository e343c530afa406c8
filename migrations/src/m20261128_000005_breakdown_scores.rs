//! Each demographic field row carries its response's score, so a campaign's breakdowns are one
//! index-only range scan (issue 5; figures in BENCHMARKS.md).
//!
//! Before, the breakdown joined ~4 field rows per response to `response` for the score: at
//! 100,000 responses, 400,000 B-tree probes in random (uuid) order, which on SQLite cost 0.8–1 s in
//! a database that also held the national campaigns. With the score copied at insert and
//! `ix_response_field_scores (campaign_id, kind, key, value, score)`, the GROUP BY reads one
//! contiguous stretch of one index, already in group order. The copy is written in the same
//! transaction as the response, and the ledger verification checks it against `response.score`.
//!
//! `ix_response_field_breakdown` (the join's index) goes, and so does `ix_response_analysis`,
//! which served only that join's probes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("response_field")
                .add_column(ColumnDef::new("score").double().null())
                .to_owned(),
        )
        .await?;
        // Portable SQL: a correlated subquery works the same on SQLite and PostgreSQL.
        m.get_connection()
            .execute_unprepared(
                "UPDATE response_field SET score = (SELECT r.score FROM response r WHERE r.id = response_field.response_id)",
            )
            .await?;
        m.create_index(
            Index::create()
                .name("ix_response_field_scores")
                .table("response_field")
                .col("campaign_id")
                .col("kind")
                .col("key")
                .col("value")
                .col("score")
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name("ix_response_field_breakdown").table("response_field").to_owned())
            .await?;
        m.drop_index(Index::drop().name("ix_response_analysis").table("response").to_owned())
            .await?;
        Ok(())
    }
}

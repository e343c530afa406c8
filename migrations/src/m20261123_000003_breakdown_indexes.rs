//! Covering indexes for a campaign's results (issue 5; figures in BENCHMARKS.md).
//!
//! The demographic breakdown joins each demographic field row to its response's score. With only
//! `ix_response_field_campaign (campaign_id, kind, key, value)` and the primary key on
//! `response.id`, SQLite fetched `response_id` from each field's table row and the score from the
//! response's table row, both in random order: at 100,000 responses (~400,000 field rows) that
//! took seconds, mostly page-cache misses. `ix_response_field_breakdown` is read in GROUP BY order
//! with response ids ascending within a value, so the probes into `ix_response_analysis` walk it
//! in order, index-only. The new field index starts with the old one's columns, so the old one goes.
//!
//! `ix_response_analysis` carries every column the results read from `response`, so whichever
//! `(campaign_id, …)` index SQLite picks for the flag counts and score moments, it never has to
//! visit the table rows in id (random) order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_response_field_breakdown")
                .table("response_field")
                .col("campaign_id")
                .col("kind")
                .col("key")
                .col("value")
                .col("response_id")
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name("ix_response_field_campaign").table("response_field").to_owned())
            .await?;
        m.create_index(
            Index::create()
                .name("ix_response_analysis")
                .table("response")
                .col("campaign_id")
                .col("id")
                .col("score")
                .col("total")
                .col("flagged")
                .col("speeder")
                .col("diarahkan")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

//! Indexes for the demographic breakdowns of a campaign's results (issue 5).
//!
//! The breakdown joins each demographic field row to its response's score. With only
//! `ix_response_field_campaign (campaign_id, kind, key, value)` and the primary key on
//! `response.id`, SQLite fetched `response_id` from the field's table row and then the score from
//! the response's table row, both in random order: at 100,000 responses (some 400,000 field rows)
//! that was about 2 s, most of it page-cache misses. With these two covering indexes the
//! breakdown reads `response_field` in (key, value, response_id) order, so no sort is needed and
//! the score probes walk `ix_response_score` in ascending order, index-only (~0.3 s; see
//! BENCHMARKS.md). The new field index starts with the old one's columns, so the old one goes.

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
                .name("ix_response_score")
                .table("response")
                .col("campaign_id")
                .col("id")
                .col("score")
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

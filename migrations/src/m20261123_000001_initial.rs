//! The initial schema: units, keys, frozen form versions, campaigns, open links, token batches,
//! the token redemption ledger, responses with their answers and fields, exclusions, the audit
//! log, the integrity ledger and server secrets.
//!
//! Anonymity is a schema property: `response` has no column for a token, its hash, its batch, an
//! address, a user agent or a time of day, and `token` has no column pointing at a response.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(name: &str, from: (&'static str, &'static str), to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("unit")
                .col(uuid("id").primary_key())
                .col(string_len_uniq("slug", 64))
                .col(string_len("name", 200))
                .col(string_len("instansi", 200))
                .col(text("service_types"))
                .col(string_len("default_rule", 32))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("api_key")
                .col(uuid("id").primary_key())
                .col(string_len("name", 200))
                .col(string_len("role", 16))
                .col(uuid_null("unit_id"))
                .col(string_len("key_hash", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk("fk_api_key_unit", ("api_key", "unit_id"), ("unit", "id")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("form_version")
                .col(string_len("form_id", 64))
                .col(integer("version"))
                .col(string_len("fingerprint", 64))
                .col(text("canonical"))
                .col(timestamp_with_time_zone("frozen_at"))
                .primary_key(Index::create().col("form_id").col("version"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("campaign")
                .col(uuid("id").primary_key())
                .col(uuid("unit_id"))
                .col(string_len("form_id", 64))
                .col(integer("form_version"))
                .col(string_len("title", 200))
                .col(timestamp_with_time_zone_null("opens_at"))
                .col(timestamp_with_time_zone_null("closes_at"))
                .col(big_integer_null("population").check(Expr::col("population").gte(1)))
                .col(string_len("rule", 32))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_campaign_unit", ("campaign", "unit_id"), ("unit", "id")))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_campaign_form_version")
                        .from_tbl("campaign")
                        .from_col("form_id")
                        .from_col("form_version")
                        .to_tbl("form_version")
                        .to_col("form_id")
                        .to_col("version"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_campaign_unit").table("campaign").col("unit_id").to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table("open_link")
                .col(uuid("id").primary_key())
                .col(uuid("campaign_id"))
                .col(string_len_uniq("code", 32))
                .col(string_len("label", 200))
                .col(big_integer_null("max_responses"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("fk_open_link_campaign", ("open_link", "campaign_id"), ("campaign", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_open_link_campaign")
                .table("open_link")
                .col("campaign_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("token_batch")
                .col(uuid("id").primary_key())
                .col(uuid("campaign_id"))
                .col(string_len_null("label", 200))
                .col(big_integer("issued"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "fk_token_batch_campaign",
                    ("token_batch", "campaign_id"),
                    ("campaign", "id"),
                ))
                .to_owned(),
        )
        .await?;

        // The redemption ledger: a token knows only whether it was used, never by which response.
        m.create_table(
            Table::create()
                .table("token")
                .col(string_len("token_hash", 64).primary_key())
                .col(uuid("batch_id"))
                .col(boolean("redeemed"))
                .foreign_key(&mut fk("fk_token_batch", ("token", "batch_id"), ("token_batch", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_token_batch")
                .table("token")
                .col("batch_id")
                .col("redeemed")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("response")
                .col(uuid("id").primary_key())
                .col(uuid("campaign_id"))
                .col(date("submitted_on"))
                .col(string_len("channel", 16))
                .col(uuid_null("open_link_id"))
                .col(string_len_null("link_label", 200))
                .col(double("score"))
                .col(integer("total"))
                .col(boolean("speeder"))
                .col(boolean("diarahkan"))
                .col(boolean("flagged"))
                .col(string_len("content_hash", 64))
                .foreign_key(&mut fk("fk_response_campaign", ("response", "campaign_id"), ("campaign", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_response_campaign")
                .table("response")
                .col("campaign_id")
                .col("flagged")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_response_open_link")
                .table("response")
                .col("open_link_id")
                .to_owned(),
        )
        .await?;

        // campaign_id and flagged are copied from the response so the per-item GROUP BY is one
        // index-only scan, no join.
        m.create_table(
            Table::create()
                .table("answer")
                .col(uuid("response_id"))
                .col(uuid("campaign_id"))
                .col(string_len("item", 64))
                .col(small_integer("value").check(Expr::col("value").between(1, 10)))
                .col(boolean("flagged"))
                .primary_key(Index::create().col("response_id").col("item"))
                .foreign_key(&mut fk("fk_answer_response", ("answer", "response_id"), ("response", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_answer_campaign")
                .table("answer")
                .col("campaign_id")
                .col("flagged")
                .col("item")
                .col("value")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("response_field")
                .col(uuid("response_id"))
                .col(uuid("campaign_id"))
                .col(string_len("kind", 16))
                .col(string_len("key", 64))
                .col(string_len("value", 200))
                .primary_key(Index::create().col("response_id").col("kind").col("key"))
                .foreign_key(&mut fk(
                    "fk_response_field_response",
                    ("response_field", "response_id"),
                    ("response", "id"),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_response_field_campaign")
                .table("response_field")
                .col("campaign_id")
                .col("kind")
                .col("key")
                .col("value")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("exclusion")
                .col(uuid("response_id").primary_key())
                .col(uuid("campaign_id"))
                .col(text("reason"))
                .col(uuid("excluded_by"))
                .col(timestamp_with_time_zone("excluded_at"))
                .foreign_key(&mut fk("fk_exclusion_response", ("exclusion", "response_id"), ("response", "id")))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_exclusion_campaign")
                .table("exclusion")
                .col("campaign_id")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(uuid("id").primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("actor_key_id"))
                .col(string_len("actor_role", 16))
                .col(string_len("action", 64))
                .col(string_len("entity", 32))
                .col(string_len("entity_id", 64))
                .col(uuid_null("unit_id"))
                .col(text_null("reason"))
                .col(text("detail"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_unit_at")
                .table("audit_log")
                .col("unit_id")
                .col("at")
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("app_secret")
                .col(string_len("name", 64).primary_key())
                .col(string_len("value", 128))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

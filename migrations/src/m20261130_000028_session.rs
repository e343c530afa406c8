//! Login sessions recorded server-side (issue 16): a session is a random id in the cookie (signed
//! with the session key, which lives outside the database) and a row here holding only the id's
//! SHA-256, the key that logged in, when it expires and whether it was ended. Logging out or
//! revoking the key ends it at once; a copy of this table opens nothing.
//!
//! The render-token secret that used to be stored in `app_secret` is deleted: signing keys now
//! come from `INTEGRITAS_SECRET` or the key file, so a copy of the database forges nothing. Forms
//! rendered before the upgrade are refused as stale once and rendered again.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("session")
                .col(string_len("id_hash", 64).primary_key())
                .col(uuid("key_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(boolean("revoked"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_session_key")
                        .from("session", "key_id")
                        .to("api_key", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("ix_session_key").table("session").col("key_id").to_owned())
            .await?;
        m.exec_stmt(
            Query::delete()
                .from_table("app_secret")
                .and_where(Expr::col("name").eq("render_token"))
                .to_owned(),
        )
        .await
    }
}

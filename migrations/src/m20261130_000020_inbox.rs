//! The inbox, and storage that keeps no arrival order (issues 12 and 17).
//!
//! A submission lands in `inbox` (a random id, its campaign, the validated submission as JSON
//! text) in the transaction that redeems its token; the sealer later moves whole groups into
//! `response` and its child tables with new random ids, in its own transaction. So:
//!
//! * `inbox` is keyed by a random uuid and indexed by campaign (the sealer's scan reads the index,
//!   not the response table); `open_link_id` is copied out of the JSON so a link's cap is counted
//!   by an index too.
//! * `token.settled`: on PostgreSQL the sealer rewrites a sealed campaign's redeemed tokens in a
//!   transaction of their own, so no token keeps the transaction id of the submission whose rows
//!   it could otherwise be matched with.
//! * SQLite only: `inbox`, `response`, `answer`, `response_field`, `ledger_entry` and `exclusion`
//!   become `WITHOUT ROWID` tables, so the file stores rows in key order (random) rather than in
//!   the order they arrived. Each table is rebuilt: renamed away, created anew from its own
//!   `CREATE TABLE` text plus `WITHOUT ROWID`, copied, and the old one dropped children first (so
//!   no foreign key is ever left dangling), then its indexes are recreated. PostgreSQL has no
//!   rowid: nothing to do there.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The SQLite tables rebuilt without rowid; parents before children.
const REBUILT: [&str; 6] = ["response", "answer", "response_field", "ledger_entry", "exclusion", "inbox"];

#[derive(Debug, sea_orm::FromQueryResult)]
struct Sql {
    sql: String,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("inbox")
                .col(uuid("id").primary_key())
                .col(uuid("campaign_id"))
                .col(uuid_null("open_link_id"))
                .col(text("body"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_inbox_campaign")
                        .from("inbox", "campaign_id")
                        .to("campaign", "id")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_inbox_campaign")
                .table("inbox")
                .col("campaign_id")
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_inbox_open_link")
                .table("inbox")
                .col("open_link_id")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("token")
                .add_column(ColumnDef::new("settled").boolean().not_null().default(false))
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == sea_orm::DbBackend::Sqlite {
            without_rowid(m).await?;
        }
        Ok(())
    }
}

/// Rebuilds [`REBUILT`] as `WITHOUT ROWID` tables in one transaction.
async fn without_rowid(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
    let txn = m.begin().await?;
    let db = txn.get_connection();
    let backend = db.get_database_backend();
    let read = |sql: String| Sql::find_by_statement(Statement::from_string(backend, sql)).all(db);
    // Every table's own text and its indexes, read before any rename rewrites a reference.
    let mut creates = Vec::new();
    let mut indexes = Vec::new();
    for t in REBUILT {
        let create = read(format!("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{t}'"))
            .await?
            .pop()
            .ok_or_else(|| DbErr::Migration(format!("table {t} is missing")))?;
        creates.push(format!("{} WITHOUT ROWID", create.sql.trim_end().trim_end_matches(';')));
        indexes.extend(
            read(format!(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '{t}' AND sql IS NOT NULL"
            ))
            .await?
            .into_iter()
            .map(|s| s.sql),
        );
    }
    for (t, create) in REBUILT.iter().zip(&creates) {
        // The rename points the children's foreign keys at `{t}_old`; the new table is created
        // from the text read above, so it names the new parents.
        db.execute_unprepared(&format!("ALTER TABLE \"{t}\" RENAME TO \"{t}_old\"")).await?;
        db.execute_unprepared(create).await?;
        db.execute_unprepared(&format!("INSERT INTO \"{t}\" SELECT * FROM \"{t}_old\""))
            .await?;
    }
    for t in REBUILT.iter().rev() {
        db.execute_unprepared(&format!("DROP TABLE \"{t}_old\"")).await?;
    }
    for sql in indexes {
        db.execute_unprepared(&sql).await?;
    }
    txn.commit().await
}

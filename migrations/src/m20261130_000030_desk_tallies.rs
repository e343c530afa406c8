//! Sealed blocks also tally their desks (open links): per block and open link, the count and score
//! sum of its responses, as a `ledger_tally` row of kind `desk` keyed by the link's id (32 hex
//! digits, the same on both databases). The publication rule counts each desk block by block, and
//! the closed campaign's desk figures are the sum over blocks; both read these few rows instead of
//! every response of the campaign (at 100,000 responses the per-response read took ~240 ms on
//! SQLite, the tallies ~4 ms; BENCHMARKS.md). The ledger check recomputes them with the rest.
//!
//! Existing blocks get their desk tallies here, from the same statement the sealer runs.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The open link's id as 32 lowercase hex digits: SQLite stores a uuid as 16 bytes, PostgreSQL as
/// `uuid`; both come out the same (`Uuid::simple()`).
fn link_key(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "REPLACE(CAST(r.open_link_id AS TEXT), '-', '')",
        _ => "LOWER(HEX(r.open_link_id))",
    }
}

/// The desk tally statement, grouped by block; `WHERE {filter}` picks the blocks (`e` is
/// `ledger_entry`). The sealer (`repo::ledger`) runs it for each new block.
pub fn desk_tally_sql(backend: DbBackend, filter: &str) -> String {
    let key = link_key(backend);
    format!(
        "INSERT INTO ledger_tally (block_id, campaign_id, kind, key, value, flagged, speeder, diarahkan, n, s, ss, t, tt) \
         SELECT e.block_id, e.campaign_id, 'desk', {key}, '', FALSE, FALSE, FALSE, COUNT(*), SUM(r.score), 0, 0, 0 \
         FROM ledger_entry e JOIN response r ON r.id = e.response_id \
         WHERE {filter} AND r.open_link_id IS NOT NULL GROUP BY e.block_id, e.campaign_id, r.open_link_id"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(&desk_tally_sql(db.get_database_backend(), "1 = 1"))
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DELETE FROM ledger_tally WHERE kind = 'desk'")
            .await
            .map(|_| ())
    }
}

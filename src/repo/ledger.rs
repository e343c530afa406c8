//! The integrity ledger's storage: sealing a campaign's new responses into a hash-linked block
//! with its tallies, the head, and loading the rows the ledger check reads. The check itself is
//! domain code (`domain::ledger::verify`, a pure function property-tested without a database);
//! [`verify`] loads and calls it. Every row is read into a `FromQueryResult` struct.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, TransactionTrait, Value};
use uuid::Uuid;

use crate::domain::forms::Form;
use crate::domain::ledger::{self, GENESIS, LedgerRows, block_hash};
pub use crate::domain::ledger::{BlockCheck, LedgerHead, Verification};

/// Responses per block at most, so one seal stays a short transaction.
const MAX_BLOCK: i64 = 5_000;

#[derive(FromQueryResult)]
struct LastBlock {
    hash: String,
    seq: i64,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

#[derive(FromQueryResult)]
struct Unsealed {
    id: Uuid,
    content_hash: String,
}

#[derive(FromQueryResult)]
struct CampaignCount {
    campaign_id: Uuid,
    n: i64,
}

#[derive(FromQueryResult)]
struct CampaignHead {
    campaign_id: Uuid,
    seq: i64,
    hash: String,
}

async fn last_block(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Option<LastBlock>, DbErr> {
    LastBlock::find_by_statement(super::stmt(
        db,
        "SELECT hash, seq FROM ledger_block WHERE campaign_id = $1 ORDER BY seq DESC LIMIT 1",
        vec![campaign_id.into()],
    ))
    .one(db)
    .await
}

pub async fn head(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<LedgerHead, DbErr> {
    let last = last_block(db, campaign_id).await?;
    // From the blocks' counts and the unsealed marks (both index lookups), not by counting every
    // response; `verify` checks both against the entries.
    let sealed = count(
        db,
        "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) AS n FROM ledger_block WHERE campaign_id = $1",
        campaign_id,
    )
    .await?;
    let unsealed = count(
        db,
        "SELECT COUNT(*) AS n FROM response WHERE campaign_id = $1 AND sealed = FALSE",
        campaign_id,
    )
    .await?;
    Ok(LedgerHead {
        blocks: last.as_ref().map_or(0, |b| b.seq),
        head: last.map(|b| b.hash),
        sealed,
        unsealed,
    })
}

async fn count(db: &impl ConnectionTrait, sql: &str, id: Uuid) -> Result<i64, DbErr> {
    let c = Count::find_by_statement(super::stmt(db, sql, vec![id.into()])).one(db).await?;
    Ok(c.map_or(0, |c| c.n))
}

/// Seals the campaign's unsealed responses (up to one block); returns how many were sealed.
pub async fn seal_campaign(db: &DatabaseConnection, campaign_id: Uuid) -> Result<i64, DbErr> {
    let txn = db.begin().await?;
    // A write first, so on SQLite this transaction takes the write lock at once (waiting its
    // turn with the busy timeout) instead of failing "database is locked" when it upgrades from
    // a read while submissions are being written. A no-op on PostgreSQL.
    txn.execute_unprepared("DELETE FROM ledger_entry WHERE 1 = 0").await?;
    let entries = Unsealed::find_by_statement(super::stmt(
        &txn,
        &format!(
            "SELECT r.id AS id, r.content_hash AS content_hash FROM response r \
             WHERE r.campaign_id = $1 AND r.sealed = FALSE ORDER BY r.id LIMIT {MAX_BLOCK}"
        ),
        vec![campaign_id.into()],
    ))
    .all(&txn)
    .await?;
    if entries.is_empty() {
        txn.rollback().await?;
        return Ok(0);
    }
    let (prev, seq) = match last_block(&txn, campaign_id).await? {
        Some(b) => (b.hash, b.seq + 1),
        None => (GENESIS.to_owned(), 1),
    };
    let hashed: Vec<(String, String)> = entries.iter().map(|e| (e.id.to_string(), e.content_hash.clone())).collect();
    let hash = block_hash(&prev, &campaign_id.to_string(), seq, &hashed);
    let block_id = Uuid::new_v4();
    txn.execute_raw(super::stmt(
        &txn,
        "INSERT INTO ledger_block (id, campaign_id, seq, prev_hash, hash, count, sealed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            block_id.into(),
            campaign_id.into(),
            seq.into(),
            prev.into(),
            hash.into(),
            (entries.len() as i64).into(),
            crate::domain::now().into(),
        ],
    ))
    .await?;
    for (chunk_no, chunk) in entries.chunks(1000).enumerate() {
        let mut sql = String::from("INSERT INTO ledger_entry (response_id, block_id, campaign_id, position) VALUES ");
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 4);
        for (i, e) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let n = values.len();
            sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
            values.extend([
                e.id.into(),
                block_id.into(),
                campaign_id.into(),
                ((chunk_no * 1000 + i) as i64).into(),
            ]);
        }
        txn.execute_raw(super::stmt(&txn, &sql, values)).await?;
    }
    // The block's tallies (what the results add up instead of scanning its answers), and the
    // mark that takes its responses out of the live part of the results: same transaction.
    for sql in migrations::tally_sql("e.block_id = $1") {
        txn.execute_raw(super::stmt(&txn, &sql, vec![block_id.into()])).await?;
    }
    txn.execute_raw(super::stmt(
        &txn,
        "UPDATE response SET sealed = TRUE WHERE id IN (SELECT response_id FROM ledger_entry WHERE block_id = $1)",
        vec![block_id.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(entries.len() as i64)
}

/// Seals every campaign that has unsealed responses.
pub async fn seal_all(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let per_campaign = |sql: &str| CampaignCount::find_by_statement(super::stmt(db, sql, vec![])).all(db);
    let totals = per_campaign("SELECT campaign_id, COUNT(*) AS n FROM response GROUP BY campaign_id").await?;
    let sealed: HashMap<Uuid, i64> = per_campaign("SELECT campaign_id, COUNT(*) AS n FROM ledger_entry GROUP BY campaign_id")
        .await?
        .into_iter()
        .map(|c| (c.campaign_id, c.n))
        .collect();
    let mut n = 0;
    for c in totals {
        if c.n > sealed.get(&c.campaign_id).copied().unwrap_or(0) {
            loop {
                let k = seal_campaign(db, c.campaign_id).await?;
                n += k;
                if k < MAX_BLOCK {
                    break;
                }
            }
        }
    }
    Ok(n)
}

/// Declares a `FromQueryResult` struct with the fields of a `domain::ledger` row and the
/// conversion into it: the derive reads each column by its field's name, and a field added to the
/// domain row fails to compile here until it is loaded too. The domain stays free of sea-orm.
macro_rules! loaded_row {
    ($name:ident => $domain:ident { $($field:ident: $ty:ty),* $(,)? }) => {
        #[derive(FromQueryResult)]
        struct $name {
            $($field: $ty),*
        }

        impl From<$name> for ledger::$domain {
            fn from(r: $name) -> Self {
                ledger::$domain { $($field: r.$field),* }
            }
        }
    };
}

loaded_row!(Response => ResponseRow {
    id: Uuid, submitted_on: chrono::NaiveDate, channel: String, link_label: Option<String>, speeder: bool,
    diarahkan: bool, flagged: bool, score: f64, total: i32, sealed: bool, content_hash: String,
});
loaded_row!(Answer => AnswerRow { response_id: Uuid, item: String, value: i16, flagged: bool });
loaded_row!(Field => FieldRow { response_id: Uuid, kind: String, key: String, value: String, score: Option<f64> });
loaded_row!(Block => BlockRow {
    id: Uuid, seq: i64, prev_hash: String, hash: String, count: i64, sealed_at: chrono::DateTime<chrono::Utc>,
});
loaded_row!(Entry => EntryRow { block_id: Uuid, position: i64, response_id: Uuid });
loaded_row!(Tally => TallyRow {
    block_id: Uuid, kind: String, key: String, value: String, flagged: bool, speeder: bool, diarahkan: bool,
    n: i64, s: f64, ss: f64, t: f64, tt: f64,
});

/// One campaign's rows of one table, read into `R` and converted to the domain row `D`.
async fn load<R: FromQueryResult + Into<D>, D>(db: &impl ConnectionTrait, sql: &str, campaign_id: Uuid) -> Result<Vec<D>, DbErr> {
    let rows = R::find_by_statement(super::stmt(db, sql, vec![campaign_id.into()])).all(db).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Every stored row the ledger check reads for one campaign. The responses are read first: a
/// response stored meanwhile then has answers read below but no response row, and is ignored,
/// rather than read without its answers and reported as changed.
pub async fn rows(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<LedgerRows, DbErr> {
    Ok(LedgerRows {
        responses: load::<Response, _>(
            db,
            "SELECT id, submitted_on, channel, link_label, speeder, diarahkan, flagged, score, total, sealed, content_hash \
             FROM response WHERE campaign_id = $1",
            campaign_id,
        )
        .await?,
        answers: load::<Answer, _>(
            db,
            "SELECT response_id, item, value, flagged FROM answer WHERE campaign_id = $1",
            campaign_id,
        )
        .await?,
        fields: load::<Field, _>(
            db,
            "SELECT response_id, kind, key, value, score FROM response_field WHERE campaign_id = $1",
            campaign_id,
        )
        .await?,
        blocks: load::<Block, _>(
            db,
            "SELECT id, seq, prev_hash, hash, count, sealed_at FROM ledger_block WHERE campaign_id = $1",
            campaign_id,
        )
        .await?,
        entries: load::<Entry, _>(
            db,
            "SELECT block_id, position, response_id FROM ledger_entry WHERE campaign_id = $1",
            campaign_id,
        )
        .await?,
        tallies: load::<Tally, _>(
            db,
            "SELECT block_id, kind, key, value, flagged, speeder, diarahkan, n, s, ss, t, tt FROM ledger_tally WHERE campaign_id = $1",
            campaign_id,
        )
        .await?,
    })
}

/// Re-verifies a campaign's ledger from its stored rows (see `domain::ledger::verify`).
pub async fn verify(db: &impl ConnectionTrait, campaign_id: Uuid, form: &Form) -> Result<Verification, DbErr> {
    let rows = rows(db, campaign_id).await?;
    Ok(ledger::verify(campaign_id, form, &rows))
}

/// The newest block hash of each campaign, in one query per 1,000 campaigns.
pub async fn last_heads(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, DbErr> {
    let mut out: HashMap<Uuid, (i64, String)> = HashMap::new();
    for chunk in ids.chunks(1000) {
        let ph = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let rows = CampaignHead::find_by_statement(super::stmt(
            db,
            &format!("SELECT campaign_id, seq, hash FROM ledger_block WHERE campaign_id IN ({ph})"),
            chunk.iter().map(|i| (*i).into()).collect(),
        ))
        .all(db)
        .await?;
        for r in rows {
            if out.get(&r.campaign_id).is_none_or(|(s, _)| *s < r.seq) {
                out.insert(r.campaign_id, (r.seq, r.hash));
            }
        }
    }
    Ok(out.into_iter().map(|(k, (_, h))| (k, h)).collect())
}

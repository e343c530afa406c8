//! The integrity ledger's storage: sealing a campaign's waiting inbox entries, a group at a time,
//! into response rows and a hash-linked block with its tallies; the head; and loading the rows the
//! ledger check reads. The check itself is
//! domain code (`domain::ledger::verify`, a pure function property-tested without a database);
//! `repo::ledger_check` loads one block's rows at a time for it. Every row is read into a `FromQueryResult` struct.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, FromQueryResult, TransactionTrait, Value};
use uuid::Uuid;

use crate::domain::inbox;
use crate::domain::ledger::{self, GENESIS, block_hash};
pub use crate::domain::ledger::{BlockCheck, LedgerHead, Verification};

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
    // From the blocks' counts and the inbox (both index lookups), not by counting every response;
    // `verify` checks the blocks against the entries.
    let sealed = count(
        db,
        "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) AS n FROM ledger_block WHERE campaign_id = $1",
        campaign_id,
    )
    .await?;
    let unsealed = super::inbox::pending(db, campaign_id).await?;
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

/// How one sealing pass takes its turn among sealers of the same campaign.
#[derive(Clone, Copy)]
pub struct Turn<'a> {
    /// Wait for a sealer of another process (closing a campaign), or give up at once and let
    /// it finish (the periodic scan: a lost race is "already being sealed", not an error).
    pub wait: bool,
    /// SQLite: the process's one writer turn, shared with the group commit.
    pub writer: Option<&'a tokio::sync::Mutex<()>>,
}

/// The advisory lock key of a campaign (PostgreSQL): the first 8 bytes of its id.
fn lock_key(campaign_id: Uuid) -> i64 {
    let b = campaign_id.as_bytes();
    i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

#[derive(FromQueryResult)]
struct Got {
    got: bool,
}

/// Seals the next block of a campaign's waiting inbox entries, as `domain::inbox::blocks_to_seal`
/// allows for groups of `k`: moves them into response rows under new random ids, in shuffled
/// order, chains the block with its tallies and deletes the entries, in one transaction of its
/// own. Returns how many were sealed (0: nothing to seal, or another sealer holds the campaign).
pub async fn seal_campaign(db: &DatabaseConnection, campaign_id: Uuid, k: u64, turn: Turn<'_>) -> Result<i64, DbErr> {
    let _writer = match turn.writer {
        Some(m) => Some(m.lock().await),
        None => None,
    };
    let txn = db.begin().await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // One sealer per campaign across every process; the lock ends with the transaction.
        let sql = if turn.wait {
            "SELECT pg_advisory_xact_lock($1) IS NOT NULL AS got"
        } else {
            "SELECT pg_try_advisory_xact_lock($1) AS got"
        };
        let got = Got::find_by_statement(super::stmt(&txn, sql, vec![lock_key(campaign_id).into()]))
            .one(&txn)
            .await?
            .is_some_and(|g| g.got);
        if !got {
            txn.rollback().await?;
            return Ok(0);
        }
    } else {
        // A write first, so this transaction takes SQLite's write lock at once rather than
        // failing to upgrade from a read.
        txn.execute_unprepared("DELETE FROM inbox WHERE 1 = 0").await?;
    }
    let open = match crate::entities::campaign::Entity::find_by_id(campaign_id).one(&txn).await? {
        Some(c) => super::campaigns::period(&c).status(crate::domain::now()) == crate::domain::campaign::CampaignStatus::Open,
        None => false,
    };
    let waiting = super::inbox::entries(&txn, campaign_id).await?;
    let Some(size) = inbox::blocks_to_seal(waiting.len() as u64, k, open).first().copied() else {
        txn.rollback().await?;
        return Ok(0);
    };
    let taken: Vec<super::inbox::Entry> = waiting.into_iter().take(size as usize).collect();
    let moved: Vec<Uuid> = taken.iter().map(|e| e.id).collect();
    let mut bodies = Vec::with_capacity(taken.len());
    for e in taken {
        bodies.push(
            serde_json::from_str::<inbox::Waiting>(&e.body).map_err(|err| DbErr::Custom(format!("an unreadable inbox entry: {err}")))?,
        );
    }
    let ids = (0..bodies.len()).map(|_| Uuid::new_v4()).collect();
    let mut hashed: Vec<(Uuid, String)> = Vec::with_capacity(bodies.len());
    for (id, w) in inbox::shuffled(bodies, ids) {
        let hash = super::responses::insert_sealed(&txn, campaign_id, id, &w).await?;
        hashed.push((id, hash));
    }
    chain_block(&txn, campaign_id, &hashed).await?;
    super::inbox::delete(&txn, &moved).await?;
    txn.commit().await?;
    Ok(hashed.len() as i64)
}

/// Chains a block over responses already written, (id, content hash) in the block's order: the
/// block, its entries and its tallies (what the results add up instead of scanning its answers).
async fn chain_block(txn: &DatabaseTransaction, campaign_id: Uuid, hashed: &[(Uuid, String)]) -> Result<(), DbErr> {
    let (prev, seq) = match last_block(txn, campaign_id).await? {
        Some(b) => (b.hash, b.seq + 1),
        None => (GENESIS.to_owned(), 1),
    };
    let as_text: Vec<(String, String)> = hashed.iter().map(|(id, h)| (id.to_string(), h.clone())).collect();
    let hash = block_hash(&prev, &campaign_id.to_string(), seq, &as_text);
    let block_id = Uuid::new_v4();
    txn.execute_raw(super::stmt(
        txn,
        "INSERT INTO ledger_block (id, campaign_id, seq, prev_hash, hash, count, sealed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        vec![
            block_id.into(),
            campaign_id.into(),
            seq.into(),
            prev.into(),
            hash.into(),
            (hashed.len() as i64).into(),
            inbox::sealed_at(crate::domain::now()).into(),
        ],
    ))
    .await?;
    for (chunk_no, chunk) in hashed.chunks(1000).enumerate() {
        let mut sql = String::from("INSERT INTO ledger_entry (response_id, block_id, campaign_id, position) VALUES ");
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 4);
        for (i, (id, _)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let n = values.len();
            sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
            values.extend([
                (*id).into(),
                block_id.into(),
                campaign_id.into(),
                ((chunk_no * 1000 + i) as i64).into(),
            ]);
        }
        txn.execute_raw(super::stmt(txn, &sql, values)).await?;
    }
    let desks = migrations::desk_tally_sql(txn.get_database_backend(), "e.block_id = $1");
    for sql in migrations::tally_sql("e.block_id = $1").into_iter().chain([desks]) {
        txn.execute_raw(super::stmt(txn, &sql, vec![block_id.into()])).await?;
    }
    Ok(())
}

#[derive(FromQueryResult)]
struct Legacy {
    id: Uuid,
    content_hash: String,
}

#[derive(FromQueryResult)]
struct LegacyCampaign {
    campaign_id: Uuid,
}

/// Responses written before the inbox existed and not sealed by the time of the upgrade: chained
/// at start-up, one block per campaign, as the sealer of that time would have (they were stored
/// under their own ids then; nothing new is written that way). Returns how many were sealed.
pub async fn seal_legacy(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let campaigns = LegacyCampaign::find_by_statement(super::stmt(
        db,
        "SELECT DISTINCT campaign_id FROM response WHERE sealed = FALSE",
        vec![],
    ))
    .all(db)
    .await?;
    let mut n = 0;
    for c in campaigns {
        let txn = db.begin().await?;
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            txn.execute_raw(super::stmt(
                &txn,
                "SELECT pg_advisory_xact_lock($1)",
                vec![lock_key(c.campaign_id).into()],
            ))
            .await?;
        } else {
            txn.execute_unprepared("DELETE FROM inbox WHERE 1 = 0").await?;
        }
        let rows = Legacy::find_by_statement(super::stmt(
            &txn,
            "SELECT id, content_hash FROM response WHERE campaign_id = $1 AND sealed = FALSE ORDER BY id",
            vec![c.campaign_id.into()],
        ))
        .all(&txn)
        .await?;
        if !rows.is_empty() {
            let hashed: Vec<(Uuid, String)> = rows.into_iter().map(|r| (r.id, r.content_hash)).collect();
            chain_block(&txn, c.campaign_id, &hashed).await?;
            txn.execute_raw(super::stmt(
                &txn,
                "UPDATE response SET sealed = TRUE WHERE campaign_id = $1 AND sealed = FALSE",
                vec![c.campaign_id.into()],
            ))
            .await?;
            n += hashed.len() as i64;
        }
        txn.commit().await?;
    }
    Ok(n)
}

/// PostgreSQL: rewrites the campaign's redeemed tokens in a transaction of their own, between two
/// transactions that only burn a transaction id, so no token keeps the id (`xmin`) of the
/// submission that redeemed it, nor one next to a sealing transaction's. Then vacuums the inbox
/// and the tokens, so the dead row versions that still carried those ids go too.
pub async fn settle_tokens(db: &DatabaseConnection, campaign_id: Uuid) -> Result<(), DbErr> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    db.execute_unprepared("SELECT txid_current()").await?;
    db.execute_raw(super::stmt(
        db,
        "UPDATE token SET settled = TRUE WHERE redeemed = TRUE AND settled = FALSE \
         AND batch_id IN (SELECT id FROM token_batch WHERE campaign_id = $1)",
        vec![campaign_id.into()],
    ))
    .await?;
    db.execute_unprepared("SELECT txid_current()").await?;
    db.execute_unprepared("VACUUM inbox, token").await?;
    Ok(())
}

/// Seals every campaign with entries waiting, found through the inbox's campaign index, without
/// waiting for a sealer of another process. Returns how many responses were sealed.
pub async fn seal_all(db: &DatabaseConnection, k: u64, writer: Option<&tokio::sync::Mutex<()>>) -> Result<i64, DbErr> {
    let mut n = 0;
    for campaign_id in super::inbox::waiting_campaigns(db).await? {
        let before = n;
        loop {
            let sealed = seal_campaign(db, campaign_id, k, Turn { wait: false, writer }).await?;
            n += sealed;
            if sealed == 0 {
                break;
            }
        }
        if n > before {
            settle_tokens(db, campaign_id).await?;
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
        pub(super) struct $name {
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
    id: Uuid, submitted_on: chrono::NaiveDate, channel: String, open_link_id: Option<Uuid>, link_label: Option<String>, speeder: bool,
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
pub(super) async fn load<R: FromQueryResult + Into<D>, D>(
    db: &impl ConnectionTrait,
    sql: &str,
    campaign_id: Uuid,
) -> Result<Vec<D>, DbErr> {
    let rows = R::find_by_statement(super::stmt(db, sql, vec![campaign_id.into()])).all(db).await?;
    Ok(rows.into_iter().map(Into::into).collect())
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

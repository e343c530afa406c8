//! What the ledger check reads and keeps, a block at a time: the blocks' headers, one block's
//! rows (its entries, tallies, and the responses it lists with their answers and fields), the
//! rows no block accounts for, and the verified head stored per campaign (`ledger_verified`).
//! Memory stays bounded by one block, not the campaign.

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

use super::ledger::{Answer, Block, Entry, Field, Response, Tally, load};

/// [`load`] for a statement naming the campaign `n` times (SQLite numbers placeholders by
/// position, so each use takes a value of its own).
async fn load_n<R: FromQueryResult + Into<D>, D>(
    db: &impl ConnectionTrait,
    sql: &str,
    campaign_id: Uuid,
    n: usize,
) -> Result<Vec<D>, DbErr> {
    let rows = R::find_by_statement(super::stmt(db, sql, vec![campaign_id.into(); n]))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
use crate::domain::ledger::{BlockRow, LedgerRows};

/// Every block of a campaign, headers only, in chain order.
pub async fn blocks(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<BlockRow>, DbErr> {
    load::<Block, _>(
        db,
        "SELECT id, seq, prev_hash, hash, count, sealed_at FROM ledger_block WHERE campaign_id = $1 ORDER BY seq",
        campaign_id,
    )
    .await
}

/// One block's rows. The responses are read before their answers and fields, as a response
/// stored meanwhile is then ignored rather than read without its answers.
pub async fn block_rows(db: &impl ConnectionTrait, block_id: Uuid) -> Result<LedgerRows, DbErr> {
    const LISTED: &str = "SELECT response_id FROM ledger_entry WHERE block_id = $1";
    Ok(LedgerRows {
        responses: load::<Response, _>(
            db,
            &format!(
                "SELECT id, submitted_on, channel, open_link_id, link_label, speeder, diarahkan, flagged, score, total, sealed, content_hash \
                 FROM response WHERE id IN ({LISTED})"
            ),
            block_id,
        )
        .await?,
        answers: load::<Answer, _>(
            db,
            &format!("SELECT response_id, item, value, flagged FROM answer WHERE response_id IN ({LISTED})"),
            block_id,
        )
        .await?,
        fields: load::<Field, _>(
            db,
            &format!("SELECT response_id, kind, key, value, score FROM response_field WHERE response_id IN ({LISTED})"),
            block_id,
        )
        .await?,
        blocks: Vec::new(),
        entries: load::<Entry, _>(
            db,
            "SELECT block_id, position, response_id FROM ledger_entry WHERE block_id = $1",
            block_id,
        )
        .await?,
        tallies: load::<Tally, _>(
            db,
            "SELECT block_id, kind, key, value, flagged, speeder, diarahkan, n, s, ss, t, tt FROM ledger_tally WHERE block_id = $1",
            block_id,
        )
        .await?,
    })
}

/// The responses of a campaign no block lists, with their answers and fields (normally none:
/// every response is written sealed, into a block).
pub async fn unlisted_rows(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<LedgerRows, DbErr> {
    const UNLISTED: &str = "SELECT id FROM response WHERE campaign_id = $1 \
         AND id NOT IN (SELECT e.response_id FROM ledger_entry e JOIN ledger_block b ON b.id = e.block_id WHERE e.campaign_id = $2)";
    Ok(LedgerRows {
        responses: load_n::<Response, _>(
            db,
            &format!(
                "SELECT id, submitted_on, channel, open_link_id, link_label, speeder, diarahkan, flagged, score, total, sealed, content_hash \
                 FROM response WHERE id IN ({UNLISTED})"
            ),
            campaign_id,
            2,
        )
        .await?,
        answers: load_n::<Answer, _>(
            db,
            &format!("SELECT response_id, item, value, flagged FROM answer WHERE response_id IN ({UNLISTED})"),
            campaign_id,
            2,
        )
        .await?,
        fields: load_n::<Field, _>(
            db,
            &format!("SELECT response_id, kind, key, value, score FROM response_field WHERE response_id IN ({UNLISTED})"),
            campaign_id,
            2,
        )
        .await?,
        ..LedgerRows::default()
    })
}

#[derive(FromQueryResult)]
struct Orphan {
    what: String,
    block_id: Uuid,
}

/// Entries and tallies that point at a block the campaign does not have.
pub async fn orphans(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<String>, DbErr> {
    let rows = Orphan::find_by_statement(super::stmt(
        db,
        "SELECT DISTINCT 'entries' AS what, block_id FROM ledger_entry WHERE campaign_id = $1 \
           AND block_id NOT IN (SELECT id FROM ledger_block WHERE campaign_id = $2) \
         UNION SELECT DISTINCT 'tallies' AS what, block_id FROM ledger_tally WHERE campaign_id = $3 \
           AND block_id NOT IN (SELECT id FROM ledger_block WHERE campaign_id = $4)",
        vec![campaign_id.into(); 4],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|o| format!("ledger {} point at unknown block {}", o.what, o.block_id))
        .collect())
}

/// The stored result of a campaign's last check.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Verified {
    pub head_seq: i64,
    pub head_hash: String,
    pub ok: bool,
    pub failed_seq: Option<i64>,
    pub problem: Option<String>,
}

pub async fn verified(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Option<Verified>, DbErr> {
    Verified::find_by_statement(super::stmt(
        db,
        "SELECT head_seq, head_hash, ok, failed_seq, problem FROM ledger_verified WHERE campaign_id = $1",
        vec![campaign_id.into()],
    ))
    .one(db)
    .await
}

/// Stores a campaign's verified head and result, replacing the previous one.
pub async fn store_verified(
    db: &impl ConnectionTrait,
    campaign_id: Uuid,
    v: &Verified,
    checked_at: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(super::stmt(
        db,
        "INSERT INTO ledger_verified (campaign_id, head_seq, head_hash, ok, failed_seq, problem, checked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (campaign_id) DO UPDATE SET head_seq = excluded.head_seq, head_hash = excluded.head_hash, \
         ok = excluded.ok, failed_seq = excluded.failed_seq, problem = excluded.problem, checked_at = excluded.checked_at",
        vec![
            campaign_id.into(),
            v.head_seq.into(),
            v.head_hash.clone().into(),
            v.ok.into(),
            v.failed_seq.into(),
            v.problem.clone().into(),
            checked_at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Every campaign id (the full re-check's list).
pub async fn campaign_ids(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let rows = Id::find_by_statement(super::stmt(db, "SELECT id FROM campaign ORDER BY id", vec![]))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

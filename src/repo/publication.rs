//! The reads behind the publication rule (`domain::publication`): a campaign's sealed blocks in
//! `seq` order with their counts per breakdown cell (demographic values from the blocks' `field`
//! tallies, desks from their `desk` tallies), and the campaign's aggregates over the
//! blocks up to a snapshot. Excluded responses are taken out block by block, so the rule and the
//! figures see the same counts. Kept apart from `repo::results` (the exact figures after close):
//! only sealed blocks are read here, never a response waiting to be sealed.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, Statement};
use uuid::Uuid;

use super::results::{Aggregate, rows, snapshot};
use crate::domain::publication::{CellKey, Dimension};
use crate::domain::stats::Moments;

/// One sealed block: its `seq`, its response count and each cell's count and score sum, all net
/// of exclusions.
#[derive(Debug, Clone, Default)]
pub struct SealedBlock {
    pub seq: i64,
    pub n: u64,
    pub cells: BTreeMap<CellKey, Moments>,
}

#[derive(FromQueryResult)]
struct BlockCount {
    seq: i64,
    n: i64,
}

#[derive(FromQueryResult)]
struct FieldCell {
    seq: i64,
    key: String,
    value: String,
    n: i64,
    s: Option<f64>,
}

#[derive(FromQueryResult)]
struct DeskCell {
    seq: i64,
    link_id: Uuid,
    n: i64,
    s: Option<f64>,
}

#[derive(FromQueryResult)]
struct DeskTally {
    seq: i64,
    key: String,
    n: i64,
    s: Option<f64>,
}

#[derive(FromQueryResult)]
struct DeskLabel {
    id: Uuid,
    label: String,
}

async fn all<T: FromQueryResult>(db: &impl ConnectionTrait, sql: &str, values: Vec<sea_orm::Value>) -> Result<Vec<T>, DbErr> {
    T::find_by_statement(super::stmt(db, sql, values)).all(db).await
}

/// Excluded responses with the block that holds them (`b.seq`): the join the subtractions share.
const EXCLUDED_IN_BLOCKS: &str =
    "exclusion x JOIN ledger_entry e ON e.response_id = x.response_id JOIN ledger_block b ON b.id = e.block_id";

/// The fixed statements `sealed_blocks` runs (named, as the benchmark names statements).
pub fn block_statements(db: &impl ConnectionTrait, campaign_id: Uuid) -> [(&'static str, Statement); 6] {
    let st = |sql: String| super::stmt(db, &sql, vec![campaign_id.into()]);
    [
        (
            "block counts",
            st("SELECT seq, count AS n FROM ledger_block WHERE campaign_id = $1 ORDER BY seq".into()),
        ),
        (
            "excluded per block",
            st(format!(
                "SELECT b.seq AS seq, COUNT(*) AS n FROM {EXCLUDED_IN_BLOCKS} WHERE x.campaign_id = $1 GROUP BY b.seq"
            )),
        ),
        (
            "field cells per block",
            st(
                "SELECT b.seq AS seq, lt.key AS key, lt.value AS value, CAST(SUM(lt.n) AS BIGINT) AS n, SUM(lt.s) AS s \
                FROM ledger_tally lt JOIN ledger_block b ON b.id = lt.block_id WHERE lt.campaign_id = $1 AND lt.kind = 'field' \
                GROUP BY b.seq, lt.key, lt.value"
                    .into(),
            ),
        ),
        (
            "excluded field cells per block",
            st(format!(
                "SELECT b.seq AS seq, f.key AS key, f.value AS value, COUNT(*) AS n, SUM(f.score) AS s FROM {EXCLUDED_IN_BLOCKS} \
                 JOIN response_field f ON f.response_id = x.response_id WHERE x.campaign_id = $1 AND f.kind = 'demographic' \
                 GROUP BY b.seq, f.key, f.value"
            )),
        ),
        (
            "desk cells per block",
            st(
                "SELECT b.seq AS seq, lt.key AS key, CAST(SUM(lt.n) AS BIGINT) AS n, SUM(lt.s) AS s \
                FROM ledger_tally lt JOIN ledger_block b ON b.id = lt.block_id WHERE lt.campaign_id = $1 AND lt.kind = 'desk' \
                GROUP BY b.seq, lt.key"
                    .into(),
            ),
        ),
        (
            "excluded desk cells per block",
            st(format!(
                "SELECT b.seq AS seq, r.open_link_id AS link_id, COUNT(*) AS n, SUM(r.score) AS s FROM {EXCLUDED_IN_BLOCKS} \
                 JOIN response r ON r.id = x.response_id WHERE x.campaign_id = $1 AND r.open_link_id IS NOT NULL \
                 GROUP BY b.seq, r.open_link_id"
            )),
        ),
    ]
}

/// A desk tally's key (the open link's id as 32 hex digits) as the cells name a desk.
fn desk_key(key: &str) -> Result<String, DbErr> {
    Uuid::parse_str(key)
        .map(|id| id.to_string())
        .map_err(|_| DbErr::Type(format!("ledger_tally: a desk key that is not an id: {key:?}")))
}

fn add(m: &mut Moments, n: i64, s: Option<f64>, sign: f64) {
    let n = n.max(0) as u64;
    *m = Moments {
        n: if sign > 0.0 { m.n + n } else { m.n.saturating_sub(n) },
        sum: m.sum + sign * s.unwrap_or(0.0),
        sum_sq: 0.0,
    };
}

/// A campaign's sealed blocks in `seq` order, with their cells, net of exclusions; read in one
/// snapshot so a block sealed meanwhile is either wholly in or wholly out.
pub async fn sealed_blocks(db: &DatabaseConnection, campaign_id: Uuid) -> Result<Vec<SealedBlock>, DbErr> {
    let txn = snapshot(db).await?;
    let [counts, excluded, fields, excluded_fields, desks, excluded_desks] = block_statements(&txn, campaign_id).map(|(_, s)| s);
    let mut blocks: Vec<SealedBlock> = BlockCount::find_by_statement(counts)
        .all(&txn)
        .await?
        .into_iter()
        .map(|b| SealedBlock {
            seq: b.seq,
            n: b.n.max(0) as u64,
            cells: BTreeMap::new(),
        })
        .collect();
    let index: HashMap<i64, usize> = blocks.iter().enumerate().map(|(i, b)| (b.seq, i)).collect();
    for x in BlockCount::find_by_statement(excluded).all(&txn).await? {
        if let Some(&i) = index.get(&x.seq) {
            blocks[i].n = blocks[i].n.saturating_sub(x.n.max(0) as u64);
        }
    }
    for (stmt, sign) in [(fields, 1.0), (excluded_fields, -1.0)] {
        for c in FieldCell::find_by_statement(stmt).all(&txn).await? {
            if let Some(&i) = index.get(&c.seq) {
                add(
                    blocks[i].cells.entry((Dimension::Demographic(c.key), c.value)).or_default(),
                    c.n,
                    c.s,
                    sign,
                );
            }
        }
    }
    for c in DeskTally::find_by_statement(desks).all(&txn).await? {
        if let Some(&i) = index.get(&c.seq) {
            add(
                blocks[i].cells.entry((Dimension::Desk, desk_key(&c.key)?)).or_default(),
                c.n,
                c.s,
                1.0,
            );
        }
    }
    for c in DeskCell::find_by_statement(excluded_desks).all(&txn).await? {
        if let Some(&i) = index.get(&c.seq) {
            add(
                blocks[i].cells.entry((Dimension::Desk, c.link_id.to_string())).or_default(),
                c.n,
                c.s,
                -1.0,
            );
        }
    }
    txn.rollback().await?;
    for b in &mut blocks {
        b.cells.retain(|_, m| m.n > 0);
    }
    Ok(blocks)
}

/// Every sealed response's desk cell over the whole campaign (the exact figures after close, when
/// every response is sealed), net of exclusions, keyed by the open link's id: the blocks' desk
/// tallies less the excluded responses.
pub async fn desk_cells(db: &DatabaseConnection, campaign_id: Uuid) -> Result<BTreeMap<String, Moments>, DbErr> {
    let txn = snapshot(db).await?;
    let tallies: Vec<DeskTally> = all(
        &txn,
        "SELECT CAST(0 AS BIGINT) AS seq, key, CAST(SUM(n) AS BIGINT) AS n, SUM(s) AS s FROM ledger_tally \
         WHERE campaign_id = $1 AND kind = 'desk' GROUP BY key",
        vec![campaign_id.into()],
    )
    .await?;
    let excluded: Vec<DeskCell> = all(
        &txn,
        "SELECT CAST(0 AS BIGINT) AS seq, r.open_link_id AS link_id, COUNT(*) AS n, SUM(r.score) AS s FROM exclusion x \
         JOIN response r ON r.id = x.response_id JOIN ledger_entry e ON e.response_id = r.id \
         WHERE x.campaign_id = $1 AND r.open_link_id IS NOT NULL GROUP BY r.open_link_id",
        vec![campaign_id.into()],
    )
    .await?;
    txn.rollback().await?;
    let mut out: BTreeMap<String, Moments> = BTreeMap::new();
    for c in tallies {
        add(out.entry(desk_key(&c.key)?).or_default(), c.n, c.s, 1.0);
    }
    for c in excluded {
        add(out.entry(c.link_id.to_string()).or_default(), c.n, c.s, -1.0);
    }
    out.retain(|_, m| m.n > 0);
    Ok(out)
}

/// The labels of a campaign's desks (open links), by id.
pub async fn desk_labels(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<HashMap<String, String>, DbErr> {
    let rows: Vec<DeskLabel> = all(
        db,
        "SELECT id, label FROM open_link WHERE campaign_id = $1",
        vec![campaign_id.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| (r.id.to_string(), r.label)).collect())
}

/// The campaign's aggregates over its blocks with `seq <= upto` (its published snapshot), net of
/// the exclusions of responses in those blocks.
pub async fn aggregate_upto(db: &DatabaseConnection, campaign_id: Uuid, upto: i64) -> Result<Aggregate, DbErr> {
    let mut out = Aggregate::default();
    if upto < 1 {
        return Ok(out);
    }
    let txn = snapshot(db).await?;
    let values = || vec![campaign_id.into(), upto.into()];
    let sums = "COUNT(*) AS n, SUM(r.score) AS s, SUM(r.score * r.score) AS ss, \
                CAST(SUM(r.total) AS DOUBLE PRECISION) AS t, CAST(SUM(r.total * r.total) AS DOUBLE PRECISION) AS tt";
    let tallies: Vec<rows::Tally> = all(
        &txn,
        "SELECT lt.campaign_id AS campaign_id, lt.kind AS kind, lt.key AS key, lt.value AS value, lt.flagged AS flagged, \
         lt.speeder AS speeder, lt.diarahkan AS diarahkan, CAST(SUM(lt.n) AS BIGINT) AS n, SUM(lt.s) AS s, SUM(lt.ss) AS ss, \
         SUM(lt.t) AS t, SUM(lt.tt) AS tt FROM ledger_tally lt JOIN ledger_block b ON b.id = lt.block_id \
         WHERE lt.campaign_id = $1 AND b.seq <= $2 AND lt.kind IN ('answer', 'response') \
         GROUP BY lt.campaign_id, lt.kind, lt.key, lt.value, lt.flagged, lt.speeder, lt.diarahkan",
        values(),
    )
    .await?;
    for r in tallies {
        match r.kind.as_str() {
            "answer" => {
                let value: u8 = r
                    .value
                    .parse()
                    .map_err(|_| DbErr::Type("ledger_tally: an answer value that is not a number".into()))?;
                out.add_count(r.key, value, r.flagged, r.n);
            }
            _ => out.add_group(&r.group(), 1),
        }
    }
    let excluded_counts: Vec<rows::AnswerCount> = all(
        &txn,
        &format!(
            "SELECT a.campaign_id AS campaign_id, a.item AS item, a.value AS value, a.flagged AS flagged, COUNT(*) AS n \
             FROM {EXCLUDED_IN_BLOCKS} JOIN answer a ON a.response_id = x.response_id WHERE x.campaign_id = $1 AND b.seq <= $2 \
             GROUP BY a.campaign_id, a.flagged, a.item, a.value"
        ),
        values(),
    )
    .await?;
    for r in excluded_counts {
        out.add_count(r.item, r.value as u8, r.flagged, -r.n);
    }
    let excluded: Vec<rows::Group> = all(
        &txn,
        &format!(
            "SELECT r.campaign_id AS campaign_id, r.flagged AS flagged, r.speeder AS speeder, r.diarahkan AS diarahkan, {sums} \
             FROM {EXCLUDED_IN_BLOCKS} JOIN response r ON r.id = x.response_id WHERE x.campaign_id = $1 AND b.seq <= $2 \
             GROUP BY r.campaign_id, r.flagged, r.speeder, r.diarahkan"
        ),
        values(),
    )
    .await?;
    for g in excluded {
        out.add_group(&g, -1);
    }
    txn.rollback().await?;
    Ok(out)
}

/// How many of the campaign's responses are excluded (the live count leaves them out).
pub async fn excluded_count(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<i64, DbErr> {
    let c: Vec<BlockCount> = all(
        db,
        "SELECT CAST(0 AS BIGINT) AS seq, COUNT(*) AS n FROM exclusion WHERE campaign_id = $1",
        vec![campaign_id.into()],
    )
    .await?;
    Ok(c.first().map_or(0, |c| c.n))
}

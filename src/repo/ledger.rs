//! The integrity ledger: sealing a campaign's new responses into a hash-linked block, the head,
//! and re-verification of everything from the stored rows.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait, Value};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::forms::Form;
use crate::domain::ledger::{GENESIS, ResponseContent, block_hash, content_hash};

/// Responses per block at most, so one seal stays a short transaction.
const MAX_BLOCK: i64 = 5_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerHead {
    /// Hash of the newest block (null before the first seal).
    pub head: Option<String>,
    pub blocks: i64,
    pub sealed: i64,
    pub unsealed: i64,
}

pub async fn head(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<LedgerHead, DbErr> {
    let last = db
        .query_one_raw(super::stmt(
            db,
            "SELECT hash, seq FROM ledger_block WHERE campaign_id = $1 ORDER BY seq DESC LIMIT 1",
            vec![campaign_id.into()],
        ))
        .await?;
    let (head, blocks) = match last {
        Some(r) => (Some(r.try_get::<String>("", "hash")?), r.try_get::<i64>("", "seq")?),
        None => (None, 0),
    };
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
        head,
        blocks,
        sealed,
        unsealed,
    })
}

async fn count(db: &impl ConnectionTrait, sql: &str, id: Uuid) -> Result<i64, DbErr> {
    let r = db.query_one_raw(super::stmt(db, sql, vec![id.into()])).await?;
    Ok(r.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
}

/// Seals the campaign's unsealed responses (up to one block); returns how many were sealed.
pub async fn seal_campaign(db: &DatabaseConnection, campaign_id: Uuid) -> Result<i64, DbErr> {
    let txn = db.begin().await?;
    // A write first, so on SQLite this transaction takes the write lock at once (waiting its
    // turn with the busy timeout) instead of failing "database is locked" when it upgrades from
    // a read while submissions are being written. A no-op on PostgreSQL.
    txn.execute_unprepared("DELETE FROM ledger_entry WHERE 1 = 0").await?;
    let rows = txn
        .query_all_raw(super::stmt(
            &txn,
            &format!(
                "SELECT r.id AS id, r.content_hash AS content_hash FROM response r \
                 WHERE r.campaign_id = $1 AND r.sealed = FALSE ORDER BY r.id LIMIT {MAX_BLOCK}"
            ),
            vec![campaign_id.into()],
        ))
        .await?;
    if rows.is_empty() {
        txn.rollback().await?;
        return Ok(0);
    }
    let entries: Vec<(Uuid, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get::<Uuid>("", "id")?, r.try_get::<String>("", "content_hash")?)))
        .collect::<Result<_, DbErr>>()?;
    let last = txn
        .query_one_raw(super::stmt(
            &txn,
            "SELECT hash, seq FROM ledger_block WHERE campaign_id = $1 ORDER BY seq DESC LIMIT 1",
            vec![campaign_id.into()],
        ))
        .await?;
    let (prev, seq) = match last {
        Some(r) => (r.try_get::<String>("", "hash")?, r.try_get::<i64>("", "seq")? + 1),
        None => (GENESIS.to_owned(), 1),
    };
    let hashed: Vec<(String, String)> = entries.iter().map(|(id, h)| (id.to_string(), h.clone())).collect();
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
    let totals = db
        .query_all_raw(super::stmt(
            db,
            "SELECT campaign_id, COUNT(*) AS n FROM response GROUP BY campaign_id",
            vec![],
        ))
        .await?;
    let sealed = db
        .query_all_raw(super::stmt(
            db,
            "SELECT campaign_id, COUNT(*) AS n FROM ledger_entry GROUP BY campaign_id",
            vec![],
        ))
        .await?;
    let sealed: HashMap<Uuid, i64> = sealed
        .iter()
        .filter_map(|r| Some((r.try_get("", "campaign_id").ok()?, r.try_get("", "n").ok()?)))
        .collect();
    let mut n = 0;
    for r in totals {
        let c: Uuid = r.try_get("", "campaign_id")?;
        let total: i64 = r.try_get("", "n")?;
        if total > sealed.get(&c).copied().unwrap_or(0) {
            loop {
                let k = seal_campaign(db, c).await?;
                n += k;
                if k < MAX_BLOCK {
                    break;
                }
            }
        }
    }
    Ok(n)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockCheck {
    pub seq: i64,
    pub hash: String,
    pub prev_hash: String,
    pub count: i64,
    pub sealed_at: chrono::DateTime<chrono::Utc>,
    pub ok: bool,
    /// What is wrong with this block, when something is.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub campaign_id: Uuid,
    pub ok: bool,
    pub head: LedgerHead,
    pub blocks: Vec<BlockCheck>,
    /// Problems outside any block (unsealed responses whose content hash does not match).
    pub problems: Vec<String>,
}

struct Stored {
    content_hash: String,
    computed: String,
    /// The columns derived from the hashed content (score, total, flags, and their copies on
    /// the answer and field rows) agree with it.
    derived_ok: bool,
    /// Marked as sealed (taken out of the live part of the results).
    sealed: bool,
    /// What this response adds to its block's tallies, recomputed from its stored rows.
    tally: Vec<(TallyKey, Sums)>,
}

/// A `ledger_tally` row's key: kind, key, value, flagged, speeder, diarahkan.
type TallyKey = (String, String, String, bool, bool, bool);
/// n, s, ss, t, tt.
type Sums = (i64, f64, f64, f64, f64);

fn add_sums(a: &mut Sums, b: &Sums) {
    a.0 += b.0;
    a.1 += b.1;
    a.2 += b.2;
    a.3 += b.3;
    a.4 += b.4;
}

/// Two tallies agree: the same keys, the same counts, sums equal up to rounding (the database
/// adds in its own order).
fn tallies_agree(a: &HashMap<TallyKey, Sums>, b: &HashMap<TallyKey, Sums>) -> bool {
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
    a.len() == b.len()
        && a.iter().all(|(k, x)| {
            b.get(k)
                .is_some_and(|y| x.0 == y.0 && close(x.1, y.1) && close(x.2, y.2) && close(x.3, y.3) && close(x.4, y.4))
        })
}

/// Recomputes every response's content hash from its stored rows, and every block's hash from
/// its entries, and checks the chain. The columns the statistics read but the hash does not cover
/// (score, total, flags, and their copies on answer and field rows) are recomputed from the hashed
/// content with the campaign's form, so they cannot be edited behind the ledger's back either.
pub async fn verify(db: &impl ConnectionTrait, campaign_id: Uuid, form: &Form) -> Result<Verification, DbErr> {
    let cid = campaign_id.to_string();
    let responses = db
        .query_all_raw(super::stmt(
            db,
            "SELECT id, submitted_on, channel, link_label, speeder, diarahkan, flagged, score, total, sealed, content_hash FROM response WHERE campaign_id = $1",
            vec![campaign_id.into()],
        ))
        .await?;
    let mut answers: HashMap<Uuid, Vec<(String, u8)>> = HashMap::new();
    // The flag copied onto each answer row, and the score copied onto each field row.
    let mut answer_flags: HashMap<Uuid, Vec<bool>> = HashMap::new();
    let mut field_scores: HashMap<Uuid, Vec<Option<f64>>> = HashMap::new();
    for r in db
        .query_all_raw(super::stmt(
            db,
            "SELECT response_id, item, value, flagged FROM answer WHERE campaign_id = $1",
            vec![campaign_id.into()],
        ))
        .await?
    {
        let id: Uuid = r.try_get("", "response_id")?;
        answers
            .entry(id)
            .or_default()
            .push((r.try_get("", "item")?, r.try_get::<i16>("", "value")? as u8));
        answer_flags.entry(id).or_default().push(r.try_get("", "flagged")?);
    }
    let mut fields: HashMap<Uuid, Vec<(String, String, String)>> = HashMap::new();
    for r in db
        .query_all_raw(super::stmt(
            db,
            "SELECT response_id, kind, key, value, score FROM response_field WHERE campaign_id = $1",
            vec![campaign_id.into()],
        ))
        .await?
    {
        let id: Uuid = r.try_get("", "response_id")?;
        fields
            .entry(id)
            .or_default()
            .push((r.try_get("", "kind")?, r.try_get("", "key")?, r.try_get("", "value")?));
        field_scores.entry(id).or_default().push(r.try_get("", "score")?);
    }
    let mut stored: HashMap<Uuid, Stored> = HashMap::new();
    for r in responses {
        let id: Uuid = r.try_get("", "id")?;
        let date: chrono::NaiveDate = r.try_get("", "submitted_on")?;
        let id_s = id.to_string();
        let date_s = date.to_string();
        let label: Option<String> = r.try_get("", "link_label")?;
        let channel: String = r.try_get("", "channel")?;
        let own_answers = answers.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        let (speeder, diarahkan): (bool, bool) = (r.try_get("", "speeder")?, r.try_get("", "diarahkan")?);
        let computed = content_hash(&ResponseContent {
            id: &id_s,
            campaign_id: &cid,
            submitted_on: &date_s,
            channel: &channel,
            link_label: label.as_deref(),
            answers: own_answers,
            fields: fields.get(&id).map(Vec::as_slice).unwrap_or(&[]),
            speeder,
            diarahkan,
        });
        let (score, total, flagged): (f64, i32, bool) = (r.try_get("", "score")?, r.try_get("", "total")?, r.try_get("", "flagged")?);
        let derived_ok = form
            .score(own_answers)
            .is_some_and(|(y, t)| (y - score).abs() <= 1e-9 && t as i64 == total as i64)
            && flagged == (speeder || diarahkan)
            && answer_flags.get(&id).is_none_or(|f| f.iter().all(|a| *a == flagged))
            && field_scores
                .get(&id)
                .is_none_or(|f| f.iter().all(|s| s.is_some_and(|s| (s - score).abs() <= 1e-9)));
        // As the sealer's tally statements would add this response up from its rows now.
        let mut tally: Vec<(TallyKey, Sums)> = Vec::new();
        let flags = answer_flags.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        for ((item, value), f) in own_answers.iter().zip(flags) {
            tally.push((
                ("answer".into(), item.clone(), value.to_string(), *f, false, false),
                (1, 0.0, 0.0, 0.0, 0.0),
            ));
        }
        let t = f64::from(total);
        tally.push((
            ("response".into(), String::new(), String::new(), flagged, speeder, diarahkan),
            (1, score, score * score, t, t * t),
        ));
        let own_fields = fields.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        let scores = field_scores.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        for ((kind, key, value), s) in own_fields.iter().zip(scores) {
            if kind == "demographic" {
                tally.push((
                    ("field".into(), key.clone(), value.clone(), false, false, false),
                    (1, s.unwrap_or(f64::NAN), 0.0, 0.0, 0.0),
                ));
            }
        }
        stored.insert(
            id,
            Stored {
                content_hash: r.try_get("", "content_hash")?,
                computed,
                derived_ok,
                sealed: r.try_get("", "sealed")?,
                tally,
            },
        );
    }
    let blocks = db
        .query_all_raw(super::stmt(
            db,
            "SELECT id, seq, prev_hash, hash, count, sealed_at FROM ledger_block WHERE campaign_id = $1 ORDER BY seq",
            vec![campaign_id.into()],
        ))
        .await?;
    let mut entries: HashMap<Uuid, Vec<(i64, Uuid)>> = HashMap::new();
    for r in db
        .query_all_raw(super::stmt(
            db,
            "SELECT block_id, position, response_id FROM ledger_entry WHERE campaign_id = $1",
            vec![campaign_id.into()],
        ))
        .await?
    {
        entries
            .entry(r.try_get("", "block_id")?)
            .or_default()
            .push((r.try_get("", "position")?, r.try_get("", "response_id")?));
    }
    let mut tallies: HashMap<Uuid, HashMap<TallyKey, Sums>> = HashMap::new();
    for r in db
        .query_all_raw(super::stmt(
            db,
            "SELECT block_id, kind, key, value, flagged, speeder, diarahkan, n, s, ss, t, tt FROM ledger_tally WHERE campaign_id = $1",
            vec![campaign_id.into()],
        ))
        .await?
    {
        let key: TallyKey = (
            r.try_get("", "kind")?,
            r.try_get("", "key")?,
            r.try_get("", "value")?,
            r.try_get("", "flagged")?,
            r.try_get("", "speeder")?,
            r.try_get("", "diarahkan")?,
        );
        let sums: Sums = (
            r.try_get("", "n")?,
            r.try_get("", "s")?,
            r.try_get("", "ss")?,
            r.try_get("", "t")?,
            r.try_get("", "tt")?,
        );
        add_sums(
            tallies.entry(r.try_get("", "block_id")?).or_default().entry(key).or_default(),
            &sums,
        );
    }
    let mut checks = Vec::new();
    let mut prev = GENESIS.to_owned();
    let mut sealed_ids = std::collections::HashSet::new();
    for (i, b) in blocks.iter().enumerate() {
        let id: Uuid = b.try_get("", "id")?;
        let seq: i64 = b.try_get("", "seq")?;
        let hash: String = b.try_get("", "hash")?;
        let prev_hash: String = b.try_get("", "prev_hash")?;
        let count: i64 = b.try_get("", "count")?;
        let mut problems = Vec::new();
        if seq != i as i64 + 1 {
            problems.push(format!("sequence gap: expected block {}, found {seq}", i + 1));
        }
        if prev_hash != prev {
            problems.push("does not link to the previous block's hash".to_owned());
        }
        let mut list = entries.remove(&id).unwrap_or_default();
        list.sort();
        if list.len() as i64 != count {
            problems.push(format!("lists {} responses but was sealed with {count}", list.len()));
        }
        let mut hashed = Vec::with_capacity(list.len());
        let mut expected: HashMap<TallyKey, Sums> = HashMap::new();
        for (_, rid) in &list {
            sealed_ids.insert(*rid);
            if let Some(s) = stored.get(rid) {
                for (k, v) in &s.tally {
                    add_sums(expected.entry(k.clone()).or_default(), v);
                }
                if !s.sealed {
                    problems.push(format!("response {rid} is in this block but not marked sealed"));
                }
            }
            match stored.get(rid) {
                None => {
                    problems.push(format!("response {rid} was deleted"));
                    hashed.push((rid.to_string(), String::new()));
                }
                Some(s) => {
                    if s.computed != s.content_hash {
                        problems.push(format!("response {rid} was changed"));
                    } else if !s.derived_ok {
                        problems.push(format!("response {rid}: score, total or flags do not match its answers"));
                    }
                    hashed.push((rid.to_string(), s.computed.clone()));
                }
            }
        }
        if block_hash(&prev_hash, &cid, seq, &hashed) != hash {
            problems.push("block hash does not match its contents".to_owned());
        }
        if !tallies_agree(&expected, &tallies.remove(&id).unwrap_or_default()) {
            problems.push("the block's tallies do not match its responses".to_owned());
        }
        checks.push(BlockCheck {
            seq,
            hash: hash.clone(),
            prev_hash,
            count,
            sealed_at: b.try_get("", "sealed_at")?,
            ok: problems.is_empty(),
            problems,
        });
        prev = hash;
    }
    let mut problems: Vec<String> = entries
        .keys()
        .map(|b| format!("ledger entries point at unknown block {b}"))
        .collect();
    for (id, s) in &stored {
        if !sealed_ids.contains(id) && s.computed != s.content_hash {
            problems.push(format!("unsealed response {id} does not match its content hash"));
        } else if !sealed_ids.contains(id) && !s.derived_ok {
            problems.push(format!("unsealed response {id}: score, total or flags do not match its answers"));
        }
        if !sealed_ids.contains(id) && s.sealed {
            problems.push(format!("response {id} is marked sealed but no block lists it"));
        }
    }
    problems.sort();
    let head = head(db, campaign_id).await?;
    let ok = problems.is_empty() && checks.iter().all(|c| c.ok);
    Ok(Verification {
        campaign_id,
        ok,
        head,
        blocks: checks,
        problems,
    })
}

/// The newest block hash of each campaign, in one query.
pub async fn last_heads(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, String>, DbErr> {
    let mut out: HashMap<Uuid, (i64, String)> = HashMap::new();
    for chunk in ids.chunks(1000) {
        let ph = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let rows = db
            .query_all_raw(super::stmt(
                db,
                &format!("SELECT campaign_id, seq, hash FROM ledger_block WHERE campaign_id IN ({ph})"),
                chunk.iter().map(|i| (*i).into()).collect(),
            ))
            .await?;
        for r in rows {
            let c: Uuid = r.try_get("", "campaign_id")?;
            let seq: i64 = r.try_get("", "seq")?;
            let hash: String = r.try_get("", "hash")?;
            if out.get(&c).is_none_or(|(s, _)| *s < seq) {
                out.insert(c, (seq, hash));
            }
        }
    }
    Ok(out.into_iter().map(|(k, (_, h))| (k, h)).collect())
}

//! Re-verifying a campaign's ledger from its stored rows: every response's content hash, every
//! block's hash and link, each block's entries, tallies and `sealed` marks, and the columns the
//! statistics read but the hash does not cover (score, total, flags and their copies on answer and
//! field rows), recomputed from the hashed content with the campaign's form.
//!
//! A pure function over [`LedgerRows`]: the repository loads the rows, this decides. Each problem
//! is reported against the block it concerns, or in [`Verification::problems`] for rows outside
//! any block (unsealed responses, entries of an unknown block).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use uuid::Uuid;

use super::rows::{AnswerRow, BlockRow, EntryRow, FieldRow, LedgerRows, ResponseRow, TallyRow};
use super::tally::{self, Sums, Tallies, TallyKey};
use super::{GENESIS, ResponseContent, block_hash, content_hash};
use crate::domain::forms::Form;

/// Where a campaign's ledger stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LedgerHead {
    /// Hash of the newest block (null before the first seal).
    pub head: Option<String>,
    pub blocks: i64,
    pub sealed: i64,
    pub unsealed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub campaign_id: Uuid,
    pub ok: bool,
    pub head: LedgerHead,
    pub blocks: Vec<BlockCheck>,
    /// How many blocks this call recomputed from their rows: only those sealed since the last
    /// verified head (the others keep their stored result), or all of them in a full re-check.
    pub checked_blocks: i64,
    /// Problems outside any block (unsealed responses whose content hash does not match).
    pub problems: Vec<String>,
}

/// The head as the stored rows give it: the newest block, the blocks' counts, the unsealed marks.
pub fn head_of(rows: &LedgerRows) -> LedgerHead {
    let last = rows.blocks.iter().max_by_key(|b| b.seq);
    LedgerHead {
        head: last.map(|b| b.hash.clone()),
        blocks: last.map_or(0, |b| b.seq),
        sealed: rows.blocks.iter().map(|b| b.count).sum(),
        unsealed: rows.responses.iter().filter(|r| !r.sealed).count() as i64,
    }
}

/// One response as recomputed from its rows.
struct Recomputed {
    /// The content hash of its rows now.
    computed: String,
    /// `computed` is the stored content hash (and every answer is a value a hash can hold).
    content_ok: bool,
    /// The derived columns agree with the hashed content.
    derived_ok: bool,
    sealed: bool,
    /// What it adds to its block's tallies.
    tally: Vec<(TallyKey, Sums)>,
}

fn recompute(campaign: &str, form: &Form, r: &ResponseRow, answers: &[&AnswerRow], fields: &[&FieldRow]) -> Recomputed {
    let values: Vec<(String, u8)> = answers
        .iter()
        .filter_map(|a| Some((a.item.clone(), u8::try_from(a.value).ok()?)))
        .collect();
    let in_range = values.len() == answers.len();
    let triples: Vec<(String, String, String)> = fields.iter().map(|f| (f.kind.clone(), f.key.clone(), f.value.clone())).collect();
    let computed = content_hash(&ResponseContent {
        id: &r.id.to_string(),
        campaign_id: campaign,
        submitted_on: &r.submitted_on.to_string(),
        channel: &r.channel,
        link_label: r.link_label.as_deref(),
        answers: &values,
        fields: &triples,
        speeder: r.speeder,
        diarahkan: r.diarahkan,
    });
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
    let derived_ok = form
        .score(&values)
        .is_some_and(|(y, t)| close(y, r.score) && i64::from(t) == i64::from(r.total))
        && r.flagged == (r.speeder || r.diarahkan)
        && answers.iter().all(|a| a.flagged == r.flagged)
        && fields.iter().all(|f| f.score.is_some_and(|s| close(s, r.score)));
    Recomputed {
        content_ok: in_range && computed == r.content_hash,
        computed,
        derived_ok,
        sealed: r.sealed,
        tally: tally::of_response(r, answers, fields),
    }
}

/// Verifies one block from its own rows: `rows` holds the block's entries and tallies and the
/// responses it lists (with their answers and fields); `prev` is the hash the previous block
/// carries (GENESIS for the first) and `seq` the position it should have. Its `blocks` are
/// ignored. What the incremental check and the block-by-block full check both run.
pub fn verify_block(campaign_id: Uuid, form: &Form, seq: i64, prev: &str, b: &BlockRow, rows: &LedgerRows) -> BlockCheck {
    let campaign = campaign_id.to_string();
    let mut answers: HashMap<Uuid, Vec<&AnswerRow>> = HashMap::new();
    for a in &rows.answers {
        answers.entry(a.response_id).or_default().push(a);
    }
    let mut fields: HashMap<Uuid, Vec<&FieldRow>> = HashMap::new();
    for f in &rows.fields {
        fields.entry(f.response_id).or_default().push(f);
    }
    let stored: HashMap<Uuid, Recomputed> = rows
        .responses
        .iter()
        .map(|r| {
            let a = answers.get(&r.id).map(Vec::as_slice).unwrap_or(&[]);
            let f = fields.get(&r.id).map(Vec::as_slice).unwrap_or(&[]);
            (r.id, recompute(&campaign, form, r, a, f))
        })
        .collect();
    let mut problems = Vec::new();
    if b.seq != seq {
        problems.push(format!("sequence gap: expected block {seq}, found {}", b.seq));
    }
    if b.prev_hash != prev {
        problems.push("does not link to the previous block's hash".to_owned());
    }
    let mut list: Vec<(i64, Uuid)> = rows
        .entries
        .iter()
        .filter(|e| e.block_id == b.id)
        .map(|e| (e.position, e.response_id))
        .collect();
    list.sort();
    if list.len() as i64 != b.count {
        problems.push(format!("lists {} responses but was sealed with {}", list.len(), b.count));
    }
    let mut hashed = Vec::with_capacity(list.len());
    let mut expected = Tallies::new();
    for (_, rid) in &list {
        let Some(s) = stored.get(rid) else {
            problems.push(format!("response {rid} was deleted"));
            hashed.push((rid.to_string(), String::new()));
            continue;
        };
        for (k, v) in &s.tally {
            expected.entry(k.clone()).or_default().add(v);
        }
        if !s.sealed {
            problems.push(format!("response {rid} is in this block but not marked sealed"));
        }
        if !s.content_ok {
            problems.push(format!("response {rid} was changed"));
        } else if !s.derived_ok {
            problems.push(format!("response {rid}: score, total or flags do not match its answers"));
        }
        hashed.push((rid.to_string(), s.computed.clone()));
    }
    if block_hash(&b.prev_hash, &campaign, b.seq, &hashed) != b.hash {
        problems.push("block hash does not match its contents".to_owned());
    }
    let stored_tallies = tally::from_rows(rows.tallies.iter().filter(|t| t.block_id == b.id));
    if !tally::agree(&expected, &stored_tallies) {
        problems.push("the block's tallies do not match its responses".to_owned());
    }
    BlockCheck {
        seq: b.seq,
        hash: b.hash.clone(),
        prev_hash: b.prev_hash.clone(),
        count: b.count,
        sealed_at: b.sealed_at,
        ok: problems.is_empty(),
        problems,
    }
}

/// Problems of responses no block lists (`rows.responses` holds them, with their answers and
/// fields): an unsealed one must still match its content hash, and none may be marked sealed.
pub fn unlisted_problems(campaign_id: Uuid, form: &Form, rows: &LedgerRows) -> Vec<String> {
    let campaign = campaign_id.to_string();
    let mut problems = Vec::new();
    for r in &rows.responses {
        let a: Vec<&AnswerRow> = rows.answers.iter().filter(|a| a.response_id == r.id).collect();
        let f: Vec<&FieldRow> = rows.fields.iter().filter(|f| f.response_id == r.id).collect();
        let s = recompute(&campaign, form, r, &a, &f);
        if !s.content_ok {
            problems.push(format!("unsealed response {} does not match its content hash", r.id));
        } else if !s.derived_ok {
            problems.push(format!(
                "unsealed response {}: score, total or flags do not match its answers",
                r.id
            ));
        }
        if s.sealed {
            problems.push(format!("response {} is marked sealed but no block lists it", r.id));
        }
    }
    problems
}

/// Verifies one campaign's ledger (see the module doc). The rows may come in any order. Block
/// by block through [`verify_block`], each with the rows it lists.
pub fn verify(campaign_id: Uuid, form: &Form, rows: &LedgerRows) -> Verification {
    let by_id: HashMap<Uuid, &ResponseRow> = rows.responses.iter().map(|r| (r.id, r)).collect();
    let mut entries: HashMap<Uuid, Vec<&EntryRow>> = HashMap::new();
    for e in &rows.entries {
        entries.entry(e.block_id).or_default().push(e);
    }
    let mut tallies: HashMap<Uuid, Vec<&TallyRow>> = HashMap::new();
    for t in &rows.tallies {
        tallies.entry(t.block_id).or_default().push(t);
    }

    let mut blocks: Vec<&BlockRow> = rows.blocks.iter().collect();
    blocks.sort_by_key(|b| b.seq);
    let mut checks = Vec::with_capacity(blocks.len());
    let mut listed: HashSet<Uuid> = HashSet::new();
    let mut prev = GENESIS.to_owned();
    for (i, b) in blocks.into_iter().enumerate() {
        let mut part = LedgerRows::default();
        let mut here = HashSet::new();
        for e in entries.remove(&b.id).unwrap_or_default() {
            listed.insert(e.response_id);
            part.entries.push(e.clone());
            if here.insert(e.response_id)
                && let Some(r) = by_id.get(&e.response_id)
            {
                part.responses.push((*r).clone());
            }
        }
        part.answers = rows.answers.iter().filter(|a| here.contains(&a.response_id)).cloned().collect();
        part.fields = rows.fields.iter().filter(|f| here.contains(&f.response_id)).cloned().collect();
        part.tallies = tallies.remove(&b.id).unwrap_or_default().into_iter().cloned().collect();
        checks.push(verify_block(campaign_id, form, i as i64 + 1, &prev, b, &part));
        prev = b.hash.clone();
    }

    let unlisted = LedgerRows {
        responses: rows.responses.iter().filter(|r| !listed.contains(&r.id)).cloned().collect(),
        answers: rows.answers.iter().filter(|a| !listed.contains(&a.response_id)).cloned().collect(),
        fields: rows.fields.iter().filter(|f| !listed.contains(&f.response_id)).cloned().collect(),
        ..LedgerRows::default()
    };
    let mut problems: Vec<String> = entries
        .keys()
        .map(|b| format!("ledger entries point at unknown block {b}"))
        .chain(tallies.keys().map(|b| format!("ledger tallies point at unknown block {b}")))
        .collect();
    problems.extend(unlisted_problems(campaign_id, form, &unlisted));
    problems.sort();
    let checked_blocks = checks.len() as i64;
    Verification {
        campaign_id,
        ok: problems.is_empty() && checks.iter().all(|c| c.ok),
        head: head_of(rows),
        blocks: checks,
        checked_blocks,
        problems,
    }
}

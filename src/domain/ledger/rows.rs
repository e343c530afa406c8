//! The stored rows the ledger check reads, as plain data: one campaign's responses with their
//! answers and fields, its blocks, their entries and their tallies.
//!
//! One field per column, named as the column: the repository reads each table into a struct of
//! the same shape and converts, so what is verified is exactly what the statistics read. Values
//! keep their column types (an answer is an `i16`, not a `u8`), so a value edited out of range
//! is seen as it is stored rather than wrapped into range.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A `response` row.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseRow {
    pub id: Uuid,
    pub submitted_on: NaiveDate,
    pub channel: String,
    /// The desk (open link) it came through, if any.
    pub open_link_id: Option<Uuid>,
    pub link_label: Option<String>,
    pub speeder: bool,
    pub diarahkan: bool,
    /// Derived: `speeder || diarahkan`.
    pub flagged: bool,
    /// Derived: Σ wᵢxᵢ of the answers.
    pub score: f64,
    /// Derived: Σ xᵢ of the answers.
    pub total: i32,
    /// In a block (taken out of the live part of the results).
    pub sealed: bool,
    pub content_hash: String,
}

/// An `answer` row.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerRow {
    pub response_id: Uuid,
    pub item: String,
    pub value: i16,
    /// A copy of the response's `flagged`.
    pub flagged: bool,
}

/// A `response_field` row (a screening or demographic answer).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRow {
    pub response_id: Uuid,
    /// `screening` or `demographic`.
    pub kind: String,
    pub key: String,
    pub value: String,
    /// A copy of the response's score.
    pub score: Option<f64>,
}

/// A `ledger_block` row.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockRow {
    pub id: Uuid,
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    /// How many responses were sealed into it.
    pub count: i64,
    pub sealed_at: DateTime<Utc>,
}

/// A `ledger_entry` row: a response's place in a block.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    pub block_id: Uuid,
    pub position: i64,
    pub response_id: Uuid,
}

/// A `ledger_tally` row: what a block's responses add up to, by kind, key, value and flags.
#[derive(Debug, Clone, PartialEq)]
pub struct TallyRow {
    pub block_id: Uuid,
    /// `answer`, `response`, `field` or `desk`.
    pub kind: String,
    pub key: String,
    pub value: String,
    pub flagged: bool,
    pub speeder: bool,
    pub diarahkan: bool,
    pub n: i64,
    pub s: f64,
    pub ss: f64,
    pub t: f64,
    pub tt: f64,
}

/// Everything stored about one campaign's ledger, in any order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerRows {
    pub responses: Vec<ResponseRow>,
    pub answers: Vec<AnswerRow>,
    pub fields: Vec<FieldRow>,
    pub blocks: Vec<BlockRow>,
    pub entries: Vec<EntryRow>,
    pub tallies: Vec<TallyRow>,
}

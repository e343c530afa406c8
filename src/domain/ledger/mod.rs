//! Integrity of the data: a content hash per response (fixed at insert) and a hash chain of
//! sealed blocks per campaign, each block with the tallies the results add up. Anyone holding an
//! archived ledger head can tell whether the data behind a report was changed, deleted or added
//! to since.
//!
//! * [`hash`] — the content hash and the block hash;
//! * [`rows`] — the stored rows the check reads, as plain data;
//! * [`tally`] — what a response adds to its block's tallies;
//! * [`verify`](mod@verify) — the check itself, a pure function over the rows (the repository
//!   only loads them), property-tested against every kind of tampering (`tests.rs`).

pub mod hash;
pub mod rows;
pub mod tally;
#[cfg(test)]
mod tests;
pub mod verify;

pub use hash::{GENESIS, ResponseContent, block_hash, content_hash};
pub use rows::{AnswerRow, BlockRow, EntryRow, FieldRow, LedgerRows, ResponseRow, TallyRow};
pub use verify::{BlockCheck, LedgerHead, Verification, head_of, unlisted_problems, verify, verify_block};

//! The data-integrity section of the campaign report: the ledger's head, its blocks and what
//! the verification found, every problem listed (a tampered response shows up here).

use super::{BlockView, LedgerView};
use crate::domain::language::Text;
use crate::domain::time_zone::TimeZone;
use crate::pages::format::{self, DASH};
use crate::pages::report::Verification;

const BLOCK: Text = Text { id: "Blok", en: "block" };
const NO_BLOCK_YET: Text = Text {
    id: "belum ada blok",
    en: "no block yet",
};

pub(super) fn ledger(v: &Verification, zone: TimeZone) -> LedgerView {
    let mut problems = v.problems.clone();
    for b in &v.blocks {
        for problem in &b.problems {
            problems.push(format!("{} #{}: {problem}", BLOCK.both(), b.seq));
        }
    }
    LedgerView {
        head: v.head.head.clone().unwrap_or_else(|| format!("{DASH} ({})", NO_BLOCK_YET.both())),
        blocks: v.head.blocks,
        sealed: v.head.sealed,
        unsealed: v.head.unsealed,
        ok: v.ok,
        problems,
        rows: v
            .blocks
            .iter()
            .map(|b| BlockView {
                seq: b.seq,
                count: b.count,
                sealed_at: format::date_time(b.sealed_at, zone),
                hash: b.hash.clone(),
                ok: b.ok,
            })
            .collect(),
    }
}

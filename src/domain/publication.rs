//! What a reader may see of a campaign while it is open (issue 12; docs/anonymity.md, "Threat
//! model and guarantees"): the publication rule over the campaign's sealed ledger blocks.
//!
//! The unit that runs a survey must not learn what one respondent answered. It knows who got which
//! slip and who stood at which desk when, so any figure that changes by one response after one
//! citizen answered gives that citizen's answers away. Therefore, while a campaign is open:
//!
//! * the campaign's **snapshot** advances from block to block (in `seq` order) only when the
//!   campaign's count grew by at least k since the previous snapshot; every campaign-level
//!   figure is computed over the blocks up to the snapshot, and carries its size (`snapshot_n`);
//! * each breakdown **cell** (a demographic value, a desk) has its own checkpoint, walked the same
//!   way over the blocks of the campaign's snapshot: it advances only when the cell's count grew
//!   by at least k; a cell whose published count is below k shows no figures ("fewer than k");
//! * **complementary suppression**: within one dimension, the campaign's snapshot minus the cells
//!   shown is what the hidden cells (and those who gave no value) add up to; when that rest holds
//!   more than 0 and fewer than k responses, further cells are hidden, smallest first, until it
//!   holds at least k or every cell is hidden;
//! * item distributions are shown (campaign level only) when the snapshot holds at least k;
//! * the view "including flagged responses" is offered only when the snapshot's flagged count is
//!   0 or at least k (otherwise toggling it shows a few people's answers).
//!
//! After close everything is exact and complete: the snapshot is every block, and only the
//! minimum-sample rule of the statistics (`stats::suppress`) hides a cell.
//!
//! The rule is **stateless**: it is recomputed from the immutable sealed blocks on every read, so
//! every process and every reader (operator, assessor, admin, exports, reports) gets the same
//! answer, and no stored "last published" state can drift, be lost or differ between replicas.

use std::collections::BTreeMap;

use crate::domain::language::Text;
use crate::domain::stats;

/// A breakdown dimension: a demographic of the form (by its id), or the open links (desks).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    Demographic(String),
    Desk,
}

/// One cell of a dimension: the dimension and the cell's value (a demographic's value, a desk's id).
pub type CellKey = (Dimension, String);

/// One sealed block as the rule needs it: its response count and its count per cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockCounts {
    pub n: u64,
    pub cells: BTreeMap<CellKey, u64>,
}

/// Why a cell shows no figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// Its published count is below k (open campaign).
    FewerThanK,
    /// Shown, the totals minus the other cells would reveal a hidden group of fewer than k.
    Complementary,
    /// Closed campaign: below the statistics' minimum cell size.
    FewerThanMinimum,
}

impl Hidden {
    /// The reason a reader sees, Bahasa Indonesia first (`k` is put in by `describe`).
    pub fn text(self) -> Text {
        match self {
            Hidden::FewerThanK => Text {
                id: "kurang dari k responden",
                en: "fewer than k respondents",
            },
            Hidden::Complementary => Text {
                id: "disembunyikan agar sel lain yang kurang dari k responden tidak dapat dihitung dari total",
                en: "hidden so that another cell of fewer than k respondents cannot be worked out from the totals",
            },
            Hidden::FewerThanMinimum => Text {
                id: "kurang dari k responden",
                en: "fewer than k respondents",
            },
        }
    }

    /// The reason with the group size written in, (Indonesian, English).
    pub fn describe(self, k: u64) -> (String, String) {
        let t = self.text();
        (t.id.replace(" k ", &format!(" {k} ")), t.en.replace(" k ", &format!(" {k} ")))
    }
}

/// What one cell publishes: the blocks its figures cover (`upto`, a prefix length of the block
/// list), their count, and whether it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellView {
    pub upto: usize,
    pub n: u64,
    pub hidden: Option<Hidden>,
}

/// What the campaign publishes.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    /// The campaign's figures cover `blocks[..snapshot]`.
    pub snapshot: usize,
    /// The responses in those blocks (the figures' size).
    pub snapshot_n: u64,
    /// Every cell that has a response in a sealed block.
    pub cells: BTreeMap<CellKey, CellView>,
    /// Whether the item distributions are shown.
    pub distributions: bool,
    /// Exact and complete (the campaign is closed).
    pub exact: bool,
}

/// The last prefix length at which a running count had grown by at least `k` since the previous
/// one, and the count there: `counts` are per block, in `seq` order.
fn checkpoint(k: u64, counts: impl Iterator<Item = u64>) -> (usize, u64) {
    let (mut at, mut published, mut running) = (0, 0, 0);
    for (i, c) in counts.enumerate() {
        running += c;
        if running >= published + k {
            at = i + 1;
            published = running;
        }
    }
    (at, published)
}

/// The publication of a campaign with these sealed blocks (in `seq` order), group size `k`.
pub fn publish(k: u64, closed: bool, blocks: &[BlockCounts]) -> Publication {
    let keys: Vec<CellKey> = {
        let mut all: Vec<CellKey> = blocks.iter().flat_map(|b| b.cells.keys().cloned()).collect();
        all.sort();
        all.dedup();
        all
    };
    let count_upto = |key: &CellKey, upto: usize| blocks[..upto].iter().map(|b| b.cells.get(key).copied().unwrap_or(0)).sum::<u64>();
    if closed {
        let snapshot = blocks.len();
        let cells = keys
            .into_iter()
            .map(|key| {
                let n = count_upto(&key, snapshot);
                let hidden = stats::suppress(n).then_some(Hidden::FewerThanMinimum);
                (key, CellView { upto: snapshot, n, hidden })
            })
            .collect();
        return Publication {
            snapshot,
            snapshot_n: blocks.iter().map(|b| b.n).sum(),
            cells,
            distributions: true,
            exact: true,
        };
    }
    let (snapshot, snapshot_n) = checkpoint(k, blocks.iter().map(|b| b.n));
    let mut cells: BTreeMap<CellKey, CellView> = keys
        .into_iter()
        .map(|key| {
            let (upto, n) = checkpoint(k, blocks[..snapshot].iter().map(|b| b.cells.get(&key).copied().unwrap_or(0)));
            let hidden = (n < k).then_some(Hidden::FewerThanK);
            (key, CellView { upto, n, hidden })
        })
        .collect();
    complementary(k, snapshot_n, &mut cells);
    Publication {
        snapshot,
        snapshot_n,
        cells,
        distributions: snapshot_n >= k,
        exact: false,
    }
}

/// Complementary suppression, dimension by dimension: the snapshot minus the shown cells must be
/// 0 or at least k responses; otherwise the smallest shown cells are hidden too (ties by value).
fn complementary(k: u64, snapshot_n: u64, cells: &mut BTreeMap<CellKey, CellView>) {
    let dimensions: Vec<Dimension> = {
        let mut d: Vec<Dimension> = cells.keys().map(|(d, _)| d.clone()).collect();
        d.dedup();
        d
    };
    for dim in dimensions {
        let mut shown: Vec<(u64, CellKey)> = cells
            .iter()
            .filter(|((d, _), v)| *d == dim && v.hidden.is_none())
            .map(|(key, v)| (v.n, key.clone()))
            .collect();
        shown.sort();
        let mut rest = snapshot_n.saturating_sub(shown.iter().map(|(n, _)| n).sum());
        for (n, key) in shown {
            if rest == 0 || rest >= k {
                break;
            }
            rest += n;
            if let Some(c) = cells.get_mut(&key) {
                c.hidden = Some(Hidden::Complementary);
            }
        }
    }
}

/// Whether the view including flagged responses (speeders, `diarahkan`) is offered: its
/// difference from the view without them is the flagged responses' answers, so they must be
/// none or at least k (always, once closed).
pub fn include_flagged_offered(k: u64, closed: bool, flagged_in_snapshot: u64) -> bool {
    closed || flagged_in_snapshot == 0 || flagged_in_snapshot >= k
}

#[cfg(test)]
#[path = "publication_tests.rs"]
mod tests;

//! A campaign's results (DESIGN §3): the index with its CI, items, alpha, flags, the set without
//! flagged responses, breakdowns, the change from the previous period and the ledger head.
//! Numbers are unrounded; pages and files round them for reading.

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use crate::domain::campaign::CampaignStatus;
use crate::domain::stats::{IndexBlock, ItemBlock};
pub use crate::repo::ledger::{BlockCheck, LedgerHead, Verification};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Subset {
    pub n: u64,
    pub adequate: bool,
    pub index: IndexBlock,
    pub alpha: Option<f64>,
    pub items: Vec<ItemBlock>,
}

/// One breakdown cell. While the campaign is open its figures are those of its own published
/// snapshot (`domain::publication`): `n` is that snapshot's size, at least k, and moves only in
/// steps of at least k. A suppressed cell has n and index null and says why (`reason`). After
/// close: exact, cells under the statistics' minimum of 5 suppressed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Cell {
    pub value: String,
    pub n: Option<u64>,
    pub index: Option<f64>,
    pub suppressed: bool,
    /// Why the cell is suppressed, Bahasa Indonesia first; null when shown.
    pub reason: Option<Explanation>,
}

/// An explanation in both languages (`id` Bahasa Indonesia, `en` English): a suppressed cell's
/// reason, the publication note. Not named `Reason`: that schema is the exclusion's reason text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Explanation {
    pub id: String,
    pub en: String,
}

/// How the answer-derived figures were published (docs/anonymity.md, "Threat model and
/// guarantees").
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Publication {
    /// The group size k (`INTEGRITAS_MIN_GROUP`).
    pub k: u64,
    /// True once the campaign is closed: every figure is exact and complete.
    pub exact: bool,
    /// The sealed ledger blocks (by `seq`, 1..=this) the campaign-level figures cover.
    pub snapshot_blocks: i64,
    /// Whether the items' distributions are shown (the snapshot holds at least k responses).
    pub distributions_shown: bool,
    /// Whether `index`, `alpha` and `items` include flagged responses: only when the snapshot's
    /// flagged count is 0 or at least k (otherwise they are the figures without them).
    pub includes_flagged: bool,
    /// What a reader should know about the figures, Bahasa Indonesia first; null when exact.
    pub note: Option<Explanation>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Change {
    pub previous_campaign_id: Uuid,
    pub previous_index: Option<f64>,
    pub difference: f64,
    pub t: Option<f64>,
    pub df: Option<f64>,
    /// Welch's two-sided p-value; null when either period has fewer than 2 responses or no variance.
    pub p_value: Option<f64>,
}

/// Flag counts over the analysis set (excluded responses not counted), and the excluded count.
#[derive(Debug, Default, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Flags {
    pub speeder: i64,
    pub diarahkan: i64,
    /// Responses with any flag (speeder or diarahkan).
    pub flagged: i64,
    pub excluded: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Results {
    pub campaign_id: Uuid,
    pub unit_id: Uuid,
    pub form: String,
    pub form_version: u32,
    pub index_name: String,
    pub scale_max: u8,
    pub status: CampaignStatus,
    /// Responses stored (live: participation is not an answer), excluded ones left out.
    pub n: u64,
    /// The number of responses every answer-derived figure (index, alpha, items, flags, the set
    /// without flagged, the change) was computed on: while open, the published snapshot, which
    /// lags `n` and moves in steps of at least k; after close, equal to `n`.
    pub snapshot_n: u64,
    pub publication: Publication,
    pub population: Option<i64>,
    pub required_n: u64,
    pub adequate: bool,
    pub index: IndexBlock,
    pub alpha: Option<f64>,
    pub items: Vec<ItemBlock>,
    pub flags: Flags,
    pub without_flagged: Subset,
    /// By `layanan` and each demographic, keyed by its id.
    pub breakdowns: BTreeMap<String, Vec<Cell>>,
    /// By desk (open link), the value being the link's label; the same rules as `breakdowns`.
    pub desks: Vec<Cell>,
    /// Against the latest earlier campaign of the same form version; null with `change_reason`
    /// when there is none (only other versions before it, or no earlier campaign) or either has no
    /// responses.
    pub change: Option<Change>,
    /// Why `change` is null; null when there is a change.
    pub change_reason: Option<String>,
    pub ledger: LedgerHead,
}

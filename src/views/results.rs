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

/// One breakdown cell; cells under 5 responses are suppressed (n and index null).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Cell {
    pub value: String,
    pub n: Option<u64>,
    pub index: Option<f64>,
    pub suppressed: bool,
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
    pub n: u64,
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
    /// Against the latest earlier campaign of the same form version; null with `change_reason`
    /// when there is none (only other versions before it, or no earlier campaign) or either has no
    /// responses.
    pub change: Option<Change>,
    /// Why `change` is null; null when there is a change.
    pub change_reason: Option<String>,
    pub ledger: LedgerHead,
}

//! The assessor's and operator's HTML pages: login, one campaign's report, one unit's hasil, and
//! the national table.
//!
//! Pure: data in, `String` out. Indonesian first with English beside it, printable on A4 (the
//! navigation is hidden in print), no JavaScript, nothing from another host, inline CSS, askama
//! HTML auto-escaping on. Numbers are written by `pages::format` (rounded to 2 decimals
//! for reading; the JSON stays unrounded). Charts are inline SVG drawn by templates from geometry
//! computed in `pages::chart`.
//!
//! `login` (the login form and the navigation bar), `words` (verdicts, statuses and rules in
//! both languages), `campaign/` (the campaign report, one step per section), `unit`, `national`.

mod campaign;
mod login;
mod national;
mod unit;
mod words;

#[cfg(test)]
mod tests;

pub use campaign::{BreakdownDef, CampaignReport, DayCount, ExclusionRow, ThresholdRow, campaign_report};
pub use login::{LoginPage, Nav, login_page};
pub use national::{NationalPage, national_page};
pub use unit::{CampaignRow, UnitPage, unit_page};

// The view types these pages are drawn from, named in this one place for every page below.
use crate::views::hasil::{SurveyBlock, UnitHasil};
use crate::views::results::{Results, Verification};

use uuid::Uuid;

/// Path of the national table page (the nav links here).
pub const NATIONAL_PATH: &str = "/laporan/nasional";

/// Link to a campaign's report page.
pub fn campaign_href(id: Uuid) -> String {
    format!("/laporan/kampanye/{id}")
}

/// Link to a unit's hasil page for a year.
pub fn unit_href(id: Uuid, year: i32) -> String {
    format!("/laporan/unit/{id}?year={year}")
}

/// Sort keys of the national table, in column order.
pub const SORT_KEYS: [&str; 4] = ["unit", "ipak", "ipkp", "total"];

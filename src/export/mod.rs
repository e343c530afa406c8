//! The files the service hands out, as bytes: CSV (the csv crate) and XLSX (rust_xlsxwriter).
//! Pure formatting over view types and export rows; reading the database page by page, and who
//! may download what, is `service::exports`'s.
//!
//! * [`responses`] — the anonymous response rows (their columns shared by the CSV and the
//!   workbook's Respons sheet);
//! * [`results`] — a campaign's results as CSV and as a workbook;
//! * [`national`] — the national hasil table as CSV and as a workbook;
//! * [`tokens`] — a new token batch as CSV.
//!
//! Numbers are stored unrounded in workbooks (shown with two decimals) and rounded to two
//! decimals in CSV files, which are for reading, by the one rounding rule the pages use.

pub mod national;
pub mod responses;
pub mod results;
pub mod tokens;

use rust_xlsxwriter::XlsxError;

pub use national::{national_csv, national_workbook};
pub use results::{ResultsWorkbook, results_csv};

/// The media types of the files.
pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Two decimals, or empty for a missing value: the rounding of every number a person reads
/// (`domain::numbers::fixed`, as the pages and the SKM category round).
fn r2(x: Option<f64>) -> String {
    x.and_then(|v| crate::domain::numbers::fixed(v, 2)).unwrap_or_default()
}

fn xlsx(e: XlsxError) -> anyhow::Error {
    anyhow::anyhow!("xlsx: {e}")
}

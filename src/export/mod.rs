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
//! Every CSV cell goes through [`safe_cell`] (by [`write_row`]): text an operator or admin typed (a
//! link label, a unit name) that starts like a formula would run as one when the file is opened in
//! a spreadsheet, so it is prefixed with `'`. A number stays a number, negative ones included.
//! Workbook cells are written as strings or numbers, never formulas, so they need no such care.
//!
//! Numbers are stored unrounded in workbooks (shown with two decimals) and rounded to two
//! decimals in CSV files, which are for reading, by the one rounding rule the pages use.

pub mod national;
pub mod responses;
pub mod results;
pub mod tokens;

use std::borrow::Cow;

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

/// The characters a spreadsheet reads as the start of a formula (or that smuggle one in after a
/// cell break): `=`, `+`, `-`, `@`, tab and carriage return.
pub const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A plain decimal number as this service writes them (`-1.5`, `12`, `0.25`): a number, not a
/// formula, even with its minus sign.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty() && !frac.is_empty() && whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
}

/// A CSV cell that no spreadsheet runs as a formula: text starting with a [`FORMULA_TRIGGERS`]
/// character gets a leading `'` (shown as text, the way spreadsheets mark typed text); numbers and
/// other text are unchanged.
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_TRIGGERS) && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Writes one CSV row, every cell through [`safe_cell`]: the only way the exports write a row.
pub fn write_row<I, S>(w: &mut csv::Writer<Vec<u8>>, cells: I) -> csv::Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let row: Vec<String> = cells.into_iter().map(|c| safe_cell(c.as_ref()).into_owned()).collect();
    w.write_record(&row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formula_trigger_is_neutralised() {
        for t in FORMULA_TRIGGERS {
            let cell = format!("{t}HYPERLINK(\"http://evil.example\")");
            assert_eq!(safe_cell(&cell), format!("'{cell}"), "{t:?}");
        }
        for cell in ["=1+1", "+62 812", "-", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-1.5e3", "--1"] {
            assert!(safe_cell(cell).starts_with('\''), "{cell:?}");
        }
        // Numbers stay numbers; ordinary text is untouched.
        for cell in ["-1.5", "-12", "3.25", "0", "", "Loket 1", "<5", "a=b", "2026-06-30"] {
            assert_eq!(safe_cell(cell), cell);
        }
    }

    #[test]
    fn rows_are_written_safe() {
        let mut w = csv::Writer::from_writer(Vec::new());
        write_row(&mut w, ["=cmd", "-0.5", "ok"]).unwrap();
        assert_eq!(String::from_utf8(w.into_inner().unwrap()).unwrap(), "'=cmd,-0.5,ok\n");
    }
}

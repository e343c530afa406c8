//! The national hasil table (one row per unit, the chosen rule's scores and verdicts) as CSV and
//! as a workbook; both draw from `views::hasil::national_table`.

use rust_xlsxwriter::{Format, Workbook};

use super::{r2, xlsx};
use crate::views::hasil::{NATIONAL_COLUMNS, NationalCell, UnitHasil, is_whole_column, national_table};

/// The sheet's name in the workbook.
pub const SHEET: &str = "Nasional";

/// The national table as CSV for reading: rounded to 2 decimals (counts and years as integers).
pub fn national_csv(rows: &[UnitHasil]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    super::write_row(&mut w, NATIONAL_COLUMNS)?;
    for row in national_table(rows) {
        let fields: Vec<String> = row
            .into_iter()
            .enumerate()
            .map(|(i, c)| match c {
                NationalCell::Text(t) => t,
                NationalCell::Num(Some(v)) if is_whole_column(NATIONAL_COLUMNS[i]) => {
                    crate::domain::numbers::fixed(v, 0).unwrap_or_default()
                }
                NationalCell::Num(v) => r2(v),
            })
            .collect();
        super::write_row(&mut w, fields)?;
    }
    Ok(w.into_inner()?)
}

/// The national table as a workbook: one row per unit, unrounded numbers shown with 2 decimals.
pub fn national_workbook(rows: &[UnitHasil]) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("0.00");
    let s = wb.add_worksheet().set_name(SHEET).map_err(xlsx)?;
    for (j, h) in NATIONAL_COLUMNS.iter().enumerate() {
        s.write_string_with_format(0, j as u16, *h, &bold).map_err(xlsx)?;
    }
    for (i, row) in national_table(rows).into_iter().enumerate() {
        for (j, cell) in row.into_iter().enumerate() {
            let (r, c) = (1 + i as u32, j as u16);
            match cell {
                NationalCell::Text(t) => {
                    s.write_string(r, c, t).map_err(xlsx)?;
                }
                NationalCell::Num(Some(v)) if is_whole_column(NATIONAL_COLUMNS[j]) => {
                    s.write_number(r, c, v).map_err(xlsx)?;
                }
                NationalCell::Num(Some(v)) => {
                    s.write_number_with_format(r, c, v, &num).map_err(xlsx)?;
                }
                NationalCell::Num(None) => {}
            }
        }
    }
    wb.save_to_buffer().map_err(xlsx)
}

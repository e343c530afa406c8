//! The XLSX workbook of a campaign's results (rust_xlsxwriter): Ringkasan (summary), Item,
//! Rincian (breakdowns) and Respons (the anonymous rows). Numbers are stored unrounded and shown
//! with two decimals; the response sheet is written page by page in constant-memory mode.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use sea_orm::ConnectionTrait;

use crate::domain::forms::Form;
use crate::entities::campaign;
use crate::error::AppError;
use crate::repo;
use crate::routes::results::Results;

fn x(e: XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

pub async fn results_workbook(db: &impl ConnectionTrait, c: &campaign::Model, form: &Form, r: &Results) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("0.00");
    {
        let s = wb.add_worksheet().set_name("Ringkasan").map_err(x)?;
        s.write_string_with_format(0, 0, "Ringkasan / Summary", &bold).map_err(x)?;
        let rows: Vec<(&str, Option<f64>)> = vec![
            ("n", Some(r.n as f64)),
            ("required_n", Some(r.required_n as f64)),
            ("index", r.index.value),
            ("sd", r.index.sd),
            ("se", r.index.se),
            ("ci_low", r.index.ci_low),
            ("ci_high", r.index.ci_high),
            ("margin", r.index.margin),
            ("value_0_4", r.index.value_0_4),
            ("converted", r.index.converted),
            ("alpha", r.alpha),
            ("without_flagged_n", Some(r.without_flagged.n as f64)),
            ("without_flagged_index", r.without_flagged.index.value),
            ("speeder", Some(r.flags.speeder as f64)),
            ("diarahkan", Some(r.flags.diarahkan as f64)),
            ("excluded", Some(r.flags.excluded as f64)),
        ];
        s.write_string(1, 0, "campaign").map_err(x)?;
        s.write_string(1, 1, &c.title).map_err(x)?;
        s.write_string(2, 0, "form").map_err(x)?;
        s.write_string(2, 1, format!("{} v{}", form.id, form.version)).map_err(x)?;
        s.write_string(3, 0, "category").map_err(x)?;
        s.write_string(3, 1, r.index.category.map(|k| format!("{k:?}")).unwrap_or_default())
            .map_err(x)?;
        s.write_string(4, 0, "ledger_head").map_err(x)?;
        s.write_string(4, 1, r.ledger.head.clone().unwrap_or_default()).map_err(x)?;
        for (i, (k, v)) in rows.iter().enumerate() {
            let row = 5 + i as u32;
            s.write_string(row, 0, *k).map_err(x)?;
            if let Some(v) = v {
                s.write_number_with_format(row, 1, *v, &num).map_err(x)?;
            }
        }
        s.set_column_width(0, 22).map_err(x)?;
        s.set_column_width(1, 70).map_err(x)?;
    }
    {
        let s = wb.add_worksheet().set_name("Item").map_err(x)?;
        let mut head = vec![
            "item".to_owned(),
            "n".into(),
            "mean".into(),
            "sd".into(),
            "ci_low".into(),
            "ci_high".into(),
        ];
        head.extend((1..=form.scale.max).map(|v| format!("n_{v}")));
        for (j, h) in head.iter().enumerate() {
            s.write_string_with_format(0, j as u16, h, &bold).map_err(x)?;
        }
        for (i, it) in r.items.iter().enumerate() {
            let row = 1 + i as u32;
            s.write_string(row, 0, &it.id).map_err(x)?;
            s.write_number(row, 1, it.n as f64).map_err(x)?;
            for (j, v) in [it.mean, it.sd, it.ci_low, it.ci_high].iter().enumerate() {
                if let Some(v) = v {
                    s.write_number_with_format(row, 2 + j as u16, *v, &num).map_err(x)?;
                }
            }
            for v in 1..=form.scale.max {
                let n = it.distribution.get(&v.to_string()).copied().unwrap_or(0);
                s.write_number(row, 5 + v as u16, n as f64).map_err(x)?;
            }
        }
    }
    {
        let s = wb.add_worksheet().set_name("Rincian").map_err(x)?;
        for (j, h) in ["breakdown", "value", "n", "index"].iter().enumerate() {
            s.write_string_with_format(0, j as u16, *h, &bold).map_err(x)?;
        }
        let mut row = 1;
        for (key, cells) in &r.breakdowns {
            for cell in cells {
                s.write_string(row, 0, key).map_err(x)?;
                s.write_string(row, 1, &cell.value).map_err(x)?;
                match (cell.n, cell.index) {
                    (Some(n), Some(i)) => {
                        s.write_number(row, 2, n as f64).map_err(x)?;
                        s.write_number_with_format(row, 3, i, &num).map_err(x)?;
                    }
                    _ => {
                        s.write_string(row, 2, "<5").map_err(x)?;
                    }
                }
                row += 1;
            }
        }
    }
    {
        let s = wb.add_worksheet_with_constant_memory().map_err(x)?;
        s.set_name("Respons").map_err(x)?;
        let mut head = vec![
            "response_id".to_owned(),
            "submitted_on".into(),
            "channel".into(),
            "link_label".into(),
        ];
        head.extend(form.items.iter().map(|i| i.id.clone()));
        head.extend(form.screening.iter().map(|i| i.id.clone()));
        head.extend(form.demographics.iter().map(|i| i.id.clone()));
        head.extend(["speeder".to_owned(), "diarahkan".into(), "excluded".into()]);
        for (j, h) in head.iter().enumerate() {
            s.write_string(0, j as u16, h).map_err(x)?;
        }
        let mut after = None;
        let mut row: u32 = 1;
        loop {
            let page = repo::results::export_page(db, c.id, after, 1000).await?;
            for p in &page {
                let mut col: u16 = 0;
                let mut put = |v: String| -> Result<(), AppError> {
                    s.write_string(row, col, v).map_err(x)?;
                    col += 1;
                    Ok(())
                };
                put(p.id.to_string())?;
                put(p.submitted_on.to_string())?;
                put(p.channel.clone())?;
                put(p.link_label.clone().unwrap_or_default())?;
                for i in &form.items {
                    put(p.answers.get(&i.id).map(|v| v.to_string()).unwrap_or_default())?;
                }
                for q in &form.screening {
                    put(p.fields.get(&("screening".to_owned(), q.id.clone())).cloned().unwrap_or_default())?;
                }
                for d in &form.demographics {
                    put(p.fields.get(&("demographic".to_owned(), d.id.clone())).cloned().unwrap_or_default())?;
                }
                put(p.speeder.to_string())?;
                put(p.diarahkan.to_string())?;
                put(p.excluded.to_string())?;
                row += 1;
            }
            if page.len() < 1000 {
                break;
            }
            after = page.last().map(|p| p.id);
        }
    }
    wb.save_to_buffer().map_err(x)
}

/// The national table as a workbook: one row per unit, unrounded numbers shown with 2 decimals.
pub fn national_workbook(rows: &[crate::routes::hasil::UnitHasil]) -> Result<Vec<u8>, AppError> {
    use crate::routes::hasil::{Cell, NATIONAL_COLUMNS, national_table};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("0.00");
    let s = wb.add_worksheet().set_name("Nasional").map_err(x)?;
    for (j, h) in NATIONAL_COLUMNS.iter().enumerate() {
        s.write_string_with_format(0, j as u16, *h, &bold).map_err(x)?;
    }
    for (i, row) in national_table(rows).into_iter().enumerate() {
        for (j, cell) in row.into_iter().enumerate() {
            let (r, c) = (1 + i as u32, j as u16);
            match cell {
                Cell::Text(t) => {
                    s.write_string(r, c, t).map_err(x)?;
                }
                Cell::Num(Some(v)) if matches!(NATIONAL_COLUMNS[j], "year" | "ipak_n" | "ipkp_n") => {
                    s.write_number(r, c, v).map_err(x)?;
                }
                Cell::Num(Some(v)) => {
                    s.write_number_with_format(r, c, v, &num).map_err(x)?;
                }
                Cell::Num(None) => {}
            }
        }
    }
    wb.save_to_buffer().map_err(x)
}

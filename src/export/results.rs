//! A campaign's results as files: a CSV for reading (index, index without flagged responses,
//! items, breakdowns; rounded to 2 decimals) and an XLSX workbook with the sheets Ringkasan
//! (summary), Item, Rincian (breakdowns) and Respons (the anonymous rows). The Respons sheet is
//! written in constant-memory mode as `service::exports` feeds it page by page.

use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{r2, responses, xlsx};
use crate::domain::forms::Form;
use crate::repo::results::ExportRow;
use crate::views::results::{Cell, Results};

/// The results as CSV for reading.
pub fn results_csv(r: &Results) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    super::write_row(
        &mut w,
        [
            "section",
            "id",
            "n",
            "mean",
            "sd",
            "ci_low",
            "ci_high",
            "value_0_4",
            "converted",
            "category",
        ],
    )?;
    let cat = r.index.category.map(|c| format!("{c:?}")).unwrap_or_default();
    // The live count of stored responses, then every figure with the size of the snapshot it was
    // computed on (while open: the published snapshot, docs/anonymity.md).
    super::write_row(&mut w, ["responses", "", &r.n.to_string(), "", "", "", "", "", "", ""])?;
    super::write_row(
        &mut w,
        [
            "index",
            r.index_name.as_str(),
            &r.snapshot_n.to_string(),
            &r2(r.index.value),
            &r2(r.index.sd),
            &r2(r.index.ci_low),
            &r2(r.index.ci_high),
            &r2(r.index.value_0_4),
            &r2(r.index.converted),
            &cat,
        ],
    )?;
    let clean = &r.without_flagged;
    super::write_row(
        &mut w,
        [
            "index_without_flagged",
            r.index_name.as_str(),
            &clean.n.to_string(),
            &r2(clean.index.value),
            &r2(clean.index.sd),
            &r2(clean.index.ci_low),
            &r2(clean.index.ci_high),
            &r2(clean.index.value_0_4),
            &r2(clean.index.converted),
            "",
        ],
    )?;
    for i in &r.items {
        super::write_row(
            &mut w,
            [
                "item",
                &i.id,
                &i.n.to_string(),
                &r2(i.mean),
                &r2(i.sd),
                &r2(i.ci_low),
                &r2(i.ci_high),
                "",
                "",
                "",
            ],
        )?;
    }
    for (key, cell) in cells(r) {
        let label = format!("{key}={}", cell.value);
        let n = cell.n.map(|n| n.to_string()).unwrap_or_else(|| suppressed(cell));
        super::write_row(&mut w, ["breakdown", label.as_str(), &n, &r2(cell.index), "", "", "", "", "", ""])?;
    }
    Ok(w.into_inner()?)
}

/// Every breakdown cell with its dimension's name: the demographics, then the desks (`desk`).
fn cells(r: &Results) -> impl Iterator<Item = (&str, &Cell)> {
    r.breakdowns
        .iter()
        .flat_map(|(key, cells)| cells.iter().map(move |c| (key.as_str(), c)))
        .chain(r.desks.iter().map(|c| ("desk", c)))
}

/// What a suppressed cell says instead of its figures: why, in Bahasa Indonesia.
fn suppressed(cell: &Cell) -> String {
    cell.reason.as_ref().map_or_else(|| "-".to_owned(), |r| r.id.clone())
}

/// The workbook of a campaign's results, its Respons sheet filled by [`ResultsWorkbook::append`].
pub struct ResultsWorkbook {
    wb: Workbook,
    form: std::sync::Arc<Form>,
    /// The next row of the Respons sheet.
    row: u32,
}

/// The Respons sheet's position (after Ringkasan, Item and Rincian).
const RESPONSES_SHEET: usize = 3;

impl ResultsWorkbook {
    /// Writes the summary, item and breakdown sheets and the Respons header.
    pub fn new(campaign_title: &str, form: std::sync::Arc<Form>, r: &Results) -> anyhow::Result<ResultsWorkbook> {
        let mut wb = Workbook::new();
        summary(wb.add_worksheet(), campaign_title, &form, r)?;
        items(wb.add_worksheet(), &form, r)?;
        breakdowns(wb.add_worksheet(), r)?;
        let s = wb.add_worksheet_with_constant_memory().map_err(xlsx)?;
        s.set_name("Respons").map_err(xlsx)?;
        for (j, h) in responses::header(&form).iter().enumerate() {
            s.write_string(0, j as u16, h).map_err(xlsx)?;
        }
        Ok(ResultsWorkbook { wb, form, row: 1 })
    }

    /// Appends a page of response rows to the Respons sheet.
    pub fn append(&mut self, page: &[ExportRow]) -> anyhow::Result<()> {
        let s = self.wb.worksheet_from_index(RESPONSES_SHEET).map_err(xlsx)?;
        for p in page {
            for (col, v) in responses::record(&self.form, p).into_iter().enumerate() {
                s.write_string(self.row, col as u16, v).map_err(xlsx)?;
            }
            self.row += 1;
        }
        Ok(())
    }

    pub fn finish(mut self) -> anyhow::Result<Vec<u8>> {
        self.wb.save_to_buffer().map_err(xlsx)
    }
}

fn summary(s: &mut Worksheet, campaign_title: &str, form: &Form, r: &Results) -> anyhow::Result<()> {
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("0.00");
    s.set_name("Ringkasan").map_err(xlsx)?;
    s.write_string_with_format(0, 0, "Ringkasan / Summary", &bold).map_err(xlsx)?;
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
    s.write_string(1, 0, "campaign").map_err(xlsx)?;
    s.write_string(1, 1, campaign_title).map_err(xlsx)?;
    s.write_string(2, 0, "form").map_err(xlsx)?;
    s.write_string(2, 1, format!("{} v{}", form.id, form.version)).map_err(xlsx)?;
    s.write_string(3, 0, "category").map_err(xlsx)?;
    s.write_string(3, 1, r.index.category.map(|k| format!("{k:?}")).unwrap_or_default())
        .map_err(xlsx)?;
    s.write_string(4, 0, "ledger_head").map_err(xlsx)?;
    s.write_string(4, 1, r.ledger.head.clone().unwrap_or_default()).map_err(xlsx)?;
    for (i, (k, v)) in rows.iter().enumerate() {
        let row = 5 + i as u32;
        s.write_string(row, 0, *k).map_err(xlsx)?;
        if let Some(v) = v {
            s.write_number_with_format(row, 1, *v, &num).map_err(xlsx)?;
        }
    }
    s.set_column_width(0, 22).map_err(xlsx)?;
    s.set_column_width(1, 70).map_err(xlsx)?;
    Ok(())
}

fn items(s: &mut Worksheet, form: &Form, r: &Results) -> anyhow::Result<()> {
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("0.00");
    s.set_name("Item").map_err(xlsx)?;
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
        s.write_string_with_format(0, j as u16, h, &bold).map_err(xlsx)?;
    }
    for (i, it) in r.items.iter().enumerate() {
        let row = 1 + i as u32;
        s.write_string(row, 0, &it.id).map_err(xlsx)?;
        s.write_number(row, 1, it.n as f64).map_err(xlsx)?;
        for (j, v) in [it.mean, it.sd, it.ci_low, it.ci_high].iter().enumerate() {
            if let Some(v) = v {
                s.write_number_with_format(row, 2 + j as u16, *v, &num).map_err(xlsx)?;
            }
        }
        for v in 1..=form.scale.max {
            let n = it.distribution.get(&v.to_string()).copied().unwrap_or(0);
            s.write_number(row, 5 + v as u16, n as f64).map_err(xlsx)?;
        }
    }
    Ok(())
}

fn breakdowns(s: &mut Worksheet, r: &Results) -> anyhow::Result<()> {
    let bold = Format::new().set_bold();
    let num = Format::new().set_num_format("0.00");
    s.set_name("Rincian").map_err(xlsx)?;
    for (j, h) in ["breakdown", "value", "n", "index"].iter().enumerate() {
        s.write_string_with_format(0, j as u16, *h, &bold).map_err(xlsx)?;
    }
    for (row, (key, cell)) in (1..).zip(cells(r)) {
        s.write_string(row, 0, key).map_err(xlsx)?;
        s.write_string(row, 1, &cell.value).map_err(xlsx)?;
        match (cell.n, cell.index) {
            (Some(n), Some(i)) => {
                s.write_number(row, 2, n as f64).map_err(xlsx)?;
                s.write_number_with_format(row, 3, i, &num).map_err(xlsx)?;
            }
            _ => {
                s.write_string(row, 2, suppressed(cell)).map_err(xlsx)?;
            }
        }
    }
    Ok(())
}

//! The anonymous response rows of a campaign: random id, date, channel and link label, each item's
//! answer, each screening and demographic answer by its question id, then the flags and whether
//! the response is excluded. The CSV and the workbook's Respons sheet share these columns.
//!
//! The flags are named `flag_speeder` and `flag_diarahkan`: the screening question `diarahkan`
//! has a column of its own (what the respondent answered), so the flag (what the service
//! concluded from it) needs a different name.

use crate::domain::forms::Form;
use crate::repo::results::ExportRow;

/// The columns after the form's questions.
pub const TRAILING: [&str; 3] = ["flag_speeder", "flag_diarahkan", "excluded"];

/// The header row for a form's responses.
pub fn header(form: &Form) -> Vec<String> {
    let mut h = vec![
        "response_id".to_owned(),
        "submitted_on".into(),
        "channel".into(),
        "link_label".into(),
    ];
    h.extend(form.items.iter().map(|i| i.id.clone()));
    h.extend(form.screening.iter().map(|s| s.id.clone()));
    h.extend(form.demographics.iter().map(|d| d.id.clone()));
    h.extend(TRAILING.iter().map(|s| (*s).to_owned()));
    h
}

/// One response as a row under [`header`] (empty cells for what it did not answer).
pub fn record(form: &Form, r: &ExportRow) -> Vec<String> {
    let field = |kind: &str, id: &str| r.fields.get(&(kind.to_owned(), id.to_owned())).cloned().unwrap_or_default();
    let mut rec = vec![
        r.id.to_string(),
        r.submitted_on.to_string(),
        r.channel.clone(),
        r.link_label.clone().unwrap_or_default(),
    ];
    rec.extend(
        form.items
            .iter()
            .map(|i| r.answers.get(&i.id).map(|v| v.to_string()).unwrap_or_default()),
    );
    rec.extend(form.screening.iter().map(|s| field("screening", &s.id)));
    rec.extend(form.demographics.iter().map(|d| field("demographic", &d.id)));
    rec.extend([r.speeder.to_string(), r.diarahkan.to_string(), r.excluded.to_string()]);
    rec
}

/// One chunk of the streamed CSV: the header (on the first chunk) and a page of rows.
pub fn csv_chunk(form: &Form, with_header: bool, page: &[ExportRow]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if with_header {
        super::write_row(&mut w, header(form))?;
    }
    for r in page {
        super::write_row(&mut w, record(form, r))?;
    }
    Ok(w.into_inner()?)
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn shipped(id: &str) -> Form {
        let path = format!("{}/forms/{id}.toml", env!("CARGO_MANIFEST_DIR"));
        crate::domain::forms::parse_form(&path, &std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    #[test]
    fn every_shipped_form_has_unique_column_names() {
        for id in ["ipak", "ipkp", "skm"] {
            let h = header(&shipped(id));
            let unique: HashSet<&String> = h.iter().collect();
            assert_eq!(unique.len(), h.len(), "{id}: duplicate column in {h:?}");
            if shipped(id).screening.iter().any(|s| s.id == "diarahkan") {
                assert!(h.contains(&"diarahkan".to_owned()) && h.contains(&"flag_diarahkan".to_owned()));
            }
        }
    }

    #[test]
    fn a_row_has_a_cell_under_every_column() {
        let form = shipped("ipkp");
        let row = ExportRow {
            id: uuid::Uuid::nil(),
            submitted_on: chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
            channel: "open_link".into(),
            link_label: Some("Loket 1".into()),
            speeder: true,
            diarahkan: false,
            excluded: false,
            answers: HashMap::from([(form.items[0].id.clone(), 4)]),
            fields: HashMap::from([(("screening".to_owned(), "diarahkan".to_owned()), "tidak".to_owned())]),
        };
        let rec = record(&form, &row);
        let h = header(&form);
        assert_eq!(rec.len(), h.len());
        let at = |col: &str| &rec[h.iter().position(|c| c == col).unwrap()];
        assert_eq!(at(&form.items[0].id), "4");
        assert_eq!(at("diarahkan"), "tidak");
        assert_eq!(at("flag_speeder"), "true");
        assert_eq!(at("flag_diarahkan"), "false");
        assert_eq!(at("link_label"), "Loket 1");
    }
}

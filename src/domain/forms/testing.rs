//! What the forms tests share: the shipped forms by id, the broken fixtures, a minimal form and
//! builders of raw submissions.

use std::path::PathBuf;

use super::{Form, RawSubmission, SHIPPED, parse_form};

/// The text of a shipped form, as built into the binary.
pub fn shipped_text(id: &str) -> &'static str {
    let name = format!("forms/{id}.toml");
    SHIPPED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .unwrap_or_else(|| panic!("no shipped form {id}"))
}

/// A shipped form, parsed.
pub fn shipped(id: &str) -> Form {
    parse_form(&format!("forms/{id}.toml"), shipped_text(id)).unwrap_or_else(|p| panic!("{id} refused: {p:#?}"))
}

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/forms"))
}

/// Every deliberately broken fixture as (file, text), sorted by file.
pub fn fixture_sources() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (path.display().to_string(), std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    out.sort();
    out
}

pub const MINIMAL: &str = r#"
id = "t"
version = 1
index_name = "IKM"
title = { id = "Uji", en = "Test" }
[scale]
max = 2
labels = [{ id = "Tidak", en = "No" }, { id = "Ya", en = "Yes" }]
[[items]]
id = "a"
text = { id = "A", en = "A" }
"#;

pub fn raw(answers: &[(&str, serde_json::Value)]) -> RawSubmission {
    RawSubmission {
        answers: answers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        ..RawSubmission::default()
    }
}

pub fn all_answers(form: &Form, v: serde_json::Value) -> RawSubmission {
    RawSubmission {
        answers: form.items.iter().map(|i| (i.id.clone(), v.clone())).collect(),
        ..RawSubmission::default()
    }
}

pub fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

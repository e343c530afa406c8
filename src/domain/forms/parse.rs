//! Parsing a form file: TOML text in, a validated [`Form`] or *every* problem out.
//!
//! The file is parsed into a [`toml::Table`] and walked by hand rather than deserialised with
//! serde, so that every problem (unknown keys included) is reported at once, each naming its file
//! and field, e.g. `forms/ipkp.toml: items.waktu.text.en: must not be empty`. This file holds the
//! entry point and the walker's primitives; [`super::sections`] walks each part of a form.

use toml::{Table, Value};

use super::{Form, Localized, MAX_ID_LEN};

/// One problem in a form file, naming the file and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {message}")]
pub struct FormProblem {
    pub file: String,
    /// Dotted path such as `items[2].weight` or `items.waktu.text.en`;
    /// `(file)` for problems with the file as a whole.
    pub field: String,
    pub message: String,
}

/// Field name used for problems that concern a whole file or directory.
pub const WHOLE_FILE: &str = "(file)";

/// Parses and validates one form file. Returns every problem found, not just
/// the first.
pub fn parse_form(file: &str, text: &str) -> Result<Form, Vec<FormProblem>> {
    let mut cx = Cx {
        file,
        problems: Vec::new(),
    };
    let table = match text.parse::<Table>() {
        Ok(t) => t,
        Err(e) => {
            let at = e
                .span()
                .map(|s| {
                    let (line, col) = line_col(text, s.start);
                    format!(" at line {line}, column {col}")
                })
                .unwrap_or_default();
            cx.push(WHOLE_FILE, format!("invalid TOML{at}: {}", e.message().trim()));
            return Err(cx.problems);
        }
    };
    let form = cx.form(&table);
    match form {
        Some(f) if cx.problems.is_empty() => Ok(f),
        _ => {
            if cx.problems.is_empty() {
                // Defensive: a refused form always names a reason.
                cx.push(WHOLE_FILE, "invalid form");
            }
            Err(cx.problems)
        }
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

pub(super) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The form-file walker: collects problems instead of stopping at the first.
pub(super) struct Cx<'a> {
    file: &'a str,
    problems: Vec<FormProblem>,
}

impl Cx<'_> {
    pub(super) fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(FormProblem {
            file: self.file.to_owned(),
            field: field.into(),
            message: message.into(),
        });
    }

    /// Refuses keys outside `allowed`, naming each.
    pub(super) fn known_keys(&mut self, t: &Table, prefix: &str, allowed: &[&str]) {
        for key in t.keys() {
            if !allowed.contains(&key.as_str()) {
                self.push(
                    join(prefix, key),
                    format!("unknown key `{key}` (expected one of: {})", allowed.join(", ")),
                );
            }
        }
    }

    pub(super) fn required<'v>(&mut self, t: &'v Table, prefix: &str, key: &str) -> Option<&'v Value> {
        let v = t.get(key);
        if v.is_none() {
            self.push(join(prefix, key), "missing (required)");
        }
        v
    }

    pub(super) fn as_table<'v>(&mut self, v: &'v Value, field: &str) -> Option<&'v Table> {
        match v {
            Value::Table(t) => Some(t),
            other => {
                self.push(field, format!("expected a table, found {}", type_name(other)));
                None
            }
        }
    }

    pub(super) fn as_array<'v>(&mut self, v: &'v Value, field: &str) -> Option<&'v [Value]> {
        match v {
            Value::Array(a) => Some(a),
            other => {
                self.push(field, format!("expected an array, found {}", type_name(other)));
                None
            }
        }
    }

    /// A non-empty string (trimmed).
    pub(super) fn text(&mut self, v: &Value, field: &str) -> Option<String> {
        match v {
            Value::String(s) if s.trim().is_empty() => {
                self.push(field, "must not be empty");
                None
            }
            Value::String(s) => Some(s.trim().to_owned()),
            other => {
                self.push(field, format!("expected a string, found {}", type_name(other)));
                None
            }
        }
    }

    pub(super) fn id(&mut self, v: &Value, field: &str) -> Option<String> {
        let s = self.text(v, field)?;
        if valid_id(&s) {
            Some(s)
        } else {
            self.push(
                field,
                format!("\"{s}\" is not a valid id: use 1 to {MAX_ID_LEN} characters from a-z, 0-9, _ and -"),
            );
            None
        }
    }

    pub(super) fn boolean(&mut self, t: &Table, prefix: &str, key: &str) -> Option<bool> {
        match t.get(key) {
            None => Some(false),
            Some(Value::Boolean(b)) => Some(*b),
            Some(other) => {
                self.push(join(prefix, key), format!("expected true or false, found {}", type_name(other)));
                None
            }
        }
    }

    /// `{ id = "...", en = "..." }`, both non-empty.
    pub(super) fn localized(&mut self, v: &Value, field: &str) -> Option<Localized> {
        let t = self.as_table(v, field)?;
        self.known_keys(t, field, &["id", "en"]);
        let id = self.required(t, field, "id").and_then(|v| self.text(v, &join(field, "id")));
        let en = self.required(t, field, "en").and_then(|v| self.text(v, &join(field, "en")));
        Some(Localized { id: id?, en: en? })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{MINIMAL, fixture_sources, fixtures_dir};
    use super::*;

    // --- broken form files ---------------------------------------------------

    fn refused(name: &str) -> Vec<FormProblem> {
        let path = fixtures_dir().join(name);
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let problems = parse_form(&file, &text).expect_err(name);
        assert!(!problems.is_empty());
        for p in &problems {
            assert_eq!(p.file, file);
            assert!(p.to_string().starts_with(&format!("{file}: {}: ", p.field)));
        }
        problems
    }

    fn has(problems: &[FormProblem], field: &str, needle: &str) -> bool {
        problems.iter().any(|p| p.field == field && p.message.contains(needle))
    }

    #[test]
    fn every_broken_fixture_is_refused_naming_file_and_field() {
        let cases = [
            ("duplicate_item_ids.toml", "items[2].id", "duplicate id \"waktu\""),
            ("weights_not_summing_to_one.toml", "items", "must sum to 1"),
            ("empty_text.toml", "items.waktu.text.en", "must not be empty"),
            ("bad_scale_label_count.toml", "scale.labels", "exactly 4 labels"),
            ("bad_scale_max.toml", "scale.max", "between 2 and 10"),
            ("missing_version.toml", "version", "missing"),
            ("unknown_key.toml", "items.prosedur.wieght", "unknown key `wieght`"),
        ];
        let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut covered: Vec<String> = cases.iter().map(|c| c.0.to_owned()).collect();
        covered.sort();
        assert_eq!(names, covered, "every fixture has a case");
        for (name, field, needle) in cases {
            let problems = refused(name);
            assert!(has(&problems, field, needle), "{name}: {problems:#?}");
        }
        // All of them at once are refused too, with every file's problems.
        let problems = super::super::parse_files(&fixture_sources()).unwrap_err();
        for (name, _, _) in cases {
            assert!(problems.iter().any(|p| p.file.ends_with(name)), "{name}");
        }
    }

    #[test]
    fn minimal_form_parses_with_defaults() {
        let form = parse_form("t.toml", MINIMAL).unwrap();
        assert_eq!(form.weights(), [1.0]);
        assert!(form.intro.is_none() && form.screening.is_empty());
        assert!(form.demographics.is_empty());
    }

    #[test]
    fn all_problems_are_reported_not_just_the_first() {
        let text = r#"
id = "Bad Id"
version = 0
index_name = "SKM"
colour = "red"
title = { id = "", en = "Test", fr = "Essai" }
[scale]
max = 11
labels = []
[[items]]
id = "a"
text = { id = "A", en = "A" }
weight = -1
[[items]]
id = "b"
text = "B"
[[screening]]
id = "a"
text = { id = "S", en = "S" }
options = [{ value = "x", label = { id = "X", en = "X" } }, { value = "x", label = { id = "X", en = "X" } }]
[[screening]]
id = "s2"
text = { id = "S", en = "S" }
options = [{ value = "x", label = { id = "X", en = "X" } }]
flag_values = ["z"]
[[demographics]]
id = "d"
label = { id = "D", en = "D" }
[[demographics]]
id = "e"
label = { id = "E", en = "E" }
from_service_types = true
options = []
"#;
        let p = parse_form("bad.toml", text).unwrap_err();
        for (field, needle) in [
            ("id", "not a valid id"),
            ("version", "at least 1"),
            ("index_name", "not one of IPAK, IPKP, IKM"),
            ("colour", "unknown key"),
            ("title.id", "must not be empty"),
            ("title.fr", "unknown key"),
            ("scale.max", "between 2 and 10"),
            ("items.a.weight", "greater than 0"),
            ("items.b.text", "expected a table"),
            ("screening.a.options[1].value", "duplicate option value"),
            ("screening.s2.flag_values[0]", "not one of the options"),
            ("demographics.d.options", "missing"),
            ("demographics.e.options", "must be left out"),
        ] {
            assert!(has(&p, field, needle), "{field}: {p:#?}");
        }
        // Syntax errors name the position.
        let p = parse_form("x.toml", "id = \"a\"\nversion = = 1\n").unwrap_err();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].field, WHOLE_FILE);
        assert!(p[0].message.contains("line 2"), "{p:?}");
    }

    #[test]
    fn ids_are_unique_across_items_screening_and_demographics() {
        let text = format!("{MINIMAL}\n[[demographics]]\nid = \"a\"\nlabel = {{ id = \"D\", en = \"D\" }}\nfrom_service_types = true\n");
        let p = parse_form("t.toml", &text).unwrap_err();
        assert!(has(&p, "demographics.a.id", "already used by items.a"), "{p:#?}");
    }

    #[test]
    fn explicit_weights_are_kept_and_checked() {
        let text = MINIMAL.replace(
            "text = { id = \"A\", en = \"A\" }",
            "text = { id = \"A\", en = \"A\" }\nweight = 0.25",
        ) + "[[items]]\nid = \"b\"\ntext = { id = \"B\", en = \"B\" }\nweight = 0.75\n";
        let form = parse_form("t.toml", &text).unwrap();
        assert_eq!(form.weights(), [0.25, 0.75]);
        // An omitted weight counts as 1/k, so mixing must still sum to 1.
        let text = MINIMAL.replace(
            "text = { id = \"A\", en = \"A\" }",
            "text = { id = \"A\", en = \"A\" }\nweight = 0.25",
        ) + "[[items]]\nid = \"b\"\ntext = { id = \"B\", en = \"B\" }\n";
        let p = parse_form("t.toml", &text).unwrap_err();
        assert!(has(&p, "items", "must sum to 1"));
    }
}

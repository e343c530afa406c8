//! Survey forms (IPAK, IPKP, SKM): parsing and validating the TOML form files in
//! `forms/`, the frozen canonical content of a form version, and validating a
//! citizen's submission against a form.
//!
//! Pure domain code: the only I/O is [`load_dir`] reading the forms directory.
//!
//! A form file is parsed into a [`toml::Table`] and walked by hand rather than
//! deserialised with serde, so that *every* problem (unknown keys included) is
//! reported at once, each naming its file and field, e.g.
//! `forms/ipkp.toml: items.waktu.text.en: must not be empty`.
//!
//! Everything a citizen reads (texts, labels, messages) is in Bahasa Indonesia
//! first, with English available through [`Lang`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::{Table, Value};
use utoipa::ToSchema;

pub use super::language::{Lang, Localized};

/// Longest accepted submission key or value, in characters. Keys and option
/// values in forms are far shorter; anything longer is abuse or a mistake.
pub const MAX_FIELD_LEN: usize = 100;

/// Longest id (form, item, screening, demographic) a form file may declare.
pub const MAX_ID_LEN: usize = 64;

/// Tolerance on the sum of item weights.
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-9;

// ---------------------------------------------------------------------------
// Form model
// ---------------------------------------------------------------------------

/// Which index a form measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum IndexName {
    /// Indeks Persepsi Anti Korupsi.
    Ipak,
    /// Indeks Persepsi Kualitas Pelayanan.
    Ipkp,
    /// Indeks Kepuasan Masyarakat (the SKM's index).
    Ikm,
}

impl IndexName {
    pub const ALL: [IndexName; 3] = [IndexName::Ipak, IndexName::Ipkp, IndexName::Ikm];

    /// `"IPAK"`, `"IPKP"` or `"IKM"`, as serialised.
    pub fn as_str(&self) -> &'static str {
        match self {
            IndexName::Ipak => "IPAK",
            IndexName::Ipkp => "IPKP",
            IndexName::Ikm => "IKM",
        }
    }

    pub fn parse(s: &str) -> Option<IndexName> {
        IndexName::ALL.into_iter().find(|n| n.as_str() == s)
    }
}

impl fmt::Display for IndexName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer scale: values `1..=max`, `labels[v - 1]` naming value `v`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Scale {
    pub max: u8,
    pub labels: Vec<Localized>,
}

impl Scale {
    /// Lowest value on every scale.
    pub const MIN: u8 = 1;

    pub fn values(&self) -> std::ops::RangeInclusive<u8> {
        Scale::MIN..=self.max
    }

    pub fn contains(&self, value: u8) -> bool {
        self.values().contains(&value)
    }

    pub fn label(&self, value: u8) -> Option<&Localized> {
        if self.contains(value) {
            self.labels.get(usize::from(value - 1))
        } else {
            None
        }
    }
}

/// One scale item (a statement the citizen agrees or disagrees with).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Item {
    pub id: String,
    pub text: Localized,
    /// Resolved weight (1/k when the file omits it); the weights sum to 1.
    pub weight: f64,
}

/// One option of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Choice {
    pub value: String,
    pub label: Localized,
}

/// A screening question: not scored; some answers flag the response (kept, and
/// reported with and without flagged responses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Screening {
    pub id: String,
    pub text: Localized,
    pub options: Vec<Choice>,
    pub required: bool,
    /// Option values that flag the response (e.g. `diarahkan` = `ya`).
    pub flag_values: Vec<String>,
}

impl Screening {
    pub fn flags(&self, value: &str) -> bool {
        self.flag_values.iter().any(|v| v == value)
    }
}

/// An optional, coarse demographic question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Demographic {
    pub id: String,
    pub label: Localized,
    /// Empty when `from_service_types`.
    pub options: Vec<Choice>,
    /// The choices are the unit's service types (e.g. `layanan`).
    pub from_service_types: bool,
}

impl Demographic {
    /// The choices to show: the form's options, or one per service type (a
    /// service type's name is its value and its label in both languages).
    pub fn choices(&self, service_types: &[String]) -> Vec<Choice> {
        if self.from_service_types {
            service_types
                .iter()
                .map(|s| Choice {
                    value: s.clone(),
                    label: Localized::new(s.clone(), s.clone()),
                })
                .collect()
        } else {
            self.options.clone()
        }
    }

    fn accepts(&self, value: &str, service_types: &[String]) -> bool {
        if self.from_service_types {
            service_types.iter().any(|s| s == value)
        } else {
            self.options.iter().any(|c| c.value == value)
        }
    }
}

/// A parsed, validated form. Its [`Form::canonical_json`] is the content frozen
/// once a campaign uses this `(id, version)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Form {
    pub id: String,
    pub version: u32,
    pub title: Localized,
    pub intro: Option<Localized>,
    pub index_name: IndexName,
    pub scale: Scale,
    pub items: Vec<Item>,
    pub screening: Vec<Screening>,
    pub demographics: Vec<Demographic>,
}

impl Form {
    /// Item weights in item order.
    pub fn weights(&self) -> Vec<f64> {
        self.items.iter().map(|i| i.weight).collect()
    }

    /// The weighted score y = Σ wᵢxᵢ and the total T = Σ xᵢ of a complete answer set, summed in
    /// item order (as at submission, so the same bits); `None` when an item is missing.
    pub fn score(&self, answers: &[(String, u8)]) -> Option<(f64, u32)> {
        let mut score = 0.0;
        let mut total = 0u32;
        for item in &self.items {
            let v = answers.iter().find(|(id, _)| *id == item.id)?.1;
            score += item.weight * f64::from(v);
            total += u32::from(v);
        }
        Some((score, total))
    }

    /// Deterministic JSON of the parsed form (field order fixed by the structs,
    /// no maps, floats printed shortest-round-trip). Changing this format would
    /// make every frozen form look changed: see the pinned fingerprints in tests.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("a Form always serialises to JSON")
    }

    /// SHA-256 (lowercase hex) of [`Form::canonical_json`].
    pub fn fingerprint(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_json().as_bytes()))
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn screening_question(&self, id: &str) -> Option<&Screening> {
        self.screening.iter().find(|s| s.id == id)
    }

    pub fn demographic(&self, id: &str) -> Option<&Demographic> {
        self.demographics.iter().find(|d| d.id == id)
    }

    /// Item ids in order.
    pub fn item_ids(&self) -> Vec<&str> {
        self.items.iter().map(|i| i.id.as_str()).collect()
    }
}

// ---------------------------------------------------------------------------
// Form problems
// ---------------------------------------------------------------------------

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

/// Loads every `*.toml` in `dir` (not recursive), sorted by form id. A missing
/// or unreadable directory, a directory without forms, any invalid file and a
/// form id declared by two files are all problems; all of them are returned.
pub fn load_dir(dir: &Path) -> Result<Vec<Form>, Vec<FormProblem>> {
    let dir_name = dir.display().to_string();
    let problem = |file: &str, message: String| FormProblem {
        file: file.to_owned(),
        field: WHOLE_FILE.to_owned(),
        message,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            return Err(vec![problem(&dir_name, format!("cannot read the forms directory: {e}"))]);
        }
    };
    let mut paths = Vec::new();
    let mut problems = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
                    paths.push(path);
                }
            }
            Err(e) => problems.push(problem(&dir_name, format!("cannot list a file: {e}"))),
        }
    }
    paths.sort();
    if paths.is_empty() && problems.is_empty() {
        problems.push(problem(&dir_name, "no form files (*.toml) found".to_owned()));
    }
    let mut forms: Vec<(Form, String)> = Vec::new();
    for path in &paths {
        let file = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => match parse_form(&file, &text) {
                Ok(form) => forms.push((form, file)),
                Err(p) => problems.extend(p),
            },
            Err(e) => problems.push(problem(&file, format!("cannot read the file: {e}"))),
        }
    }
    let mut first_file: BTreeMap<&str, &str> = BTreeMap::new();
    for (form, file) in &forms {
        if let Some(other) = first_file.insert(&form.id, file) {
            problems.push(FormProblem {
                file: file.clone(),
                field: "id".to_owned(),
                message: format!("form id \"{}\" is already declared in {other}", form.id),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut forms: Vec<Form> = forms.into_iter().map(|(f, _)| f).collect();
    forms.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(forms)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn type_name(v: &Value) -> &'static str {
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
struct Cx<'a> {
    file: &'a str,
    problems: Vec<FormProblem>,
}

impl Cx<'_> {
    fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(FormProblem {
            file: self.file.to_owned(),
            field: field.into(),
            message: message.into(),
        });
    }

    /// Refuses keys outside `allowed`, naming each.
    fn known_keys(&mut self, t: &Table, prefix: &str, allowed: &[&str]) {
        for key in t.keys() {
            if !allowed.contains(&key.as_str()) {
                self.push(
                    join(prefix, key),
                    format!("unknown key `{key}` (expected one of: {})", allowed.join(", ")),
                );
            }
        }
    }

    fn required<'v>(&mut self, t: &'v Table, prefix: &str, key: &str) -> Option<&'v Value> {
        let v = t.get(key);
        if v.is_none() {
            self.push(join(prefix, key), "missing (required)");
        }
        v
    }

    fn as_table<'v>(&mut self, v: &'v Value, field: &str) -> Option<&'v Table> {
        match v {
            Value::Table(t) => Some(t),
            other => {
                self.push(field, format!("expected a table, found {}", type_name(other)));
                None
            }
        }
    }

    fn as_array<'v>(&mut self, v: &'v Value, field: &str) -> Option<&'v [Value]> {
        match v {
            Value::Array(a) => Some(a),
            other => {
                self.push(field, format!("expected an array, found {}", type_name(other)));
                None
            }
        }
    }

    /// A non-empty string (trimmed).
    fn text(&mut self, v: &Value, field: &str) -> Option<String> {
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

    fn id(&mut self, v: &Value, field: &str) -> Option<String> {
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

    fn boolean(&mut self, t: &Table, prefix: &str, key: &str) -> Option<bool> {
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
    fn localized(&mut self, v: &Value, field: &str) -> Option<Localized> {
        let t = self.as_table(v, field)?;
        self.known_keys(t, field, &["id", "en"]);
        let id = self.required(t, field, "id").and_then(|v| self.text(v, &join(field, "id")));
        let en = self.required(t, field, "en").and_then(|v| self.text(v, &join(field, "en")));
        Some(Localized { id: id?, en: en? })
    }

    fn form(&mut self, t: &Table) -> Option<Form> {
        self.known_keys(
            t,
            "",
            &[
                "id",
                "version",
                "index_name",
                "title",
                "intro",
                "scale",
                "items",
                "screening",
                "demographics",
            ],
        );
        let id = self.required(t, "", "id").and_then(|v| self.id(v, "id"));
        let version = self.required(t, "", "version").and_then(|v| match v {
            Value::Integer(n) if (1..=i64::from(u32::MAX)).contains(n) => u32::try_from(*n).ok(),
            Value::Integer(n) => {
                self.push("version", format!("must be at least 1, found {n}"));
                None
            }
            other => {
                self.push("version", format!("expected an integer, found {}", type_name(other)));
                None
            }
        });
        let index_name = self.required(t, "", "index_name").and_then(|v| match v {
            Value::String(s) => {
                let parsed = IndexName::parse(s.trim());
                if parsed.is_none() {
                    self.push("index_name", format!("\"{s}\" is not one of IPAK, IPKP, IKM"));
                }
                parsed
            }
            other => {
                self.push("index_name", format!("expected a string, found {}", type_name(other)));
                None
            }
        });
        let title = self.required(t, "", "title").and_then(|v| self.localized(v, "title"));
        let intro = match t.get("intro") {
            None => Some(None),
            Some(v) => self.localized(v, "intro").map(Some),
        };
        let scale = self.required(t, "", "scale").and_then(|v| self.scale(v, "scale"));
        let items = self.required(t, "", "items").and_then(|v| self.items(v, "items"));
        let screening = match t.get("screening") {
            None => Some(Vec::new()),
            Some(v) => self.screening(v, "screening"),
        };
        let demographics = match t.get("demographics") {
            None => Some(Vec::new()),
            Some(v) => self.demographics(v, "demographics"),
        };

        // Ids share one namespace: they are the field names of a submission.
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let groups: [(&str, Vec<&str>); 3] = [
            ("items", items.iter().flatten().map(|i| i.id.as_str()).collect()),
            ("screening", screening.iter().flatten().map(|s| s.id.as_str()).collect()),
            ("demographics", demographics.iter().flatten().map(|d| d.id.as_str()).collect()),
        ];
        for (group, ids) in groups {
            for id in ids {
                let here = format!("{group}.{id}");
                if let Some(first) = seen.get(id) {
                    if first != &here {
                        self.push(format!("{here}.id"), format!("id \"{id}\" is already used by {first}"));
                    }
                } else {
                    seen.insert(id.to_owned(), here);
                }
            }
        }

        Some(Form {
            id: id?,
            version: version?,
            title: title?,
            intro: intro?,
            index_name: index_name?,
            scale: scale?,
            items: items?,
            screening: screening?,
            demographics: demographics?,
        })
    }

    fn scale(&mut self, v: &Value, field: &str) -> Option<Scale> {
        let t = self.as_table(v, field)?;
        self.known_keys(t, field, &["max", "labels"]);
        let max_field = join(field, "max");
        let max = self.required(t, field, "max").and_then(|v| match v {
            Value::Integer(n) if (2..=10).contains(n) => u8::try_from(*n).ok(),
            Value::Integer(n) => {
                self.push(&max_field, format!("must be between 2 and 10, found {n}"));
                None
            }
            other => {
                self.push(&max_field, format!("expected an integer, found {}", type_name(other)));
                None
            }
        });
        let labels_field = join(field, "labels");
        let labels = self.required(t, field, "labels").and_then(|v| {
            let arr = self.as_array(v, &labels_field)?;
            let labels: Vec<Option<Localized>> = arr
                .iter()
                .enumerate()
                .map(|(i, v)| self.localized(v, &format!("{labels_field}[{i}]")))
                .collect();
            labels.into_iter().collect::<Option<Vec<_>>>()
        });
        if let (Some(max), Some(v)) = (max, t.get("labels"))
            && let Value::Array(arr) = v
            && arr.len() != usize::from(max)
        {
            self.push(
                &labels_field,
                format!("expected exactly {max} labels (one per scale value), found {}", arr.len()),
            );
            return None;
        }
        Some(Scale {
            max: max?,
            labels: labels?,
        })
    }

    /// An array of tables, each read by `one(cx, table, field)`. Entries are
    /// named `group[i]` until their id is known, then `group.<id>`.
    fn list<T>(
        &mut self,
        v: &Value,
        group: &str,
        mut one: impl FnMut(&mut Self, &Table, &str, Option<String>) -> Option<T>,
    ) -> Option<Vec<T>> {
        let arr = self.as_array(v, group)?;
        let mut out = Vec::with_capacity(arr.len());
        let mut ok = true;
        let mut first_index: BTreeMap<String, usize> = BTreeMap::new();
        for (i, entry) in arr.iter().enumerate() {
            let at_index = format!("{group}[{i}]");
            let Some(t) = self.as_table(entry, &at_index) else {
                ok = false;
                continue;
            };
            let id = self
                .required(t, &at_index, "id")
                .and_then(|v| self.id(v, &format!("{at_index}.id")));
            // Name the entry by its id unless that id is ambiguous.
            let mut name = at_index.clone();
            if let Some(id) = &id {
                if let Some(first) = first_index.get(id) {
                    self.push(format!("{at_index}.id"), format!("duplicate id \"{id}\" (also {group}[{first}])"));
                    ok = false;
                } else {
                    first_index.insert(id.clone(), i);
                    name = format!("{group}.{id}");
                }
            } else {
                ok = false;
            }
            match one(self, t, &name, id) {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn items(&mut self, v: &Value, field: &str) -> Option<Vec<Item>> {
        // Weights stay optional until k is known.
        let raw = self.list(v, field, |cx, t, name, id| {
            cx.known_keys(t, name, &["id", "text", "weight"]);
            let text = cx.required(t, name, "text").and_then(|v| cx.localized(v, &join(name, "text")));
            let wfield = join(name, "weight");
            let weight = match t.get("weight") {
                None => Some(None),
                Some(Value::Float(w)) => Some(Some(*w)),
                #[allow(clippy::cast_precision_loss)] // small integers only: 0 or 1
                Some(Value::Integer(w)) => Some(Some(*w as f64)),
                Some(other) => {
                    cx.push(&wfield, format!("expected a number, found {}", type_name(other)));
                    None
                }
            };
            let weight = match weight {
                Some(Some(w)) if !w.is_finite() || w <= 0.0 => {
                    cx.push(&wfield, format!("must be a finite number greater than 0, found {w}"));
                    None
                }
                w => w,
            };
            Some((id?, text?, weight?))
        });
        let raw = raw?;
        if raw.is_empty() {
            self.push(field, "at least one item is required");
            return None;
        }
        #[allow(clippy::cast_precision_loss)] // a form has a handful of items
        let default = 1.0 / raw.len() as f64;
        let items: Vec<Item> = raw
            .into_iter()
            .map(|(id, text, w)| Item {
                id,
                text,
                weight: w.unwrap_or(default),
            })
            .collect();
        let sum: f64 = items.iter().map(|i| i.weight).sum();
        if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
            self.push(
                field,
                format!(
                    "item weights sum to {sum}, they must sum to 1 (an omitted weight counts as 1/{})",
                    items.len()
                ),
            );
            return None;
        }
        Some(items)
    }

    /// `options = [{ value, label }]`: non-empty, unique values.
    fn options(&mut self, v: &Value, field: &str) -> Option<Vec<Choice>> {
        let arr = self.as_array(v, field)?;
        if arr.is_empty() {
            self.push(field, "at least one option is required");
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (i, entry) in arr.iter().enumerate() {
            let at = format!("{field}[{i}]");
            let Some(t) = self.as_table(entry, &at) else {
                ok = false;
                continue;
            };
            self.known_keys(t, &at, &["value", "label"]);
            let vfield = join(&at, "value");
            let value = self.required(t, &at, "value").and_then(|v| {
                let s = self.text(v, &vfield)?;
                if s.chars().count() > MAX_FIELD_LEN {
                    self.push(&vfield, format!("longer than {MAX_FIELD_LEN} characters"));
                    return None;
                }
                if let Some(first) = seen.get(&s) {
                    self.push(&vfield, format!("duplicate option value \"{s}\" (also {field}[{first}])"));
                    return None;
                }
                seen.insert(s.clone(), i);
                Some(s)
            });
            let label = self.required(t, &at, "label").and_then(|v| self.localized(v, &join(&at, "label")));
            match (value, label) {
                (Some(value), Some(label)) => out.push(Choice { value, label }),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn screening(&mut self, v: &Value, field: &str) -> Option<Vec<Screening>> {
        self.list(v, field, |cx, t, name, id| {
            cx.known_keys(t, name, &["id", "text", "options", "required", "flag_values"]);
            let text = cx.required(t, name, "text").and_then(|v| cx.localized(v, &join(name, "text")));
            let options = cx.required(t, name, "options").and_then(|v| cx.options(v, &join(name, "options")));
            let required = cx.boolean(t, name, "required");
            let ffield = join(name, "flag_values");
            let flag_values = match t.get("flag_values") {
                None => Some(Vec::new()),
                Some(v) => cx.as_array(v, &ffield).and_then(|arr| {
                    arr.iter()
                        .enumerate()
                        .map(|(i, v)| cx.text(v, &format!("{ffield}[{i}]")))
                        .collect::<Vec<_>>()
                        .into_iter()
                        .collect::<Option<Vec<_>>>()
                }),
            };
            if let (Some(options), Some(flags)) = (&options, &flag_values) {
                for (i, f) in flags.iter().enumerate() {
                    if !options.iter().any(|o| &o.value == f) {
                        cx.push(format!("{ffield}[{i}]"), format!("\"{f}\" is not one of the options' values"));
                    }
                }
            }
            Some(Screening {
                id: id?,
                text: text?,
                options: options?,
                required: required?,
                flag_values: flag_values?,
            })
        })
    }

    fn demographics(&mut self, v: &Value, field: &str) -> Option<Vec<Demographic>> {
        self.list(v, field, |cx, t, name, id| {
            cx.known_keys(t, name, &["id", "label", "options", "from_service_types"]);
            let label = cx.required(t, name, "label").and_then(|v| cx.localized(v, &join(name, "label")));
            let from_service_types = cx.boolean(t, name, "from_service_types");
            let ofield = join(name, "options");
            let options = match (from_service_types, t.get("options")) {
                (Some(true), None) => Some(Vec::new()),
                (Some(true), Some(_)) => {
                    cx.push(
                        &ofield,
                        "must be left out when from_service_types = true (the choices are the unit's service types)",
                    );
                    None
                }
                (_, None) => {
                    cx.push(&ofield, "missing (required unless from_service_types = true)");
                    None
                }
                (_, Some(v)) => cx.options(v, &ofield),
            };
            Some(Demographic {
                id: id?,
                label: label?,
                options: options?,
                from_service_types: from_service_types?,
            })
        })
    }
}

// ---------------------------------------------------------------------------
// Submissions
// ---------------------------------------------------------------------------

/// A submission as received, before validation. Pairs rather than maps, so a
/// key sent twice can be refused instead of silently overwritten. Answers are
/// JSON values: HTML posts give strings (`"3"`), the JSON API numbers (`3`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawSubmission {
    pub answers: Vec<(String, serde_json::Value)>,
    pub screening: Vec<(String, String)>,
    pub demographics: Vec<(String, String)>,
}

/// A submission that passed [`validate_submission`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidSubmission {
    /// One answer per item, in form item order.
    pub answers: Vec<(String, u8)>,
    /// The screening questions answered, in form order (unanswered ones left out).
    pub screening: Vec<(String, String)>,
    /// The demographics answered, in form order (unanswered ones left out).
    pub demographics: Vec<(String, String)>,
    /// A screening answer flags the response (e.g. `diarahkan` = `ya`).
    pub flagged_screening: bool,
    /// Σ w_i · x_i.
    pub score: f64,
    /// Σ x_i.
    pub total: u32,
}

/// Why one field of a submission was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    Required,
    NotAnInteger,
    OutOfRange { min: u8, max: u8 },
    UnknownField,
    Duplicated,
    UnknownChoice,
    TooLong,
}

impl FieldError {
    /// A short, polite message for the citizen, shown next to the question.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (FieldError::Required, Lang::Id) => "Mohon pilih salah satu jawaban.".into(),
            (FieldError::Required, Lang::En) => "Please choose one answer.".into(),
            (FieldError::NotAnInteger, Lang::Id) => "Mohon pilih salah satu jawaban yang tersedia.".into(),
            (FieldError::NotAnInteger, Lang::En) => "Please choose one of the answers given.".into(),
            (FieldError::OutOfRange { min, max }, Lang::Id) => {
                format!("Mohon pilih nilai dari {min} sampai {max}.")
            }
            (FieldError::OutOfRange { min, max }, Lang::En) => {
                format!("Please choose a value from {min} to {max}.")
            }
            (FieldError::UnknownField, Lang::Id) => "Pertanyaan ini tidak ada dalam survei.".into(),
            (FieldError::UnknownField, Lang::En) => "This question is not part of the survey.".into(),
            (FieldError::Duplicated, Lang::Id) => "Jawaban untuk pertanyaan ini terkirim lebih dari sekali.".into(),
            (FieldError::Duplicated, Lang::En) => "This question was answered more than once.".into(),
            (FieldError::UnknownChoice, Lang::Id) => "Mohon pilih salah satu pilihan yang tersedia.".into(),
            (FieldError::UnknownChoice, Lang::En) => "Please choose one of the options given.".into(),
            (FieldError::TooLong, Lang::Id) => "Isian ini terlalu panjang.".into(),
            (FieldError::TooLong, Lang::En) => "This entry is too long.".into(),
        }
    }

    /// A stable machine-readable code, e.g. for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            FieldError::Required => "required",
            FieldError::NotAnInteger => "not_an_integer",
            FieldError::OutOfRange { .. } => "out_of_range",
            FieldError::UnknownField => "unknown_field",
            FieldError::Duplicated => "duplicated",
            FieldError::UnknownChoice => "unknown_choice",
            FieldError::TooLong => "too_long",
        }
    }
}

/// Key: the item/screening/demographic id (an unknown key under its own name,
/// cut to [`MAX_FIELD_LEN`] characters).
pub type FieldErrors = BTreeMap<String, Vec<FieldError>>;

/// The messages of `errors` in `lang`, as in problem+json's `errors` member.
pub fn field_error_messages(errors: &FieldErrors, lang: Lang) -> BTreeMap<String, Vec<String>> {
    errors
        .iter()
        .map(|(k, v)| (k.clone(), v.iter().map(|e| e.message(lang)).collect()))
        .collect()
}

fn add_error(errors: &mut FieldErrors, key: &str, error: FieldError) {
    let list = errors.entry(key.to_owned()).or_default();
    if !list.contains(&error) {
        list.push(error);
    }
}

fn too_long(s: &str) -> bool {
    s.chars().count() > MAX_FIELD_LEN
}

/// The key under which an over-long key is reported.
fn cut(s: &str) -> &str {
    s.char_indices().nth(MAX_FIELD_LEN).map_or(s, |(at, _)| &s[..at])
}

/// Reads one scale answer: `Ok(None)` when not given (null or empty string).
fn scale_answer(value: &serde_json::Value, max: u8) -> Result<Option<u8>, FieldError> {
    use serde_json::Value as J;
    let range = FieldError::OutOfRange { min: Scale::MIN, max };
    let n: i128 = match value {
        J::Null => return Ok(None),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                i128::from(i)
            } else if let Some(u) = n.as_u64() {
                i128::from(u)
            } else {
                // JSON has one number type: 3.0 is the integer 3, 2.5 is not.
                let f = n.as_f64().ok_or(FieldError::NotAnInteger)?;
                if !f.is_finite() || f.fract() != 0.0 {
                    return Err(FieldError::NotAnInteger);
                }
                if !(f64::from(Scale::MIN)..=f64::from(max)).contains(&f) {
                    return Err(range);
                }
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                // checked above
                return Ok(Some(f as u8));
            }
        }
        J::String(s) => {
            if too_long(s) {
                return Err(FieldError::TooLong);
            }
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            let digits = s.strip_prefix('-').unwrap_or(s);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(FieldError::NotAnInteger);
            }
            // Digits only, at most MAX_FIELD_LEN of them: too big means out of range.
            s.parse::<i128>().map_err(|_| range.clone())?
        }
        J::Bool(_) | J::Array(_) | J::Object(_) => return Err(FieldError::NotAnInteger),
    };
    u8::try_from(n)
        .ok()
        .filter(|v| (Scale::MIN..=max).contains(v))
        .map(Some)
        .ok_or(range)
}

/// Validates one group of choice answers (screening or demographics). Returns
/// the given answers keyed by the question's position in the form.
fn choice_answers<Q>(
    questions: &[Q],
    raw: &[(String, String)],
    id_of: impl Fn(&Q) -> &str,
    required: impl Fn(&Q) -> bool,
    accepts: impl Fn(&Q, &str) -> bool,
    errors: &mut FieldErrors,
) -> Vec<(usize, String)> {
    let mut seen = vec![false; questions.len()];
    let mut broken = vec![false; questions.len()];
    let mut given: Vec<(usize, String)> = Vec::new();
    for (key, value) in raw {
        if too_long(key) {
            add_error(errors, cut(key), FieldError::TooLong);
            continue;
        }
        let Some(idx) = questions.iter().position(|q| id_of(q) == key) else {
            add_error(errors, key, FieldError::UnknownField);
            continue;
        };
        if seen[idx] {
            add_error(errors, key, FieldError::Duplicated);
            broken[idx] = true;
            continue;
        }
        seen[idx] = true;
        if too_long(value) {
            add_error(errors, key, FieldError::TooLong);
            broken[idx] = true;
            continue;
        }
        let value = value.trim();
        if value.is_empty() {
            continue; // "not given"
        }
        if accepts(&questions[idx], value) {
            given.push((idx, value.to_owned()));
        } else {
            add_error(errors, key, FieldError::UnknownChoice);
            broken[idx] = true;
        }
    }
    for (idx, q) in questions.iter().enumerate() {
        if required(q) && !broken[idx] && !given.iter().any(|(i, _)| *i == idx) {
            add_error(errors, id_of(q), FieldError::Required);
        }
    }
    given.retain(|(i, _)| !broken[*i]);
    given.sort_by_key(|(i, _)| *i);
    given
}

/// Validates a citizen's submission against `form`; `service_types` are the
/// unit's, the choices of a `from_service_types` demographic. Every problem is
/// reported, keyed by field.
pub fn validate_submission(form: &Form, service_types: &[String], raw: &RawSubmission) -> Result<ValidSubmission, FieldErrors> {
    #[derive(Clone, PartialEq)]
    enum Slot {
        Missing,
        Value(u8),
        Broken,
    }
    let mut errors = FieldErrors::new();
    let mut seen = vec![false; form.items.len()];
    let mut slots = vec![Slot::Missing; form.items.len()];
    for (key, value) in &raw.answers {
        if too_long(key) {
            add_error(&mut errors, cut(key), FieldError::TooLong);
            continue;
        }
        let Some(idx) = form.items.iter().position(|i| i.id == *key) else {
            add_error(&mut errors, key, FieldError::UnknownField);
            continue;
        };
        if seen[idx] {
            add_error(&mut errors, key, FieldError::Duplicated);
            slots[idx] = Slot::Broken;
            continue;
        }
        seen[idx] = true;
        match scale_answer(value, form.scale.max) {
            Ok(Some(v)) => slots[idx] = Slot::Value(v),
            Ok(None) => {}
            Err(e) => {
                add_error(&mut errors, key, e);
                slots[idx] = Slot::Broken;
            }
        }
    }
    for (item, slot) in form.items.iter().zip(&slots) {
        if *slot == Slot::Missing {
            add_error(&mut errors, &item.id, FieldError::Required);
        }
    }

    let screening = choice_answers(
        &form.screening,
        &raw.screening,
        |q| q.id.as_str(),
        |q| q.required,
        |q, v| q.options.iter().any(|o| o.value == v),
        &mut errors,
    );
    let demographics = choice_answers(
        &form.demographics,
        &raw.demographics,
        |q| q.id.as_str(),
        |_| false,
        |q, v| q.accepts(v, service_types),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut answers = Vec::with_capacity(form.items.len());
    for (item, slot) in form.items.iter().zip(slots) {
        let Slot::Value(v) = slot else {
            unreachable!("every item has a value when there is no error")
        };
        answers.push((item.id.clone(), v));
    }
    let (score, total) = form.score(&answers).expect("every item has a value when there is no error");
    let flagged_screening = screening.iter().any(|(i, v)| form.screening[*i].flags(v));
    Ok(ValidSubmission {
        answers,
        screening: screening.into_iter().map(|(i, v)| (form.screening[i].id.clone(), v)).collect(),
        demographics: demographics
            .into_iter()
            .map(|(i, v)| (form.demographics[i].id.clone(), v))
            .collect(),
        flagged_screening,
        score,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn forms_dir() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/forms"))
    }

    fn fixtures_dir() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/forms"))
    }

    fn shipped(id: &str) -> Form {
        let path = forms_dir().join(format!("{id}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        match parse_form(&path.display().to_string(), &text) {
            Ok(f) => f,
            Err(p) => panic!("{id} refused: {p:#?}"),
        }
    }

    fn raw(answers: &[(&str, serde_json::Value)]) -> RawSubmission {
        RawSubmission {
            answers: answers.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
            ..RawSubmission::default()
        }
    }

    fn all_answers(form: &Form, v: serde_json::Value) -> RawSubmission {
        RawSubmission {
            answers: form.items.iter().map(|i| (i.id.clone(), v.clone())).collect(),
            ..RawSubmission::default()
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    // --- shipped forms -----------------------------------------------------

    #[test]
    fn shipped_forms_load_with_the_contract_item_ids() {
        let forms = load_dir(&forms_dir()).unwrap_or_else(|p| panic!("{p:#?}"));
        let ids: Vec<&str> = forms.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["ipak", "ipkp", "skm"]);

        let ipak = shipped("ipak");
        assert_eq!(ipak.index_name, IndexName::Ipak);
        assert_eq!(
            ipak.item_ids(),
            ["diskriminasi", "kecurangan", "gratifikasi", "pungli", "percaloan"]
        );
        let ipkp = shipped("ipkp");
        assert_eq!(ipkp.index_name, IndexName::Ipkp);
        assert_eq!(
            ipkp.item_ids(),
            [
                "informasi",
                "persyaratan",
                "prosedur",
                "waktu",
                "biaya",
                "sarana",
                "respons",
                "pengaduan"
            ]
        );
        let skm = shipped("skm");
        assert_eq!(skm.index_name, IndexName::Ikm);
        assert_eq!(
            skm.item_ids(),
            [
                "persyaratan",
                "prosedur",
                "waktu",
                "biaya",
                "produk",
                "kompetensi",
                "perilaku",
                "pengaduan",
                "sarana"
            ]
        );
        for w in skm.weights() {
            assert!((w - 1.0 / 9.0).abs() < 1e-15);
        }

        for form in [&ipak, &ipkp, &skm] {
            assert_eq!(form.version, 1);
            assert_eq!(form.scale.max, 4);
            assert_eq!(form.scale.labels[0].id, "Sangat Tidak Setuju");
            assert_eq!(form.scale.labels[0].en, "Strongly disagree");
            assert_eq!(form.scale.labels[3].id, "Sangat Setuju");
            assert_eq!(form.scale.labels[3].en, "Strongly agree");
            let sum: f64 = form.weights().iter().sum();
            assert!((sum - 1.0).abs() < 1e-9);
            let demo: Vec<&str> = form.demographics.iter().map(|d| d.id.as_str()).collect();
            assert_eq!(demo, ["usia", "jenis_kelamin", "pendidikan", "pekerjaan", "layanan"]);
            let layanan = form.demographic("layanan").unwrap();
            assert!(layanan.from_service_types && layanan.options.is_empty());
            let sexes: Vec<&str> = form
                .demographic("jenis_kelamin")
                .unwrap()
                .options
                .iter()
                .map(|c| c.value.as_str())
                .collect();
            assert_eq!(sexes, ["laki-laki", "perempuan"]);
            // Never ask anything identifying.
            let json = form.canonical_json().to_lowercase();
            for id in ["nama", "name", "phone", "telepon", "email", "e-mail", "nik"] {
                assert!(form.demographic(id).is_none() && form.screening_question(id).is_none(), "{id}");
                assert!(!json.contains(&format!("\"id\":\"{id}\"")), "{id}");
            }
        }
        for form in [&ipak, &ipkp] {
            let d = form.screening_question("diarahkan").unwrap();
            assert!(!d.required);
            assert_eq!(d.flag_values, ["ya"]);
            let values: Vec<&str> = d.options.iter().map(|c| c.value.as_str()).collect();
            assert_eq!(values, ["ya", "tidak"]);
        }
        assert!(skm.screening.is_empty());
    }

    /// Pinned on purpose: a change here means either a form file changed (bump
    /// its `version`, then update the pin) or the canonical JSON format changed,
    /// which would make every frozen form look modified at start-up.
    #[test]
    fn fingerprints_are_stable() {
        for (id, pinned) in [
            ("ipak", "01691ef70dbb83f353e765cf76ee1ccd9b615ebc8e34f1c98eb62d3fa2ef7f0d"),
            ("ipkp", "a3756fab59b0ad5f1d9f93268f50561794d81b3e110dcd3d9632d3a6962b6105"),
            ("skm", "1f616957e1060a8d7bf76752820bbe509e6272d9891e2af43e68ae1326eedfeb"),
        ] {
            let a = shipped(id);
            let b = shipped(id);
            assert_eq!(a.canonical_json(), b.canonical_json());
            assert_eq!(a.fingerprint(), b.fingerprint());
            assert_eq!(a.fingerprint().len(), 64);
            assert_eq!(a.fingerprint(), pinned, "fingerprint of {id}");
        }
    }

    #[test]
    fn canonical_json_round_trips() {
        let form = shipped("ipkp");
        let back: Form = serde_json::from_str(&form.canonical_json()).unwrap();
        assert_eq!(back, form);
        assert_eq!(back.fingerprint(), form.fingerprint());
        assert!(form.canonical_json().contains("\"index_name\":\"IPKP\""));
    }

    /// Every citizen-facing text of a form, mutably.
    fn texts_mut(form: &mut Form) -> Vec<&mut String> {
        fn loc(l: &mut Localized) -> [&mut String; 2] {
            [&mut l.id, &mut l.en]
        }
        let mut out: Vec<&mut String> = Vec::new();
        out.extend(loc(&mut form.title));
        if let Some(intro) = &mut form.intro {
            out.extend(loc(intro));
        }
        for l in &mut form.scale.labels {
            out.extend(loc(l));
        }
        for i in &mut form.items {
            out.extend(loc(&mut i.text));
        }
        for s in &mut form.screening {
            out.extend(loc(&mut s.text));
            for c in &mut s.options {
                out.extend(loc(&mut c.label));
            }
        }
        for d in &mut form.demographics {
            out.extend(loc(&mut d.label));
            for c in &mut d.options {
                out.extend(loc(&mut c.label));
            }
        }
        out
    }

    #[test]
    fn fingerprint_changes_when_any_text_changes() {
        for id in ["ipak", "ipkp", "skm"] {
            let form = shipped(id);
            let original = form.fingerprint();
            let n = texts_mut(&mut form.clone()).len();
            assert!(n > 40);
            for k in 0..n {
                let mut changed = form.clone();
                texts_mut(&mut changed)[k].push('!');
                assert_ne!(changed.fingerprint(), original, "{id}: text #{k}");
            }
            let mut w = form.clone();
            w.items[0].weight += 1e-12;
            assert_ne!(w.fingerprint(), original);
        }
        // The same through the file: one word of one item.
        let text = std::fs::read_to_string(forms_dir().join("ipkp.toml")).unwrap();
        let edited = text.replacen("mudah diikuti", "sangat mudah diikuti", 1);
        assert_ne!(edited, text);
        let a = parse_form("ipkp.toml", &text).unwrap();
        let b = parse_form("ipkp.toml", &edited).unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

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
        // The directory as a whole is refused too, with every file's problems.
        let problems = load_dir(&fixtures_dir()).unwrap_err();
        for (name, _, _) in cases {
            assert!(problems.iter().any(|p| p.file.ends_with(name)), "{name}");
        }
    }

    const MINIMAL: &str = r#"
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

    #[test]
    fn load_dir_refuses_missing_empty_and_duplicate_dirs() {
        let p = load_dir(Path::new("/nonexistent/forms")).unwrap_err();
        assert!(p[0].message.contains("cannot read"));

        let base = std::env::temp_dir().join(format!("integritas-forms-test-{}", std::process::id()));
        let empty = base.join("empty");
        std::fs::create_dir_all(&empty).unwrap();
        let p = load_dir(&empty).unwrap_err();
        assert!(p[0].message.contains("no form files"));

        let dup = base.join("dup");
        std::fs::create_dir_all(&dup).unwrap();
        std::fs::write(dup.join("one.toml"), MINIMAL).unwrap();
        std::fs::write(dup.join("two.toml"), MINIMAL).unwrap();
        std::fs::write(dup.join("notes.txt"), "ignored").unwrap();
        let p = load_dir(&dup).unwrap_err();
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(p[0].file.ends_with("two.toml") && p[0].field == "id");
        assert!(p[0].message.contains("one.toml"));
        std::fs::remove_dir_all(&base).unwrap();
    }

    // --- language --------------------------------------------------------------

    #[test]
    fn language_negotiation() {
        use Lang::{En, Id};
        let l = Lang::from_query_or_header;
        assert_eq!(l(None, None), Id);
        assert_eq!(l(Some("en"), Some("id")), En);
        assert_eq!(l(Some("id"), Some("en")), Id);
        assert_eq!(l(Some("fr"), Some("en-US,en;q=0.9")), En);
        assert_eq!(l(Some(""), None), Id);
        assert_eq!(l(None, Some("en-GB,id;q=0.8")), En);
        assert_eq!(l(None, Some("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7")), Id);
        assert_eq!(l(None, Some("en;q=0.5, id;q=0.9")), Id);
        assert_eq!(l(None, Some("fr, de;q=0.9")), Id);
        assert_eq!(l(None, Some("en;q=0, id;q=0")), Id);
        assert_eq!(l(None, Some("de, EN;q=0.3")), En);
        assert_eq!(l(None, Some("en, id")), En);
        assert_eq!(l(None, Some("in")), Id);
        assert_eq!(l(None, Some("*")), Id);
        assert_eq!(Lang::En.code(), "en");
        assert_eq!(Lang::default().code(), "id");
        assert_eq!(serde_json::to_string(&Lang::En).unwrap(), "\"en\"");
        let t = Localized::new("Ya", "Yes");
        assert_eq!((t.get(Id), t.get(En)), ("Ya", "Yes"));
        assert_eq!(serde_json::to_string(&IndexName::Ikm).unwrap(), "\"IKM\"");
    }

    #[test]
    fn field_error_messages_are_localised() {
        assert_eq!(FieldError::Required.message(Lang::Id), "Mohon pilih salah satu jawaban.");
        assert_eq!(FieldError::Required.message(Lang::En), "Please choose one answer.");
        let e = FieldError::OutOfRange { min: 1, max: 4 };
        assert!(e.message(Lang::Id).contains("1 sampai 4"));
        assert!(e.message(Lang::En).contains("1 to 4"));
        let mut errors = FieldErrors::new();
        errors.insert("waktu".into(), vec![FieldError::Required]);
        let m = field_error_messages(&errors, Lang::En);
        assert_eq!(m["waktu"], ["Please choose one answer."]);
    }

    // --- submissions -------------------------------------------------------------

    fn services() -> Vec<String> {
        vec!["Paspor".to_owned(), "Izin Tinggal".to_owned()]
    }

    #[test]
    fn valid_submission_is_scored_in_form_order() {
        let form = shipped("ipak");
        let mut r = raw(&[
            ("percaloan", json!(4)),
            ("pungli", json!("3")),
            ("gratifikasi", json!(" 4 ")),
            ("kecurangan", json!(2.0)),
            ("diskriminasi", json!(1)),
        ]);
        r.screening = pairs(&[("diarahkan", "tidak")]);
        r.demographics = pairs(&[("layanan", "Paspor"), ("usia", "25-39"), ("pendidikan", "")]);
        let v = validate_submission(&form, &services(), &r).unwrap();
        assert_eq!(
            v.answers,
            [
                ("diskriminasi".to_owned(), 1),
                ("kecurangan".to_owned(), 2),
                ("gratifikasi".to_owned(), 4),
                ("pungli".to_owned(), 3),
                ("percaloan".to_owned(), 4)
            ]
        );
        assert_eq!(v.total, 14);
        assert!((v.score - 14.0 / 5.0).abs() < 1e-12);
        assert!(!v.flagged_screening);
        assert_eq!(v.screening, pairs(&[("diarahkan", "tidak")]));
        // Form order, and the empty "pendidikan" means "not given".
        assert_eq!(v.demographics, pairs(&[("usia", "25-39"), ("layanan", "Paspor")]));
    }

    #[test]
    fn weighted_score() {
        let text = MINIMAL.replace(
            "text = { id = \"A\", en = \"A\" }",
            "text = { id = \"A\", en = \"A\" }\nweight = 0.25",
        ) + "[[items]]\nid = \"b\"\ntext = { id = \"B\", en = \"B\" }\nweight = 0.75\n";
        let form = parse_form("t.toml", &text).unwrap();
        let v = validate_submission(&form, &[], &raw(&[("a", json!(2)), ("b", json!(1))])).unwrap();
        assert!((v.score - 1.25).abs() < 1e-12);
        assert_eq!(v.total, 3);
        // Recomputed from stored answers (the ledger check): the same bits, whatever the order.
        let stored = [("b".to_owned(), 1u8), ("a".to_owned(), 2u8)];
        assert_eq!(form.score(&stored), Some((v.score, v.total)));
        assert_eq!(form.score(&stored[..1]), None);
    }

    #[test]
    fn diarahkan_ya_flags_the_response() {
        let form = shipped("ipkp");
        let mut r = all_answers(&form, json!(4));
        r.screening = pairs(&[("diarahkan", "ya")]);
        let v = validate_submission(&form, &[], &r).unwrap();
        assert!(v.flagged_screening);
        // Screening is optional.
        let v = validate_submission(&form, &[], &all_answers(&form, json!(4))).unwrap();
        assert!(!v.flagged_screening && v.screening.is_empty());
    }

    fn errors_of(form: &Form, r: &RawSubmission) -> FieldErrors {
        validate_submission(form, &services(), r).unwrap_err()
    }

    #[test]
    fn missing_and_empty_items_are_required() {
        let form = shipped("ipak");
        let r = raw(&[("diskriminasi", json!(3)), ("kecurangan", json!("")), ("gratifikasi", json!(null))]);
        let e = errors_of(&form, &r);
        for id in ["kecurangan", "gratifikasi", "pungli", "percaloan"] {
            assert_eq!(e[id], [FieldError::Required], "{id}");
        }
        assert!(!e.contains_key("diskriminasi"));
    }

    #[test]
    fn bad_values_are_refused() {
        let form = shipped("ipak");
        let range = FieldError::OutOfRange { min: 1, max: 4 };
        for (value, expected) in [
            (json!(0), range.clone()),
            (json!(5), range.clone()),
            (json!(-1), range.clone()),
            (json!("5"), range.clone()),
            (json!("-3"), range.clone()),
            (json!(u64::MAX), range.clone()),
            (json!("99999999999999999999999999999999999999999999"), range.clone()),
            (json!(1e300), range.clone()),
            (json!(2.5), FieldError::NotAnInteger),
            (json!("2.5"), FieldError::NotAnInteger),
            (json!("abc"), FieldError::NotAnInteger),
            (json!("+3"), FieldError::NotAnInteger),
            (json!("-"), FieldError::NotAnInteger),
            (json!(true), FieldError::NotAnInteger),
            (json!([3]), FieldError::NotAnInteger),
            (json!({"v": 3}), FieldError::NotAnInteger),
            (json!("3".repeat(101)), FieldError::TooLong),
        ] {
            let mut r = all_answers(&form, json!(3));
            r.answers[1].1 = value.clone();
            let e = errors_of(&form, &r);
            assert_eq!(e.len(), 1, "{value}: {e:?}");
            assert_eq!(e["kecurangan"], [expected], "{value}");
        }
    }

    #[test]
    fn unknown_duplicated_and_too_long_keys_are_refused() {
        let form = shipped("ipak");
        let mut r = all_answers(&form, json!(3));
        r.answers.push(("nama".into(), json!("Budi")));
        r.answers.push(("pungli".into(), json!(3)));
        r.answers.push(("x".repeat(150), json!(3)));
        r.screening = pairs(&[("diarahkan", "tidak"), ("diarahkan", "ya"), ("nik", "123")]);
        r.demographics = pairs(&[("usia", "<25"), ("usia", "<25"), ("email", "a@b.c")]);
        let e = errors_of(&form, &r);
        assert_eq!(e["nama"], [FieldError::UnknownField]);
        assert_eq!(e["pungli"], [FieldError::Duplicated]);
        assert_eq!(e[&"x".repeat(MAX_FIELD_LEN)], [FieldError::TooLong]);
        assert_eq!(e["diarahkan"], [FieldError::Duplicated]);
        assert_eq!(e["nik"], [FieldError::UnknownField]);
        assert_eq!(e["usia"], [FieldError::Duplicated]);
        assert_eq!(e["email"], [FieldError::UnknownField]);
        assert_eq!(e.len(), 7, "{e:?}");
    }

    #[test]
    fn choices_must_be_among_the_options() {
        let form = shipped("ipkp");
        let mut r = all_answers(&form, json!(2));
        r.screening = pairs(&[("diarahkan", "mungkin")]);
        r.demographics = pairs(&[("jenis_kelamin", "lainnya"), ("usia", "<25"), ("pekerjaan", &"a".repeat(101))]);
        let e = errors_of(&form, &r);
        assert_eq!(e["diarahkan"], [FieldError::UnknownChoice]);
        assert_eq!(e["jenis_kelamin"], [FieldError::UnknownChoice]);
        assert_eq!(e["pekerjaan"], [FieldError::TooLong]);
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn layanan_takes_the_units_service_types() {
        let form = shipped("skm");
        let mut r = all_answers(&form, json!(3));
        r.demographics = pairs(&[("layanan", "Izin Tinggal")]);
        let v = validate_submission(&form, &services(), &r).unwrap();
        assert_eq!(v.demographics, pairs(&[("layanan", "Izin Tinggal")]));

        r.demographics = pairs(&[("layanan", "Visa")]);
        assert_eq!(errors_of(&form, &r)["layanan"], [FieldError::UnknownChoice]);
        // A unit without service types accepts no layanan, but it stays optional.
        assert!(validate_submission(&form, &[], &r).is_err());
        r.demographics.clear();
        assert!(validate_submission(&form, &[], &r).is_ok());

        let layanan = form.demographic("layanan").unwrap();
        let choices = layanan.choices(&services());
        assert_eq!(choices[1].value, "Izin Tinggal");
        assert_eq!(choices[1].label.get(Lang::En), "Izin Tinggal");
        assert_eq!(form.demographic("usia").unwrap().choices(&services()).len(), 4);
    }

    #[test]
    fn required_screening_is_enforced() {
        let mut form = shipped("ipak");
        form.screening[0].required = true;
        let e = errors_of(&form, &all_answers(&form, json!(4)));
        assert_eq!(e["diarahkan"], [FieldError::Required]);
    }

    // --- properties ----------------------------------------------------------------

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value as J;
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::from),
            any::<u64>().prop_map(J::from),
            (-3i64..8).prop_map(J::from),
            (-3i64..8).prop_map(|n| J::String(n.to_string())),
            any::<f64>().prop_map(J::from), // non-finite becomes null
            (-3.0f64..8.0).prop_map(J::from),
            ".{0,120}".prop_map(J::String),
            "[ 0-9.+-]{0,6}".prop_map(J::String),
        ];
        leaf.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(J::Array),
                prop::collection::btree_map("[a-z]{0,3}", inner, 0..3).prop_map(|m| J::Object(m.into_iter().collect())),
            ]
        })
    }

    fn key(ids: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(ids).prop_map(str::to_owned),
            1 => "[a-z_]{0,8}",
            1 => ".{0,130}",
        ]
    }

    const IPKP_ITEMS: &[&str] = &[
        "informasi",
        "persyaratan",
        "prosedur",
        "waktu",
        "biaya",
        "sarana",
        "respons",
        "pengaduan",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn validator_never_panics_and_accepts_only_in_range(
            answers in prop::collection::vec((key(IPKP_ITEMS), json_value()), 0..12),
            screening in prop::collection::vec(
                (key(&["diarahkan"]), prop_oneof!["ya|tidak|", ".{0,110}"]), 0..3),
            demographics in prop::collection::vec(
                (key(&["usia", "jenis_kelamin", "layanan"]),
                 prop_oneof!["<25|55\\+|perempuan|Paspor|", ".{0,110}"]), 0..4),
        ) {
            let form = shipped("ipkp");
            let r = RawSubmission { answers, screening, demographics };
            match validate_submission(&form, &services(), &r) {
                Ok(v) => {
                    prop_assert_eq!(v.answers.len(), form.items.len());
                    for ((id, x), item) in v.answers.iter().zip(&form.items) {
                        prop_assert_eq!(id, &item.id);
                        prop_assert!((1..=form.scale.max).contains(x));
                    }
                    prop_assert!((1.0..=4.0).contains(&v.score));
                    let total: u32 = v.answers.iter().map(|(_, x)| u32::from(*x)).sum();
                    prop_assert_eq!(v.total, total);
                }
                Err(e) => prop_assert!(!e.is_empty() && e.values().all(|v| !v.is_empty())),
            }
        }

        #[test]
        fn every_valid_answer_set_is_accepted(values in prop::collection::vec(1u8..=4, 8)) {
            let form = shipped("ipkp");
            let r = RawSubmission {
                answers: form.items.iter().zip(&values)
                    .map(|(i, v)| (i.id.clone(), json!(v))).collect(),
                ..RawSubmission::default()
            };
            let v = validate_submission(&form, &[], &r).unwrap();
            let expected: f64 = values.iter().map(|x| f64::from(*x) / 8.0).sum();
            prop_assert!((v.score - expected).abs() < 1e-12);
            // Recomputing from the stored answers, in reverse order, gives the very same bits.
            let mut stored = v.answers.clone();
            stored.reverse();
            prop_assert_eq!(form.score(&stored), Some((v.score, v.total)));
        }

        #[test]
        fn fingerprint_changes_with_any_text_edit(k in 0usize..200, extra in "[a-zA-Z ]{1,5}") {
            let form = shipped("skm");
            let mut changed = form.clone();
            let mut texts = texts_mut(&mut changed);
            let n = texts.len();
            texts[k % n].push_str(&extra);
            prop_assert_ne!(changed.fingerprint(), form.fingerprint());
        }
    }
}

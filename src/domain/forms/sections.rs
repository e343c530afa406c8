//! The form-file walker, one method per part of a form (the top level, the scale, items,
//! options, screening and demographic questions). Each pushes its problems and carries on, so a
//! file with ten mistakes gets ten messages.

use std::collections::BTreeMap;

use toml::{Table, Value};

use super::parse::{Cx, join, type_name};
use super::{Choice, Demographic, Form, IndexName, Item, Localized, MAX_FIELD_LEN, Scale, Screening, WEIGHT_SUM_TOLERANCE};

impl Cx<'_> {
    pub(super) fn form(&mut self, t: &Table) -> Option<Form> {
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

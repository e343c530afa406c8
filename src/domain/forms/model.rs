//! The form model: what a parsed, validated form file is (its items, scale, screening and
//! demographic questions), and the few questions the rest of the service asks of it.
//!
//! Plain data with `serde` derives: the canonical content of a form version ([`super::canonical`])
//! is this model serialised, so a field added or reordered here changes every fingerprint.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Localized;

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

    /// Whether `value` is one of [`Demographic::choices`].
    pub fn accepts(&self, value: &str, service_types: &[String]) -> bool {
        if self.from_service_types {
            service_types.iter().any(|s| s == value)
        } else {
            self.options.iter().any(|c| c.value == value)
        }
    }
}

/// A parsed, validated form. Its [`Form::canonical_json`] is the content frozen
/// once a campaign uses this `(id, version)`; the field order here is part of that content.
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

#[cfg(test)]
mod tests {
    use super::super::testing::shipped;
    use super::*;

    #[test]
    fn index_names_and_scale_labels() {
        for n in IndexName::ALL {
            assert_eq!(IndexName::parse(n.as_str()), Some(n));
            assert_eq!(serde_json::to_string(&n).unwrap(), format!("\"{n}\""));
        }
        assert_eq!(IndexName::parse("SKM"), None);
        let scale = shipped("ipkp").scale;
        assert_eq!(scale.values(), 1..=4);
        assert_eq!(scale.label(1).map(|l| l.en.as_str()), Some("Strongly disagree"));
        assert!(scale.label(0).is_none() && scale.label(5).is_none() && !scale.contains(0));
    }
}

//! What each submission is: its channel and format (an even mix), and a complete, valid set of
//! answers for the campaign's form, as a JSON body, an HTML form post or the domain's raw
//! submission. Pure, so it is unit-tested here; the runs in `service` and `baseline` share it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use integritas::domain::forms::{Form, RawSubmission};
use rand::Rng;
use serde_json::json;

/// How one submission is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    OpenLink,
    Token,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Html,
}

/// The i-th submission's channel and format: an even mix of all four combinations.
pub(crate) fn plan(i: u64) -> (Channel, Format) {
    match i % 4 {
        0 => (Channel::OpenLink, Format::Json),
        1 => (Channel::Token, Format::Html),
        2 => (Channel::OpenLink, Format::Html),
        _ => (Channel::Token, Format::Json),
    }
}

/// A complete, valid set of answers for a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answers {
    pub(crate) items: Vec<(String, u8)>,
    pub(crate) screening: Vec<(String, String)>,
    pub(crate) demographics: Vec<(String, String)>,
}

/// Every item answered on the form's scale; every screening question answered with a value that
/// does not flag (one response in ten does, as in real life); every demographic answered.
pub(crate) fn make_answers(form: &Form, service_types: &[String], rng: &mut impl Rng) -> Answers {
    let items = form
        .items
        .iter()
        .map(|i| (i.id.clone(), rng.random_range(1..=form.scale.max)))
        .collect();
    let flag = rng.random_range(0..10) == 0;
    let screening = form
        .screening
        .iter()
        .filter_map(|s| {
            let pick = s.options.iter().find(|o| s.flags(&o.value) == flag).or(s.options.first())?;
            Some((s.id.clone(), pick.value.clone()))
        })
        .collect();
    let demographics = form
        .demographics
        .iter()
        .filter_map(|d| {
            let choices = d.choices(service_types);
            if choices.is_empty() {
                return None;
            }
            let c = &choices[rng.random_range(0..choices.len())];
            Some((d.id.clone(), c.value.clone()))
        })
        .collect();
    Answers {
        items,
        screening,
        demographics,
    }
}

/// The JSON API body.
pub(crate) fn json_body(a: &Answers, render_token: &str) -> serde_json::Value {
    let obj = |pairs: &[(String, String)]| -> serde_json::Map<String, serde_json::Value> {
        pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect()
    };
    json!({
        "answers": a.items.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "screening": obj(&a.screening),
        "demographics": obj(&a.demographics),
        "render_token": render_token,
    })
}

/// The HTML form's fields, as a browser posts them (the honeypot `website` left empty).
pub(crate) fn form_pairs(a: &Answers, render_token: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = a.items.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
    out.extend(a.screening.iter().cloned());
    out.extend(a.demographics.iter().cloned());
    out.push(("render_token".into(), render_token.to_owned()));
    out.push(("website".into(), String::new()));
    out
}

/// The domain's view of the same answers (for the baseline rows).
pub(crate) fn raw_submission(a: &Answers) -> RawSubmission {
    RawSubmission {
        answers: a.items.iter().map(|(k, v)| (k.clone(), json!(v))).collect(),
        screening: a.screening.clone(),
        demographics: a.demographics.clone(),
    }
}

/// Hands out submission numbers until the count or the time is up.
pub(crate) struct Work {
    pub(crate) next: AtomicU64,
    pub(crate) count: Option<u64>,
    pub(crate) deadline: Option<Instant>,
}

impl Work {
    pub(crate) fn take(&self) -> Option<u64> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        match self.count {
            Some(n) if i >= n => None,
            _ => Some(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use integritas::domain::forms::validate_submission;
    use std::collections::BTreeMap;

    fn ipkp() -> Form {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../forms/ipkp.toml")).unwrap();
        integritas::domain::forms::parse_form("ipkp.toml", &text).unwrap()
    }

    fn types() -> Vec<String> {
        vec!["Paspor".into(), "Visa".into()]
    }

    #[test]
    fn the_plan_mixes_channels_and_formats_evenly() {
        let mut seen = BTreeMap::new();
        for i in 0..400 {
            *seen.entry(format!("{:?}", plan(i))).or_insert(0) += 1;
        }
        assert_eq!(seen.len(), 4);
        assert!(seen.values().all(|n| *n == 100), "{seen:?}");
    }

    #[test]
    fn generated_answers_are_complete_and_valid() {
        let form = ipkp();
        let mut rng = rand::rng();
        let mut flagged = 0;
        for _ in 0..500 {
            let a = make_answers(&form, &types(), &mut rng);
            assert_eq!(a.items.len(), form.items.len());
            assert_eq!(a.demographics.len(), form.demographics.len());
            let v = validate_submission(&form, &types(), &raw_submission(&a)).expect("valid");
            assert_eq!(v.answers.len(), 8);
            flagged += v.flagged_screening as u32;
        }
        assert!((10..150).contains(&flagged), "about one in ten flagged, got {flagged}");
    }

    #[test]
    fn both_bodies_carry_every_answer_and_the_render_token() {
        let form = ipkp();
        let a = make_answers(&form, &types(), &mut rand::rng());
        let j = json_body(&a, "123.sig");
        assert_eq!(j["render_token"], "123.sig");
        assert_eq!(j["answers"].as_object().unwrap().len(), 8);
        assert_eq!(j["answers"]["informasi"].as_u64().unwrap() as u8, a.items[0].1);
        assert!(j["demographics"]["layanan"].is_string());
        let f = form_pairs(&a, "123.sig");
        assert!(f.contains(&("render_token".into(), "123.sig".into())));
        assert!(f.contains(&("website".into(), String::new())), "the honeypot is posted empty");
        assert_eq!(f.len(), 8 + a.screening.len() + a.demographics.len() + 2);
    }

    #[test]
    fn work_stops_at_the_count() {
        let w = Work {
            next: AtomicU64::new(0),
            count: Some(3),
            deadline: None,
        };
        assert_eq!((w.take(), w.take(), w.take(), w.take()), (Some(0), Some(1), Some(2), None));
        let late = Work {
            next: AtomicU64::new(0),
            count: None,
            deadline: Some(Instant::now()),
        };
        assert_eq!(late.take(), None);
    }
}

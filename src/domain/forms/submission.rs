//! A citizen's submission and its validation against a form: what arrives
//! ([`RawSubmission`]), what is stored ([`ValidSubmission`]), and every refusal keyed by field
//! ([`FieldErrors`]).
//!
//! A submission is pairs rather than maps, so a key sent twice is refused instead of silently
//! overwritten; each field's problems are collected, never just the first.

use serde::Serialize;

use super::{FieldError, FieldErrors, Form, MAX_FIELD_LEN, Scale};

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
    use proptest::prelude::*;
    use serde_json::json;

    use super::super::testing::{MINIMAL, all_answers, pairs, raw, shipped};
    use super::super::{Lang, parse_form};
    use super::*;

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
    }
}

//! The schemas of the values the API accepts, written once from the parsers that enforce them
//! (`domain::values`, `domain::credentials`, `domain::scoring` and the route modules), so the
//! OpenAPI document promises exactly what the server takes: every value a schema admits is
//! accepted, every value it refuses is refused (422; 404 for a path). Request structs point at
//! these with `#[schema(value_type = …)]` / `#[param(value_type = …)]`; the unit tests below
//! check each pattern against its parser, `tests/api/openapi.rs` each bound against the server.
//!
//! Patterns are ECMA-262 (as JSON Schema says) and use only what ECMA-262, Python's `re` and
//! Rust's `regex` read alike: classes with `\uXXXX` escapes, `{m,n}`, `(?:…)`, `^…$`.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// Rust's whitespace (`char::is_whitespace`, Unicode `White_Space`): what `str::trim` removes.
const WHITESPACE: &str = r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Neither whitespace nor a control character (`char::is_control`, category Cc): the first and
/// last character of a trimmed text.
const EDGE: &str = r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
/// Anything but a control character: the inside of a text.
const INNER: &str = r"[^\u0000-\u001F\u007F-\u009F]";

/// The pattern of what `domain::values::Text::parse(_, max)` accepts with at least `min`
/// characters: any surrounding whitespace, then `min..=max` characters that start and end with a
/// visible one and contain no control character.
pub fn text_pattern(min: usize, max: usize) -> String {
    assert!(1 <= min && min <= max && max >= 2, "a text pattern needs 1 ≤ min ≤ max, max ≥ 2");
    let ws = format!("[{WHITESPACE}]*");
    if min == 1 {
        format!("^{ws}{EDGE}(?:{INNER}{{0,{}}}{EDGE})?{ws}$", max - 2)
    } else {
        format!("^{ws}{EDGE}{INNER}{{{},{}}}{EDGE}{ws}$", min - 2, max - 2)
    }
}

/// What `domain::values::Slug::parse` accepts.
pub fn slug_pattern() -> String {
    format!("^[{WHITESPACE}]*[a-z0-9][a-z0-9-]{{0,62}}[a-z0-9][{WHITESPACE}]*$")
}

/// What `KinerjaGrade::from_str` accepts: one letter A–E, either case, whitespace around.
pub fn kinerja_pattern() -> String {
    format!("^[{WHITESPACE}]*[A-Ea-e][{WHITESPACE}]*$")
}

/// What `looks_like_link_code` or `looks_like_token` accepts (anything else is 404): a link code,
/// a token code (25 characters without look-alikes, any case, run together or in dashed groups
/// of five) or a legacy 22-character token.
pub const SURVEY_CODE_PATTERN: &str = "^(?:[23456789abcdefghjkmnpqrstuvwxyz]{10}|[A-Za-z0-9_-]{22}|[2-9A-HJKMNP-Za-hjkmnp-z]{25}|(?:[2-9A-HJKMNP-Za-hjkmnp-z]{5}-){4}[2-9A-HJKMNP-Za-hjkmnp-z]{5})$";

/// The forms the binary ships (a forms folder may add more; these are always there).
pub const SHIPPED_FORMS: [&str; 3] = ["ipak", "ipkp", "skm"];

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn text(min: usize, max: usize) -> RefOr<Schema> {
    let description = if min == 1 {
        format!("1–{max} characters once trimmed, without control characters.")
    } else {
        format!("{min}–{max} characters once trimmed, without control characters.")
    };
    string().pattern(Some(text_pattern(min, max))).description(Some(description)).into()
}

/// Declares a doc-only type whose schema is built by `$schema` and named `$name` in the document.
macro_rules! doc_schema {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $schema:expr) => {
        $(#[$doc])*
        pub struct $ty;
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }
        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

doc_schema!(
    /// A name, title or institution: `Text::parse(_, 200)`.
    Text200,
    "Text200",
    text(1, 200)
);
doc_schema!(
    /// A label or a service type: `Text::parse(_, 100)`.
    Text100,
    "Text100",
    text(1, 100)
);
doc_schema!(
    /// A written reason for an exclusion: `Text::parse(_, 1000)`, at least 5 characters.
    Reason,
    "Reason",
    text(5, 1000)
);
doc_schema!(
    /// A unit's slug: `Slug::parse`.
    Slug,
    "Slug",
    string()
        .pattern(Some(slug_pattern()))
        .description(Some(
            "2–64 lowercase letters, digits or dashes, not starting or ending with a dash (whitespace around is trimmed).",
        ))
        .into()
);
doc_schema!(
    /// A unit's service types: `parse_service_types`.
    ServiceTypes,
    "ServiceTypes",
    ArrayBuilder::new()
        .items(Text100::schema())
        .min_items(Some(1))
        .max_items(Some(50))
        .unique_items(true)
        .description(Some(
            "1–50 service types; no two the same once trimmed, ignoring the case of ASCII letters.",
        ))
        .into()
);
doc_schema!(
    /// The id of a form to pin.
    FormId,
    "FormId",
    string()
        .enum_values(Some(SHIPPED_FORMS))
        .description(Some("A form id: the shipped `ipak`, `ipkp`, `skm`, or one added by `INTEGRITAS_FORMS_DIR`."))
        .into()
);
doc_schema!(
    /// A capaian kinerja grade as a query parameter: `KinerjaGrade::from_str`.
    KinerjaParam,
    "KinerjaParam",
    string()
        .pattern(Some(kinerja_pattern()))
        .description(Some("A–E (either case)."))
        .into()
);
doc_schema!(
    /// A survey code in a path: an open link's code or a single-use token.
    SurveyCode,
    "SurveyCode",
    string()
        .pattern(Some(SURVEY_CODE_PATTERN))
        .description(Some(
            "An open link's 10-character code, or a single-use token: 25 characters without look-alikes (any case, run together or in five dashed groups of five) or a legacy 22-character one; anything else names nothing (404).",
        ))
        .into()
);
doc_schema!(
    /// The representations of a token batch.
    TokenFormat,
    "TokenFormat",
    string()
        .enum_values(Some(["json", "csv", "html"]))
        .description(Some(
            "`html`: a printable sheet of slips (up to 1,000 tokens); `csv` (also chosen by `Accept: text/csv`); `json` (the default).",
        ))
        .into()
);
doc_schema!(
    /// The representations of the national hasil table.
    HasilFormat,
    "HasilFormat",
    string()
        .enum_values(Some(HASIL_FORMATS))
        .description(Some("`csv` (also chosen by `Accept: text/csv`), `xlsx`, or `json` (the default)."))
        .into()
);

/// The values `?format=` takes on the hasil routes.
pub const HASIL_FORMATS: [&str; 3] = ["json", "csv", "xlsx"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::credentials::{looks_like_link_code, looks_like_token};
    use crate::domain::scoring::KinerjaGrade;
    use crate::domain::values::{Slug as SlugValue, Text};
    use proptest::prelude::*;
    use regex::Regex;

    fn re(p: &str) -> Regex {
        Regex::new(p).unwrap()
    }

    /// Characters that sit on every edge of the patterns: whitespace (trimmed or not), controls,
    /// letters in both cases, digits, dashes and a few non-ASCII ones.
    fn tricky() -> impl Strategy<Value = String> {
        let chars = prop::sample::select(vec![
            ' ', '\t', '\n', '\r', '\u{0b}', '\u{0c}', '\u{85}', '\u{a0}', '\u{2003}', '\u{3000}', '\u{feff}', '\u{0}', '\u{1f}', '\u{7f}',
            '\u{9f}', 'a', 'z', 'A', 'E', 'F', 'e', 'k', '0', '9', '-', '_', 'é', '字', '\u{200b}',
        ]);
        prop::collection::vec(chars, 0..12).prop_map(|v| v.into_iter().collect())
    }

    fn text_ok(s: &str, min: usize, max: usize) -> bool {
        Text::parse(s, max).is_ok_and(|t| t.as_str().chars().count() >= min)
    }

    proptest! {
        #[test]
        fn the_text_pattern_is_the_parser(s in tricky(), min in 1usize..4, extra in 0usize..6) {
            let max = (min + extra).max(2);
            prop_assert_eq!(re(&text_pattern(min, max)).is_match(&s), text_ok(&s, min, max), "{:?}", s);
        }

        #[test]
        fn the_slug_pattern_is_the_parser(s in tricky()) {
            prop_assert_eq!(re(&slug_pattern()).is_match(&s), SlugValue::parse(&s).is_ok(), "{:?}", s);
        }

        #[test]
        fn the_kinerja_pattern_is_the_parser(s in tricky()) {
            prop_assert_eq!(re(&kinerja_pattern()).is_match(&s), s.parse::<KinerjaGrade>().is_ok(), "{:?}", s);
        }

        #[test]
        fn the_code_pattern_is_the_parser(s in "[a-zA-Z0-9_ -]{8,30}") {
            let ok = looks_like_link_code(&s) || looks_like_token(&s);
            prop_assert_eq!(re(SURVEY_CODE_PATTERN).is_match(&s), ok, "{:?}", s);
        }
    }

    #[test]
    fn the_code_pattern_takes_token_codes_as_printed_or_run_together() {
        let p = re(SURVEY_CODE_PATTERN);
        for _ in 0..50 {
            let (t, _) = crate::domain::credentials::new_token();
            let run = t.replace('-', "");
            for s in [
                t.clone(),
                t.to_lowercase(),
                run.clone(),
                run.to_lowercase(),
                format!("{}-{}", &run[..3], &run[3..]),
            ] {
                assert_eq!(p.is_match(&s), looks_like_token(&s), "{s}");
            }
            assert!(p.is_match(&t) && p.is_match(&run.to_lowercase()));
        }
    }

    #[test]
    fn text_bounds_are_exact() {
        for (min, max) in [(1, 100), (1, 200), (5, 1000)] {
            let p = re(&text_pattern(min, max));
            let at_max = "x".repeat(max);
            let past_max = "x".repeat(max + 1);
            assert!(p.is_match(&at_max) && text_ok(&at_max, min, max));
            assert!(!p.is_match(&past_max) && !text_ok(&past_max, min, max));
            let padded = format!("  {at_max}\t");
            assert!(p.is_match(&padded) && text_ok(&padded, min, max));
            let at_min = "y".repeat(min);
            assert!(p.is_match(&at_min) && text_ok(&at_min, min, max));
            if min > 1 {
                let under = "y".repeat(min - 1);
                assert!(!p.is_match(&under) && !text_ok(&under, min, max));
            }
        }
        let slug = re(&slug_pattern());
        assert!(slug.is_match(&"a".repeat(64)) && !slug.is_match(&"a".repeat(65)));
    }
}

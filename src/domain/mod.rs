//! Pure domain logic: no actix, no sea-orm. Everything here is unit- and property-tested.
//!
//! * [`access`] — who may do what: the caller's key and the role rules;
//! * [`forms`] — survey definitions (the instruments), their validation and a citizen's answers;
//! * [`language`] — Bahasa Indonesia first, English on request, and the one bilingual text type;
//! * [`stats`] — the statistics of DESIGN §3, from sufficient statistics the database computes;
//! * [`scoring`] — the ZI rule sets, hasil scores and WBK/WBBM verdicts;
//! * [`thresholds`] — the survey-index thresholds the rule sets imply, read from their tables;
//! * [`sample_size`] — Krejcie & Morgan;
//! * [`credentials`] — API keys, single-use tokens, link codes, render tokens, and their hashes;
//! * [`values`] — "parse, don't validate" newtypes for what the API accepts;
//! * [`ledger`] — content hashes of responses and the hash chain of sealed blocks.

pub mod access;
pub mod campaign;
pub mod credentials;
pub mod forms;
pub mod language;
pub mod ledger;
pub mod respond;
pub mod sample_size;
pub mod scoring;
pub mod stats;
pub mod thresholds;
pub mod values;

/// Now, truncated to the microsecond: PostgreSQL keeps microseconds and SQLite nanoseconds, and
/// a value must read back equal on both.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    truncate_micros(chrono::Utc::now())
}

pub fn truncate_micros(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    use chrono::Timelike;
    let nanos = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(nanos).unwrap_or(t)
}

/// Fuzzing the form-file parser: arbitrary text, and the shipped forms with random bytes changed,
/// must give a form or a list of problems naming the file — never a panic. The case count is
/// small by default (CI); `PROPTEST_CASES=100000 cargo test --lib fuzz_` runs the long fuzz.
#[cfg(test)]
mod fuzz_forms {
    use proptest::prelude::*;

    use super::forms::parse_form;

    fn shipped(id: &str) -> String {
        std::fs::read_to_string(format!("{}/forms/{id}.toml", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)))]

        #[test]
        fn fuzz_parser_never_panics_on_arbitrary_text(text in ".{0,2000}") {
            if let Err(problems) = parse_form("fuzz.toml", &text) {
                prop_assert!(!problems.is_empty());
                prop_assert!(problems.iter().all(|p| p.file == "fuzz.toml"));
            }
        }

        #[test]
        fn fuzz_parser_never_panics_on_mutated_forms(which in 0usize..3, edits in prop::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..8)) {
            let mut chars: Vec<char> = shipped(["ipak", "ipkp", "skm"][which]).chars().collect();
            for (at, c) in edits {
                let i = at.index(chars.len());
                chars[i] = c;
            }
            let text: String = chars.into_iter().collect();
            match parse_form("mutated.toml", &text) {
                Ok(form) => {
                    // Whatever parses is a valid form: weights sum to 1, ids are unique.
                    let sum: f64 = form.items.iter().map(|i| i.weight).sum();
                    prop_assert!((sum - 1.0).abs() < 1e-6);
                    let mut ids: Vec<&str> = form.items.iter().map(|i| i.id.as_str()).collect();
                    ids.sort_unstable();
                    ids.dedup();
                    prop_assert_eq!(ids.len(), form.items.len());
                }
                Err(problems) => prop_assert!(!problems.is_empty()),
            }
        }
    }
}

//! Fuzzing the form-file parser: arbitrary text, and the shipped forms with random characters
//! changed, must give a form or a list of problems naming the file — never a panic. The case
//! count is small by default (CI); `PROPTEST_CASES=100000 cargo test --lib fuzz_` runs the long
//! fuzz.

use proptest::prelude::*;

use super::{SHIPPED, parse_form};

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
        let mut chars: Vec<char> = SHIPPED[which].1.chars().collect();
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

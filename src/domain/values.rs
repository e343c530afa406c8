//! "Parse, don't validate": the values the API accepts, each checked once at the edge.

use std::fmt;

/// Why a value was refused, in English for the API.
pub type Refusal = String;

/// A trimmed, non-empty text of bounded length without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn parse(raw: &str, max: usize) -> Result<Text, Refusal> {
        let t = raw.trim();
        if t.is_empty() {
            return Err("must not be empty".into());
        }
        if t.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        if t.chars().any(|c| c.is_control()) {
            return Err("must not contain control characters".into());
        }
        Ok(Text(t.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A unit's slug: lowercase letters, digits and dashes, 2–64 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Slug, Refusal> {
        let s = raw.trim();
        let ok = (2..=64).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err("must be 2–64 lowercase letters, digits or dashes".into())
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit's service types (the `layanan` choices): 1–50 distinct non-empty names.
pub fn parse_service_types(raw: &[String]) -> Result<Vec<String>, Refusal> {
    if raw.is_empty() {
        return Err("list at least one service type".into());
    }
    if raw.len() > 50 {
        return Err("at most 50 service types".into());
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for r in raw {
        let t = Text::parse(r, 100).map_err(|e| format!("each service type {e}"))?;
        if out.iter().any(|o| o.eq_ignore_ascii_case(t.as_str())) {
            return Err(format!("`{t}` is listed twice"));
        }
        out.push(t.into_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn texts() {
        assert_eq!(Text::parse("  Loket 2 ", 10).unwrap().as_str(), "Loket 2");
        assert!(Text::parse("   ", 10).is_err());
        assert!(Text::parse("abcdefghijk", 10).is_err());
        assert!(Text::parse("a\u{0}b", 10).is_err());
    }

    #[test]
    fn slugs() {
        assert!(Slug::parse("kpp-pratama-1").is_ok());
        assert!(Slug::parse("KPP").is_err());
        assert!(Slug::parse("-x").is_err());
        assert!(Slug::parse("a").is_err());
    }

    #[test]
    fn service_types() {
        assert!(parse_service_types(&[]).is_err());
        assert!(parse_service_types(&["A".into(), "a".into()]).is_err());
        assert_eq!(parse_service_types(&[" Paspor ".into()]).unwrap(), vec!["Paspor".to_string()]);
    }

    proptest! {
        #[test]
        fn parsed_text_is_trimmed_and_bounded(s in ".{0,300}") {
            if let Ok(t) = Text::parse(&s, 200) {
                prop_assert!(!t.as_str().is_empty());
                prop_assert!(t.as_str().chars().count() <= 200);
                prop_assert_eq!(t.as_str(), t.as_str().trim());
            }
        }
    }
}

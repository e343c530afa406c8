//! The two languages of everything a citizen or a unit reads: Bahasa Indonesia first, English
//! on request ([`Lang`]), and the one type that holds a text in both ([`Localized`]).
//!
//! Form files carry owned texts (`Localized<String>`); pages and messages written into the code
//! use `Localized<&'static str>` ([`Text`]) constants, so there is one way to hold bilingual text.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The language a citizen reads: Bahasa Indonesia by default, English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// `?lang=` wins when it names a language we have; otherwise the
    /// `Accept-Language` header decides between Indonesian and English by
    /// quality value, then by order; otherwise Indonesian.
    pub fn from_query_or_header(query: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = query.and_then(Lang::from_tag) {
            return lang;
        }
        accept_language.and_then(Lang::from_accept_language).unwrap_or_default()
    }

    /// ISO 639-1 code: `"id"` or `"en"`.
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// Reads a language tag such as `en`, `en-GB`, `id-ID` (or the legacy `in`).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "id" | "in" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Best of Indonesian and English in an `Accept-Language` header, or `None`
    /// when the header names neither (or refuses both with `q=0`).
    fn from_accept_language(header: &str) -> Option<Lang> {
        // (q, position) of the best entry seen for each language.
        let mut best: Option<(f64, usize, Lang)> = None;
        for (pos, entry) in header.split(',').enumerate() {
            let mut parts = entry.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_tag) else {
                continue;
            };
            let mut q = 1.0;
            for param in parts {
                if let Some((k, v)) = param.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = match v.trim().parse::<f64>() {
                        Ok(q) if (0.0..=1.0).contains(&q) => q,
                        _ => 0.0, // a malformed q is treated as "not acceptable"
                    };
                }
            }
            if q <= 0.0 {
                continue;
            }
            // Strictly greater: on equal q the earlier entry wins.
            if best.is_none_or(|(bq, _, _)| q > bq) {
                best = Some((q, pos, lang));
            }
        }
        best.map(|(_, _, lang)| lang)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A text in both languages: the one way bilingual text is held, whether it comes from a form
/// file (`Localized<String>`, the default) or is written into the code
/// (`Localized<&'static str>`, usable in `const`s: `Localized { id: "Kirim", en: "Send" }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct Localized<T = String> {
    /// Bahasa Indonesia.
    #[schema(value_type = String)]
    pub id: T,
    /// English.
    #[schema(value_type = String)]
    pub en: T,
}

/// Bilingual text written into the code.
pub type Text = Localized<&'static str>;

impl Localized<String> {
    pub fn new(id: impl Into<String>, en: impl Into<String>) -> Self {
        Localized {
            id: id.into(),
            en: en.into(),
        }
    }
}

impl<T: AsRef<str>> Localized<T> {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => self.id.as_ref(),
            Lang::En => self.en.as_ref(),
        }
    }

    /// Both, Indonesian first: `"Kirim / Send"`, for pages that show both at once.
    pub fn both(&self) -> String {
        format!("{} / {}", self.id.as_ref(), self.en.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        const SEND: Text = Text { id: "Kirim", en: "Send" };
        assert_eq!((SEND.get(En), SEND.both()), ("Send", "Kirim / Send".to_owned()));
    }
}

//! What the page tests share: the shipped ipkp form, the rules every citizen page keeps, and
//! writing a rendered page out for a look in a browser.

use crate::domain::forms::{Form, parse_form};

pub(crate) fn ipkp() -> Form {
    let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/forms/ipkp.toml"));
    parse_form("forms/ipkp.toml", text).expect("ipkp.toml parses")
}

/// Checks the universal page rules: doctype, lang, viewport, no script, no event handler,
/// nothing from another host (outside `allowed` URLs).
pub(crate) fn check_common(html: &str, lang: &str, allowed: &[&str]) {
    assert!(html.starts_with("<!DOCTYPE html>"), "doctype");
    assert!(html.contains(&format!("<html lang=\"{lang}\">")), "html lang");
    assert!(html.contains("<meta name=\"viewport\""), "viewport");
    assert!(html.contains("<title>"), "title");
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "no script");
    assert_no_event_handlers(&lower);
    let mut rest = html.to_owned();
    for url in allowed {
        rest = rest.replace(url, "");
    }
    assert!(!rest.contains("http://"), "no http:// outside allowed urls");
    assert!(!rest.contains("https://"), "no https:// outside allowed urls");
    assert!(!rest.contains("//"), "no protocol-relative urls: {rest}");
}

/// No `on…=` attribute anywhere in the (lower-cased) page.
pub(crate) fn assert_no_event_handlers(lower: &str) {
    for (at, _) in lower.match_indices(" on") {
        let name: String = lower[at + 3..].chars().take_while(char::is_ascii_alphabetic).collect();
        let after = &lower[at + 3 + name.len()..];
        assert!(name.is_empty() || !after.starts_with('='), "event handler attribute on{name}");
    }
}

/// Writes a rendered page to `$PAGES_OUT_DIR/name` for a look in a browser (nothing is written
/// when the variable is unset).
pub(crate) fn write_out(name: &str, html: &str) {
    if let Ok(dir) = std::env::var("PAGES_OUT_DIR")
        && std::fs::create_dir_all(&dir).is_ok()
    {
        let _ = std::fs::write(format!("{dir}/{name}"), html);
    }
}

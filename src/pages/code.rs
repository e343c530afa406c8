//! `/kode`: where a citizen types the code printed on a slip (or under a poster's QR code) when
//! the camera will not scan it. One field, Indonesian first, English on request; the code is read
//! in any case, with or without its dashes.

use askama::Template;

use super::render::{Fallback, render};
use super::{OtherLanguage, other_language};
use crate::domain::language::{Lang, Text};

const TITLE: Text = Text {
    id: "Masukkan kode survei",
    en: "Enter your survey code",
};
const INTRO: Text = Text {
    id: "Ketik kode yang tercetak pada kupon atau poster. Huruf besar atau kecil sama saja; tanda hubung boleh diketik atau tidak.",
    en: "Type the code printed on your slip or poster. Upper or lower case is the same; the dashes are optional.",
};
const LABEL: Text = Text { id: "Kode", en: "Code" };
const HINT: Text = Text {
    id: "Contoh: 7KQ4M-XW2PB-…",
    en: "Example: 7KQ4M-XW2PB-…",
};
const OPEN: Text = Text {
    id: "Buka survei",
    en: "Open the survey",
};
const UNKNOWN: Text = Text {
    id: "Kode ini tidak dikenali. Periksa lagi setiap hurufnya: kode hanya memakai angka 2–9 dan huruf tanpa I, L dan O.",
    en: "This code is not recognised. Check each character: codes use the digits 2–9 and letters other than I, L and O.",
};

/// The code page, empty or refused.
pub struct CodePage<'a> {
    pub lang: Lang,
    /// What was typed (kept when refused).
    pub value: &'a str,
    pub refused: bool,
}

#[derive(Template)]
#[template(path = "code.html", whitespace = "minimize")]
struct CodeTemplate<'a> {
    lang: Lang,
    other: OtherLanguage,
    title: &'static str,
    intro: &'static str,
    label: &'static str,
    hint: &'static str,
    open: &'static str,
    error: Option<&'static str>,
    value: &'a str,
}

/// The code page.
pub fn code_page(p: &CodePage) -> String {
    let l = p.lang;
    render(
        &CodeTemplate {
            lang: l,
            other: other_language(l),
            title: TITLE.get(l),
            intro: INTRO.get(l),
            label: LABEL.get(l),
            hint: HINT.get(l),
            open: OPEN.get(l),
            error: p.refused.then(|| UNKNOWN.get(l)),
            value: p.value,
        },
        Fallback::Citizen(l),
    )
}

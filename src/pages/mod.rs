//! Server-rendered HTML pages: the citizen's survey form, the thank-you page, friendly refusal
//! pages, the printable A4 poster and token slips ([`report`] holds the signed-in pages).
//!
//! Pure: data in, `String` out. Templates live in `templates/` (askama, HTML auto-escaping on).
//! Every citizen page is Bahasa Indonesia first, English on request ([`Lang`]); the printed
//! pages are bilingual. Fixed texts are [`Text`](crate::domain::language::Text) constants beside
//! the page that shows them. Pages load nothing from any host and contain no JavaScript, so
//! they work under the CSP
//! `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'`.
//!
//! One file per page family (`survey`, `notice`, `printables`, `report/`), and what they share:
//! `format` (numbers and dates), `chart` (SVG geometry drawn by templates), `render` (a failed
//! render is logged and answered with a fallback page).

mod chart;
mod code;
mod format;
pub mod kelola;
mod notice;
mod printables;
mod render;
pub mod report;
mod survey;
#[cfg(test)]
mod test_support;

pub use code::{CodePage, code_page};
pub use notice::{MessagePage, Refusal, ThanksPage, message_page, refusal_page, thanks_page};
pub use printables::{PosterPage, SLIPS_PER_SHEET, Slip, SlipsPage, poster_page, slips_page};
pub use survey::{FORM_ERROR_KEY, HONEYPOT_FIELD, RENDER_TOKEN_FIELD, SurveyPage, survey_page};

use crate::domain::language::{Lang, Text};

/// Each language's name in itself, for the link that switches to it.
const LANGUAGE_NAME: Text = Text {
    id: "Bahasa Indonesia",
    en: "English",
};

/// The language a citizen page's language link switches to.
struct OtherLanguage {
    code: Lang,
    name: &'static str,
}

fn other_language(lang: Lang) -> OtherLanguage {
    let code = match lang {
        Lang::Id => Lang::En,
        Lang::En => Lang::Id,
    };
    OtherLanguage {
        code,
        name: LANGUAGE_NAME.get(code),
    }
}

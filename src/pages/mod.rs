//! Server-rendered HTML pages: the citizen's survey form, the thank-you page,
//! friendly refusal pages, and the printable A4 poster and token slips.
//!
//! Pure: data in, `String` out. Templates live in `templates/` (askama, HTML
//! auto-escaping on). Every citizen page is Bahasa Indonesia first, English on
//! request ([`Lang`]); the printed pages are bilingual. Pages load nothing
//! from any host and contain no JavaScript, so they work under the CSP
//! `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'`.

pub mod report;

use std::collections::BTreeMap;

use askama::Template;

use crate::domain::forms::{Form, Lang, Localized};

/// Key of `SurveyPage::errors` holding page-level messages (not tied to a field).
pub const FORM_ERROR_KEY: &str = "_form";

/// Name of the honeypot text input; a human leaves it empty.
pub const HONEYPOT_FIELD: &str = "website";

/// Name of the hidden render-token input.
pub const RENDER_TOKEN_FIELD: &str = "render_token";

/// Slips per printed A4 sheet (3 columns × 7 rows).
pub const SLIPS_PER_SHEET: usize = 21;

// ---------------------------------------------------------------------------
// Fixed texts
// ---------------------------------------------------------------------------

fn other_lang(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::Id => ("en", "English"),
        Lang::En => ("id", "Bahasa Indonesia"),
    }
}

struct SurveyText {
    error_title_prefix: &'static str,
    summary_title: &'static str,
    error_word: &'static str,
    stored: &'static str,
    honeypot: &'static str,
    instructions: &'static str,
    optional: &'static str,
    about_you: &'static str,
    about_you_hint: &'static str,
    choose: &'static str,
    no_answer: &'static str,
    question: &'static str,
    extra_question: &'static str,
    submit: &'static str,
}

const SURVEY_ID: SurveyText = SurveyText {
    error_title_prefix: "Kesalahan: ",
    summary_title: "Ada jawaban yang perlu diperbaiki",
    error_word: "Kesalahan",
    stored: "Survei ini anonim: kami hanya menyimpan jawaban Anda dan tanggal pengisian — tidak ada nama, nomor telepon, alamat IP, atau data lain yang dapat mengenali Anda.",
    honeypot: "Jangan isi kolom ini (biarkan kosong)",
    instructions: "Pilih satu jawaban untuk setiap pernyataan, sesuai pengalaman Anda.",
    optional: "(opsional)",
    about_you: "Tentang Anda",
    about_you_hint: "Boleh dilewati. Hanya dipakai untuk statistik kelompok, bukan untuk mengenali Anda.",
    choose: "— pilih —",
    no_answer: "Tidak ingin menjawab",
    question: "Pertanyaan",
    extra_question: "Pertanyaan tambahan",
    submit: "Kirim jawaban",
};

const SURVEY_EN: SurveyText = SurveyText {
    error_title_prefix: "Error: ",
    summary_title: "Some answers need fixing",
    error_word: "Error",
    stored: "This survey is anonymous: we store only your answers and the date — no name, phone number, IP address or anything else that could identify you.",
    honeypot: "Do not fill in this field (leave it empty)",
    instructions: "Choose one answer for each statement, from your own experience.",
    optional: "(optional)",
    about_you: "About you",
    about_you_hint: "You may skip these. They are used only for group statistics, never to identify you.",
    choose: "— choose —",
    no_answer: "Prefer not to answer",
    question: "Question",
    extra_question: "Additional question",
    submit: "Send answers",
};

fn survey_text(lang: Lang) -> &'static SurveyText {
    match lang {
        Lang::Id => &SURVEY_ID,
        Lang::En => &SURVEY_EN,
    }
}

struct ThanksText {
    title: &'static str,
    received: &'static str,
    helps: &'static str,
    anonymous: &'static str,
    close: &'static str,
}

const THANKS_ID: ThanksText = ThanksText {
    title: "Terima kasih!",
    received: "Jawaban Anda sudah kami terima.",
    helps: "Masukan Anda membantu kami memperbaiki pelayanan.",
    anonymous: "Jawaban Anda disimpan tanpa nama atau data yang dapat mengenali Anda.",
    close: "Anda boleh menutup halaman ini sekarang.",
};

const THANKS_EN: ThanksText = ThanksText {
    title: "Thank you!",
    received: "We have received your answers.",
    helps: "Your feedback helps us improve our service.",
    anonymous: "Your answers are stored without your name or anything that could identify you.",
    close: "You may close this page now.",
};

// ---------------------------------------------------------------------------
// Survey page
// ---------------------------------------------------------------------------

/// Everything the survey form page shows.
pub struct SurveyPage<'a> {
    pub lang: Lang,
    pub form: &'a Form,
    pub unit_name: &'a str,
    pub campaign_title: &'a str,
    /// Choices for a `from_service_types` demographic (e.g. `layanan`).
    pub service_types: &'a [String],
    /// Form POST target, e.g. `/s/abc123?lang=en`.
    pub action: &'a str,
    /// Link to the same page in the other language.
    pub lang_switch_url: &'a str,
    /// Value of the hidden `render_token` input.
    pub render_token: &'a str,
    /// Previously given answers, keyed by field name (item, screening or demographic id).
    pub values: &'a BTreeMap<String, String>,
    /// Messages (already in `lang`) per field name; key [`FORM_ERROR_KEY`] for page-level ones.
    pub errors: &'a BTreeMap<String, Vec<String>>,
}

struct RadioOpt {
    id: String,
    value: String,
    label: String,
    checked: bool,
}

struct RadioGroup<'a> {
    name: &'a str,
    legend: String,
    optional: bool,
    required: bool,
    options: Vec<RadioOpt>,
    err_id: String,
    error: Option<String>,
}

struct SelectOpt {
    value: String,
    label: String,
    selected: bool,
}

struct SelectView<'a> {
    name: &'a str,
    label: &'a str,
    options: Vec<SelectOpt>,
    err_id: String,
    error: Option<String>,
}

struct SummaryEntry {
    href: Option<String>,
    label: String,
    message: String,
}

#[derive(Template)]
#[template(path = "survey.html", whitespace = "minimize")]
struct SurveyTemplate<'a> {
    lang: &'static str,
    other_lang: &'static str,
    other_lang_name: &'static str,
    t: &'static SurveyText,
    unit_name: &'a str,
    campaign_title: &'a str,
    form_title: &'a str,
    intro: Option<&'a str>,
    action: &'a str,
    lang_switch_url: &'a str,
    render_token: &'a str,
    has_errors: bool,
    form_errors: Vec<&'a str>,
    summary: Vec<SummaryEntry>,
    groups: Vec<RadioGroup<'a>>,
    selects: Vec<SelectView<'a>>,
}

fn joined(errors: &BTreeMap<String, Vec<String>>, key: &str) -> Option<String> {
    errors.get(key).filter(|m| !m.is_empty()).map(|m| m.join(" "))
}

/// The survey form.
pub fn survey_page(p: &SurveyPage) -> String {
    let lang = p.lang;
    let t = survey_text(lang);
    let (other, other_name) = other_lang(lang);
    let form = p.form;
    let value = |name: &str| p.values.get(name).map(String::as_str);
    let mut summary = Vec::new();
    let mut groups = Vec::new();

    for (n, item) in form.items.iter().enumerate() {
        let name = item.id.as_str();
        let options = form
            .scale
            .values()
            .map(|v| {
                let v_str = v.to_string();
                let label = form.scale.label(v).map_or("", |l| l.get(lang));
                RadioOpt {
                    id: format!("{name}-{}", v - 1),
                    checked: value(name) == Some(v_str.as_str()),
                    label: format!("{v} — {label}"),
                    value: v_str,
                }
            })
            .collect();
        let error = joined(p.errors, name);
        if let Some(e) = &error {
            summary.push(SummaryEntry {
                href: Some(format!("#{name}-0")),
                label: format!("{} {}", t.question, n + 1),
                message: e.clone(),
            });
        }
        groups.push(RadioGroup {
            name,
            legend: format!("{}. {}", n + 1, item.text.get(lang)),
            optional: false,
            required: true,
            options,
            err_id: format!("{name}-err"),
            error,
        });
    }

    for s in &form.screening {
        let name = s.id.as_str();
        let mut options: Vec<RadioOpt> = s
            .options
            .iter()
            .enumerate()
            .map(|(i, c)| RadioOpt {
                id: format!("{name}-{i}"),
                value: c.value.clone(),
                label: c.label.get(lang).to_owned(),
                checked: value(name) == Some(c.value.as_str()),
            })
            .collect();
        if !s.required {
            // An empty value means "not given": lets the citizen take back a choice.
            options.push(RadioOpt {
                id: format!("{name}-{}", options.len()),
                value: String::new(),
                label: t.no_answer.to_owned(),
                checked: value(name) == Some(""),
            });
        }
        let error = joined(p.errors, name);
        if let Some(e) = &error {
            summary.push(SummaryEntry {
                href: Some(format!("#{name}-0")),
                label: t.extra_question.to_owned(),
                message: e.clone(),
            });
        }
        groups.push(RadioGroup {
            name,
            legend: s.text.get(lang).to_owned(),
            optional: !s.required,
            required: s.required,
            options,
            err_id: format!("{name}-err"),
            error,
        });
    }

    let mut selects = Vec::new();
    for d in &form.demographics {
        let name = d.id.as_str();
        let options = d
            .choices(p.service_types)
            .into_iter()
            .map(|c| SelectOpt {
                selected: value(name) == Some(c.value.as_str()),
                label: c.label.get(lang).to_owned(),
                value: c.value,
            })
            .collect();
        let label = d.label.get(lang);
        let error = joined(p.errors, name);
        if let Some(e) = &error {
            summary.push(SummaryEntry {
                href: Some(format!("#{name}")),
                label: label.to_owned(),
                message: e.clone(),
            });
        }
        selects.push(SelectView {
            name,
            label,
            options,
            err_id: format!("{name}-err"),
            error,
        });
    }

    // Messages for fields the page does not show (e.g. an unknown key).
    let known =
        |k: &str| k == FORM_ERROR_KEY || form.item(k).is_some() || form.screening_question(k).is_some() || form.demographic(k).is_some();
    for (key, messages) in p.errors {
        if !known(key) && !messages.is_empty() {
            summary.push(SummaryEntry {
                href: None,
                label: format!("“{key}”"),
                message: messages.join(" "),
            });
        }
    }
    let form_errors: Vec<&str> = p
        .errors
        .get(FORM_ERROR_KEY)
        .map(|m| m.iter().map(String::as_str).collect())
        .unwrap_or_default();

    SurveyTemplate {
        lang: lang.code(),
        other_lang: other,
        other_lang_name: other_name,
        t,
        unit_name: p.unit_name,
        campaign_title: p.campaign_title,
        form_title: form.title.get(lang),
        intro: form.intro.as_ref().map(|i| i.get(lang)),
        action: p.action,
        lang_switch_url: p.lang_switch_url,
        render_token: p.render_token,
        has_errors: !summary.is_empty() || !form_errors.is_empty(),
        form_errors,
        summary,
        groups,
        selects,
    }
    .render()
    .unwrap_or_else(|e| fallback(lang, &e))
}

// ---------------------------------------------------------------------------
// Thank-you page
// ---------------------------------------------------------------------------

/// Shown after an accepted submission.
pub struct ThanksPage<'a> {
    pub lang: Lang,
    pub unit_name: &'a str,
    pub campaign_title: &'a str,
}

#[derive(Template)]
#[template(path = "thanks.html", whitespace = "minimize")]
struct ThanksTemplate<'a> {
    lang: &'static str,
    t: &'static ThanksText,
    unit_name: &'a str,
    campaign_title: &'a str,
}

/// The thank-you page.
pub fn thanks_page(p: &ThanksPage) -> String {
    ThanksTemplate {
        lang: p.lang.code(),
        t: match p.lang {
            Lang::Id => &THANKS_ID,
            Lang::En => &THANKS_EN,
        },
        unit_name: p.unit_name,
        campaign_title: p.campaign_title,
    }
    .render()
    .unwrap_or_else(|e| fallback(p.lang, &e))
}

// ---------------------------------------------------------------------------
// Message (refusal) page
// ---------------------------------------------------------------------------

/// A friendly page for every citizen-facing refusal. Its language link is
/// `?lang=xx` relative to the current path.
pub struct MessagePage<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub message: &'a str,
    /// `(href, link text)`, e.g. a reload link.
    pub action: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "message.html", whitespace = "minimize")]
struct MessageTemplate<'a> {
    lang: &'static str,
    other_lang: &'static str,
    other_lang_name: &'static str,
    title: &'a str,
    message: &'a str,
    action: Option<(&'a str, &'a str)>,
}

/// A refusal or notice page.
pub fn message_page(p: &MessagePage) -> String {
    let (other, other_name) = other_lang(p.lang);
    MessageTemplate {
        lang: p.lang.code(),
        other_lang: other,
        other_lang_name: other_name,
        title: p.title,
        message: p.message,
        action: p.action,
    }
    .render()
    .unwrap_or_else(|e| fallback(p.lang, &e))
}

/// Why a citizen's request was refused; each has a polite title and message
/// in both languages and an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 404: no link or token with this code.
    UnknownLink,
    /// 410: the single-use token was already redeemed.
    TokenUsed,
    /// 410: the link or token was withdrawn.
    LinkRevoked,
    /// 410: the link or token expired.
    LinkExpired,
    /// 410: the open link reached its cap.
    LinkFull,
    /// 410: the campaign is closed.
    CampaignClosed,
    /// 410: the campaign has not opened yet.
    CampaignNotYetOpen,
    /// 429: rate limited.
    TooManyRequests { retry_after_secs: u64 },
    /// 400: missing, stale or forged render token.
    StaleForm,
    /// 503: try again later.
    Unavailable,
    /// 400: the honeypot field was filled in.
    Honeypot,
}

impl Refusal {
    /// HTTP status code to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::UnknownLink => 404,
            Refusal::TokenUsed
            | Refusal::LinkRevoked
            | Refusal::LinkExpired
            | Refusal::LinkFull
            | Refusal::CampaignClosed
            | Refusal::CampaignNotYetOpen => 410,
            Refusal::TooManyRequests { .. } => 429,
            Refusal::StaleForm | Refusal::Honeypot => 400,
            Refusal::Unavailable => 503,
        }
    }

    pub fn title(&self, lang: Lang) -> String {
        let (id, en) = match self {
            Refusal::UnknownLink => ("Tautan survei tidak ditemukan", "Survey link not found"),
            Refusal::TokenUsed => ("Kode sudah digunakan", "Code already used"),
            Refusal::LinkRevoked => ("Tautan tidak berlaku lagi", "This link is no longer valid"),
            Refusal::LinkExpired => ("Tautan sudah kedaluwarsa", "This link has expired"),
            Refusal::LinkFull => ("Kuota survei sudah terpenuhi", "This survey is full"),
            Refusal::CampaignClosed => ("Survei sudah ditutup", "The survey is closed"),
            Refusal::CampaignNotYetOpen => ("Survei belum dibuka", "The survey is not open yet"),
            Refusal::TooManyRequests { .. } => ("Terlalu banyak kiriman", "Too many submissions"),
            Refusal::StaleForm => ("Mohon muat ulang formulir", "Please reload the form"),
            Refusal::Unavailable => ("Layanan sedang tidak tersedia", "Service temporarily unavailable"),
            Refusal::Honeypot => ("Kiriman tidak dapat diproses", "Submission not accepted"),
        };
        pick(lang, id, en).to_owned()
    }

    pub fn message(&self, lang: Lang) -> String {
        let (id, en) = match self {
            Refusal::UnknownLink => (
                "Kami tidak menemukan survei untuk tautan atau kode ini. Periksa kembali alamatnya, atau pindai ulang kode QR di tempat layanan.",
                "We could not find a survey for this link or code. Please check the address, or scan the QR code at the service point again.",
            ),
            Refusal::TokenUsed => (
                "Kode survei ini sudah pernah digunakan. Setiap kode hanya berlaku untuk satu kali pengisian. Terima kasih atas partisipasi Anda.",
                "This survey code has already been used. Each code is valid for one response only. Thank you for taking part.",
            ),
            Refusal::LinkRevoked => (
                "Tautan survei ini sudah tidak berlaku. Jika Anda ingin memberi masukan, mintalah tautan atau kode QR yang baru kepada petugas.",
                "This survey link has been withdrawn. If you would like to give feedback, please ask the staff for a new link or QR code.",
            ),
            Refusal::LinkExpired => (
                "Masa berlaku tautan survei ini sudah habis. Terima kasih atas kesediaan Anda untuk mengisi survei.",
                "This survey link has expired. Thank you for being willing to take part.",
            ),
            Refusal::LinkFull => (
                "Tautan survei ini sudah menerima jumlah jawaban maksimum. Terima kasih atas minat Anda.",
                "This survey link has already received the maximum number of answers. Thank you for your interest.",
            ),
            Refusal::CampaignClosed => (
                "Periode survei ini sudah berakhir, sehingga jawaban baru tidak dapat diterima lagi. Terima kasih atas minat Anda.",
                "This survey period has ended, so new answers can no longer be accepted. Thank you for your interest.",
            ),
            Refusal::CampaignNotYetOpen => (
                "Periode survei ini belum dimulai. Silakan coba lagi nanti.",
                "This survey period has not started yet. Please try again later.",
            ),
            Refusal::TooManyRequests { retry_after_secs } => {
                let wait = wait_text(*retry_after_secs, lang);
                return match lang {
                    Lang::Id => format!(
                        "Kami menerima terlalu banyak kiriman dari jaringan Anda dalam waktu singkat, jadi jawaban ini belum tersimpan. Silakan coba lagi dalam {wait}."
                    ),
                    Lang::En => format!(
                        "We have received too many submissions from your network in a short time, so this answer was not saved. Please try again in {wait}."
                    ),
                };
            }
            Refusal::StaleForm => (
                "Formulir ini sudah terlalu lama terbuka atau tidak lengkap, sehingga jawaban Anda belum tersimpan. Silakan muat ulang halaman survei dan isi kembali. Mohon maaf atas ketidaknyamanannya.",
                "This form was open for too long or arrived incomplete, so your answers were not saved. Please reload the survey page and answer again. Sorry for the inconvenience.",
            ),
            Refusal::Unavailable => (
                "Mohon maaf, sedang terjadi gangguan sementara dan jawaban Anda belum tersimpan. Silakan coba lagi beberapa saat lagi.",
                "Sorry, we are having a temporary problem and your answers were not saved. Please try again in a few moments.",
            ),
            Refusal::Honeypot => (
                "Kiriman ini tampak dibuat secara otomatis, sehingga tidak kami simpan. Jika Anda mengisi survei ini sendiri, silakan muat ulang halaman dan kirim kembali.",
                "This submission looks automated, so it was not saved. If you filled in the survey yourself, please reload the page and send it again.",
            ),
        };
        pick(lang, id, en).to_owned()
    }

    /// Text for the page's action link, where one makes sense (the route
    /// supplies the href, usually the survey URL).
    pub fn action_text(&self, lang: Lang) -> Option<String> {
        let (id, en) = match self {
            Refusal::StaleForm | Refusal::Honeypot => ("Muat ulang formulir", "Reload the form"),
            Refusal::Unavailable | Refusal::TooManyRequests { .. } => ("Coba lagi", "Try again"),
            _ => return None,
        };
        Some(pick(lang, id, en).to_owned())
    }
}

fn pick(lang: Lang, id: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

/// "30 detik", "2 menit", "1 hour"…: a wait rounded up to a friendly unit.
fn wait_text(secs: u64, lang: Lang) -> String {
    let secs = secs.max(1);
    let (n, id_unit, en_unit) = if secs < 60 {
        (secs, "detik", "second")
    } else if secs <= 90 * 60 {
        (secs.div_ceil(60), "menit", "minute")
    } else {
        (secs.div_ceil(3600), "jam", "hour")
    };
    match lang {
        Lang::Id => format!("{n} {id_unit}"),
        Lang::En if n == 1 => format!("1 {en_unit}"),
        Lang::En => format!("{n} {en_unit}s"),
    }
}

/// The message page for a refusal, with its action link when `action_href`
/// is given and the refusal has one (reload, try again).
pub fn refusal_page(lang: Lang, refusal: &Refusal, action_href: Option<&str>) -> String {
    let title = refusal.title(lang);
    let message = refusal.message(lang);
    let text = refusal.action_text(lang);
    let action = action_href.zip(text.as_deref());
    message_page(&MessagePage {
        lang,
        title: &title,
        message: &message,
        action,
    })
}

// ---------------------------------------------------------------------------
// Printables
// ---------------------------------------------------------------------------

/// A printable A4 poster for an open link.
pub struct PosterPage<'a> {
    pub unit_name: &'a str,
    pub campaign_title: &'a str,
    pub form_title: &'a Localized,
    /// E.g. "Loket 2".
    pub label: &'a str,
    pub url: &'a str,
    /// Shown as text to type by hand.
    pub short_url: &'a str,
    /// Inline `<svg>…</svg>` made by the server; inserted unescaped.
    pub qr_svg: &'a str,
    /// The address opens only on the server (`Settings::public_url_is_local`): say "do not print".
    pub local_url: bool,
}

#[derive(Template)]
#[template(path = "poster.html", whitespace = "minimize")]
struct PosterTemplate<'a> {
    unit_name: &'a str,
    campaign_title: &'a str,
    form_title: &'a Localized,
    label: &'a str,
    url: &'a str,
    short_url: &'a str,
    qr_svg: &'a str,
    local_url: bool,
}

/// The poster page.
pub fn poster_page(p: &PosterPage) -> String {
    PosterTemplate {
        unit_name: p.unit_name,
        campaign_title: p.campaign_title,
        form_title: p.form_title,
        label: p.label,
        url: p.url,
        short_url: p.short_url,
        qr_svg: p.qr_svg,
        local_url: p.local_url,
    }
    .render()
    .unwrap_or_else(|e| fallback(Lang::Id, &e))
}

/// One cut-out slip for a single-use token.
pub struct Slip<'a> {
    pub url: &'a str,
    /// Inline `<svg>…</svg>` made by the server; inserted unescaped.
    pub qr_svg: &'a str,
}

/// A printable sheet set of token slips, [`SLIPS_PER_SHEET`] per A4 page.
pub struct SlipsPage<'a> {
    pub unit_name: &'a str,
    pub campaign_title: &'a str,
    pub batch_label: Option<&'a str>,
    pub slips: &'a [Slip<'a>],
    /// The addresses open only on the server (`Settings::public_url_is_local`): say "do not print".
    pub local_url: bool,
}

struct Sheet<'a> {
    number: usize,
    slips: &'a [Slip<'a>],
}

#[derive(Template)]
#[template(path = "slips.html", whitespace = "minimize")]
struct SlipsTemplate<'a> {
    unit_name: &'a str,
    campaign_title: &'a str,
    batch_label: Option<&'a str>,
    sheet_count: usize,
    sheets: Vec<Sheet<'a>>,
    local_url: bool,
}

/// The slips page.
pub fn slips_page(p: &SlipsPage) -> String {
    let sheets: Vec<Sheet> = p
        .slips
        .chunks(SLIPS_PER_SHEET)
        .enumerate()
        .map(|(i, slips)| Sheet { number: i + 1, slips })
        .collect();
    SlipsTemplate {
        unit_name: p.unit_name,
        campaign_title: p.campaign_title,
        batch_label: p.batch_label,
        sheet_count: sheets.len(),
        sheets,
        local_url: p.local_url,
    }
    .render()
    .unwrap_or_else(|e| fallback(Lang::Id, &e))
}

/// A minimal page, should a template ever fail to render.
fn fallback(lang: Lang, _err: &askama::Error) -> String {
    let (title, text) = match lang {
        Lang::Id => ("Terjadi kesalahan", "Halaman ini tidak dapat ditampilkan. Silakan coba lagi nanti."),
        Lang::En => ("Something went wrong", "This page cannot be shown. Please try again later."),
    };
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>",
        lang.code()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::forms::parse_form;

    fn ipkp() -> Form {
        let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/forms/ipkp.toml"));
        parse_form("forms/ipkp.toml", text).expect("ipkp.toml parses")
    }

    fn services() -> Vec<String> {
        [
            "Paspor",
            "Izin Tinggal",
            "Visa Kunjungan",
            "Izin Tinggal Tetap",
            "Affidavit",
            "Pengaduan",
            "Konsultasi",
            "Surat Keterangan",
            "Perpanjangan Izin",
            "Layanan Daring",
        ]
        .map(String::from)
        .to_vec()
    }

    struct Fixture {
        form: Form,
        services: Vec<String>,
        values: BTreeMap<String, String>,
        errors: BTreeMap<String, Vec<String>>,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                form: ipkp(),
                services: services(),
                values: BTreeMap::new(),
                errors: BTreeMap::new(),
            }
        }

        fn render(&self, lang: Lang, unit: &str, title: &str) -> String {
            survey_page(&SurveyPage {
                lang,
                form: &self.form,
                unit_name: unit,
                campaign_title: title,
                service_types: &self.services,
                action: "/s/abc123",
                lang_switch_url: "/s/abc123?lang=en",
                render_token: "tok.123",
                values: &self.values,
                errors: &self.errors,
            })
        }
    }

    fn page(lang: Lang) -> String {
        Fixture::new().render(lang, "Kantor Imigrasi Kelas I Jakarta Selatan", "IPKP 2025")
    }

    /// Checks the universal page rules: doctype, lang, viewport, no script,
    /// nothing from another host (outside `allowed` URLs).
    fn check_common(html: &str, lang: &str, allowed: &[&str]) {
        assert!(html.starts_with("<!DOCTYPE html>"), "doctype");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "html lang");
        assert!(html.contains("<meta name=\"viewport\""), "viewport");
        assert!(html.contains("<title>"), "title");
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "no script");
        for (at, _) in lower.match_indices(" on") {
            let name: String = lower[at + 3..].chars().take_while(char::is_ascii_alphabetic).collect();
            let after = &lower[at + 3 + name.len()..];
            assert!(name.is_empty() || !after.starts_with('='), "event handler attribute on{name}");
        }
        let mut rest = html.to_owned();
        for url in allowed {
            rest = rest.replace(url, "");
        }
        assert!(!rest.contains("http://"), "no http:// outside allowed urls");
        assert!(!rest.contains("https://"), "no https:// outside allowed urls");
        assert!(!rest.contains("//"), "no protocol-relative urls: {rest}");
    }

    /// Writes a rendered page to `$PAGES_OUT_DIR/name` for a look in a browser
    /// (nothing is written when the variable is unset).
    fn write_out(name: &str, html: &str) {
        if let Ok(dir) = std::env::var("PAGES_OUT_DIR")
            && std::fs::create_dir_all(&dir).is_ok()
        {
            let _ = std::fs::write(format!("{dir}/{name}"), html);
        }
    }

    #[test]
    fn survey_page_is_small_and_complete() {
        let html = page(Lang::Id);
        write_out("survey-id.html", &html);
        assert!(html.len() < 30 * 1024, "size {} bytes", html.len());
        check_common(&html, "id", &[]);
        assert!(html.contains("<form method=\"post\" action=\"/s/abc123\""));
        assert!(html.contains("name=\"render_token\" value=\"tok.123\""));
        assert!(html.contains("<input type=\"text\" id=\"website\" name=\"website\" value=\"\" tabindex=\"-1\" autocomplete=\"off\">"));
        assert!(html.contains("<label for=\"website\">"));
        assert!(html.contains("Kirim jawaban"));
        assert!(html.contains("Survei ini anonim: kami hanya menyimpan jawaban Anda"));
        assert!(html.contains(ipkp().intro.unwrap().id.as_str()));
        assert!(html.contains("href=\"/s/abc123?lang=en\""));
        assert!(html.contains("Kantor Imigrasi Kelas I Jakarta Selatan"));
        assert!(html.contains("<h1>IPKP 2025</h1>"));
        assert!(!html.contains("class=\"sum\""), "no error summary without errors");
        assert!(!html.contains(" checked"));
    }

    #[test]
    fn every_item_is_a_labelled_radio_group() {
        let form = ipkp();
        let html = page(Lang::Id);
        let fieldsets = html.matches("<fieldset").count();
        // 8 items + 1 screening + the demographics group.
        assert_eq!(fieldsets, form.items.len() + form.screening.len() + 1);
        assert_eq!(html.matches("<legend>").count(), fieldsets);
        for (n, item) in form.items.iter().enumerate() {
            let legend = format!("<legend>{}. {}", n + 1, item.text.id);
            assert!(html.contains(&legend), "{legend}");
            for v in 1..=form.scale.max {
                let id = format!("{}-{}", item.id, v - 1);
                let label = &form.scale.labels[usize::from(v - 1)].id;
                let input = format!("<input type=\"radio\" id=\"{id}\" name=\"{}\" value=\"{v}\"", item.id);
                assert!(html.contains(&input), "{input}");
                let label = format!("<label for=\"{id}\">{v} — {label}</label>");
                assert!(html.contains(&label), "{label}");
            }
        }
        // Every id is unique, every label is bound to an existing id.
        let ids: Vec<&str> = html.split(" id=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(ids.len(), unique.len(), "duplicate ids");
        for part in html.split("<label for=\"").skip(1) {
            let target = &part[..part.find('"').unwrap()];
            assert!(ids.contains(&target), "label for {target}");
        }
        // Screening radios and demographic selects.
        assert!(html.contains("id=\"diarahkan-0\" name=\"diarahkan\" value=\"ya\""));
        assert!(html.contains("name=\"diarahkan\" value=\"\""), "no-answer option");
        assert!(html.contains("<select id=\"usia\" name=\"usia\">"));
        assert!(html.contains("<option value=\"\">— pilih —</option>"));
        assert!(html.contains("<option value=\"Layanan Daring\">Layanan Daring</option>"));
        assert_eq!(html.matches("<select").count(), form.demographics.len());
    }

    #[test]
    fn given_values_come_back_checked_and_selected() {
        let mut f = Fixture::new();
        for (k, v) in [
            ("informasi", "4"),
            ("waktu", "1"),
            ("diarahkan", "tidak"),
            ("usia", "25-39"),
            ("layanan", "Izin Tinggal"),
        ] {
            f.values.insert(k.into(), v.into());
        }
        let html = f.render(Lang::Id, "U", "T");
        assert!(html.contains("id=\"informasi-3\" name=\"informasi\" value=\"4\" checked"));
        assert!(html.contains("id=\"waktu-0\" name=\"waktu\" value=\"1\" checked"));
        assert!(html.contains("name=\"diarahkan\" value=\"tidak\" checked"));
        assert!(html.contains("<option value=\"25-39\" selected>"));
        assert!(html.contains("<option value=\"Izin Tinggal\" selected>"));
        assert_eq!(html.matches(" checked").count(), 3);
        assert_eq!(html.matches(" selected").count(), 2);
    }

    #[test]
    fn errors_appear_next_to_fields_and_in_the_summary() {
        let mut f = Fixture::new();
        f.errors.insert("waktu".into(), vec!["Mohon pilih salah satu jawaban.".into()]);
        f.errors.insert("usia".into(), vec!["Pilihan ini tidak tersedia.".into()]);
        f.errors.insert("nama".into(), vec!["Pertanyaan ini tidak ada.".into()]);
        f.errors.insert(FORM_ERROR_KEY.into(), vec!["Formulir <lama>.".into()]);
        let html = f.render(Lang::Id, "U", "T");
        write_out("survey-errors.html", &html);
        check_common(&html, "id", &[]);
        assert!(html.contains("<title>Kesalahan: "));
        assert!(html.contains("class=\"sum\""));
        assert!(html.contains("<a href=\"#waktu-0\">Pertanyaan 4: Mohon pilih salah satu jawaban.</a>"));
        assert!(html.contains("<a href=\"#usia\">Usia: Pilihan ini tidak tersedia.</a>"));
        assert!(html.contains("“nama”: Pertanyaan ini tidak ada."));
        assert!(html.contains("Formulir &#60;lama&#62;.") || html.contains("Formulir &lt;lama&gt;."));
        // Next to the field, and linked by aria-describedby.
        assert!(html.contains("<fieldset class=\"bad\" aria-describedby=\"waktu-err\">"));
        let after = &html[html.find("aria-describedby=\"waktu-err\"").unwrap()..];
        let err = after.find("<p class=\"err\" id=\"waktu-err\">").unwrap();
        assert!(err < after.find("id=\"waktu-0\"").unwrap(), "error before the radios");
        assert!(html.contains("aria-describedby=\"usia-err\""));
        assert!(html.contains("<p class=\"err\" id=\"usia-err\">"));
    }

    #[test]
    fn english_page() {
        let mut f = Fixture::new();
        f.errors.insert("waktu".into(), vec!["Please choose one answer.".into()]);
        let html = f.render(Lang::En, "Unit", "Title");
        write_out("survey-en.html", &html);
        check_common(&html, "en", &[]);
        for s in [
            "Send answers",
            "This survey is anonymous: we store only your answers",
            "— choose —",
            "1 — Strongly disagree",
            "4 — Strongly agree",
            "Question 4: Please choose one answer.",
            "Service Quality Perception Survey",
            "The service you received",
            "Under 25",
            ">Bahasa Indonesia</a>",
        ] {
            assert!(html.contains(s), "{s}");
        }
        for s in ["Kirim jawaban", "Sangat Setuju", "— pilih —", "(opsional)"] {
            assert!(!html.contains(s), "{s}");
        }
    }

    #[test]
    fn user_text_is_escaped() {
        let mut f = Fixture::new();
        f.services = vec!["<script>alert(1)</script>".into()];
        f.values.insert("layanan".into(), "<script>alert(1)</script>".into());
        f.form.items[0].text.id = "<script>alert(2)</script>".into();
        f.form.scale.labels[0].id = "\"><script>x</script>".into();
        let html = f.render(Lang::Id, "<script>alert('unit')</script>", "<script>alert(\"t\")</script>");
        assert!(!html.to_lowercase().contains("<script"), "{html}");
        assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));

        let thanks = thanks_page(&ThanksPage {
            lang: Lang::Id,
            unit_name: "<script>u</script>",
            campaign_title: "<script>t</script>",
        });
        assert!(!thanks.contains("<script"));
        let msg = message_page(&MessagePage {
            lang: Lang::Id,
            title: "<script>t</script>",
            message: "<script>m</script>",
            action: Some(("\"><script>", "<script>")),
        });
        assert!(!msg.contains("<script"));
        let title = Localized::new("<script>a</script>", "<script>b</script>");
        let poster = poster_page(&PosterPage {
            unit_name: "<script>u</script>",
            campaign_title: "<script>c</script>",
            form_title: &title,
            label: "<script>l</script>",
            url: "https://x/s/\"><script>",
            short_url: "<script>s</script>",
            qr_svg: "<svg></svg>",
            local_url: true,
        });
        assert!(!poster.contains("<script"));
        let slips = [Slip {
            url: "https://x/s/<script>",
            qr_svg: "<svg></svg>",
        }];
        let sheet = slips_page(&SlipsPage {
            unit_name: "<script>u</script>",
            campaign_title: "<script>c</script>",
            batch_label: Some("<script>b</script>"),
            slips: &slips,
            local_url: true,
        });
        assert!(!sheet.contains("<script"));
    }

    #[test]
    fn thanks_page_both_languages() {
        let id = thanks_page(&ThanksPage {
            lang: Lang::Id,
            unit_name: "Kantor Imigrasi",
            campaign_title: "IPKP 2025",
        });
        write_out("thanks-id.html", &id);
        check_common(&id, "id", &[]);
        assert!(id.contains("Terima kasih!") && id.contains("Kantor Imigrasi"));
        let en = thanks_page(&ThanksPage {
            lang: Lang::En,
            unit_name: "Kantor Imigrasi",
            campaign_title: "IPKP 2025",
        });
        check_common(&en, "en", &[]);
        assert!(en.contains("Thank you!") && !en.contains("Terima kasih"));
    }

    #[test]
    fn refusals_have_texts_in_both_languages() {
        let all = [
            Refusal::UnknownLink,
            Refusal::TokenUsed,
            Refusal::LinkRevoked,
            Refusal::LinkExpired,
            Refusal::LinkFull,
            Refusal::CampaignClosed,
            Refusal::CampaignNotYetOpen,
            Refusal::TooManyRequests { retry_after_secs: 125 },
            Refusal::StaleForm,
            Refusal::Unavailable,
            Refusal::Honeypot,
        ];
        for r in all {
            for lang in [Lang::Id, Lang::En] {
                assert!(!r.title(lang).is_empty() && !r.message(lang).is_empty());
            }
            assert_ne!(r.title(Lang::Id), r.title(Lang::En), "{r:?}");
            assert_ne!(r.message(Lang::Id), r.message(Lang::En), "{r:?}");
            assert!([400, 404, 410, 429, 503].contains(&r.status()));
        }
        assert_eq!(
            Refusal::TokenUsed.message(Lang::Id),
            "Kode survei ini sudah pernah digunakan. Setiap kode hanya berlaku untuk satu kali pengisian. Terima kasih atas partisipasi Anda."
        );
        let m = Refusal::TooManyRequests { retry_after_secs: 125 };
        assert!(m.message(Lang::Id).contains("3 menit"));
        assert!(m.message(Lang::En).contains("3 minutes"));
        assert_eq!(wait_text(1, Lang::En), "1 second");
        assert_eq!(wait_text(0, Lang::Id), "1 detik");
        assert_eq!(wait_text(7200, Lang::En), "2 hours");

        let html = refusal_page(Lang::Id, &Refusal::StaleForm, Some("/s/abc"));
        write_out("message-stale.html", &html);
        check_common(&html, "id", &[]);
        assert!(html.contains("<a class=\"btn\" href=\"/s/abc\">Muat ulang formulir</a>"));
        assert!(html.contains("href=\"?lang=en\""));
        let html = refusal_page(Lang::En, &Refusal::TokenUsed, Some("/s/abc"));
        write_out("message-used-en.html", &html);
        check_common(&html, "en", &[]);
        assert!(html.contains("Code already used") && !html.contains("class=\"btn\""));
        assert!(html.contains("href=\"?lang=id\""));
    }

    const FAKE_QR: &str = "<svg viewBox=\"0 0 29 29\"><path d=\"M0 0h7v7H0z\"/></svg>";

    #[test]
    fn poster_page_renders() {
        let form = ipkp();
        let url = "https://integritas.example.go.id/s/loket2-Xy7";
        let html = poster_page(&PosterPage {
            unit_name: "Kantor Imigrasi Kelas I Jakarta Selatan",
            campaign_title: "IPKP Semester I 2025",
            form_title: &form.title,
            label: "Loket 2",
            url,
            short_url: "integritas.example.go.id/s/loket2-Xy7",
            qr_svg: FAKE_QR,
            local_url: false,
        });
        write_out("poster.html", &html);
        check_common(&html, "id", &[url]);
        assert!(html.contains(FAKE_QR), "QR inserted unescaped");
        assert!(html.contains("@page{size:A4"));
        assert!(html.contains("Loket 2"));
        assert!(html.contains(&form.title.id) && html.contains(&form.title.en));
        assert!(html.contains("Pindai kode QR ini"));
        assert!(html.contains("Scan this QR code"));
    }

    #[test]
    fn slips_page_paginates() {
        let urls: Vec<String> = (0..45)
            .map(|i| format!("https://integritas.example.go.id/s/t{i:02}AbCdEfGhIjKlMnOpQrStUv"))
            .collect();
        let slips: Vec<Slip> = urls.iter().map(|u| Slip { url: u, qr_svg: FAKE_QR }).collect();
        let html = slips_page(&SlipsPage {
            unit_name: "Kantor Imigrasi",
            campaign_title: "SKM 2025",
            batch_label: Some("Batch Mei"),
            slips: &slips,
            local_url: false,
        });
        write_out("slips.html", &html);
        let allowed: Vec<&str> = urls.iter().map(String::as_str).collect();
        check_common(&html, "id", &allowed);
        assert_eq!(html.matches("<section class=\"sheet\">").count(), 3);
        assert_eq!(html.matches("<div class=\"slip\">").count(), 45);
        assert_eq!(html.matches(FAKE_QR).count(), 45);
        assert!(html.contains("Sheet 3/3"));
        assert!(html.contains("Batch Mei"));
        assert!(html.contains("Pindai untuk mengisi survei (sekali pakai)."));
        assert!(html.contains("Scan to answer the survey (single use)."));
        for u in &urls {
            assert!(html.contains(&format!("<p class=\"url\">{u}</p>")));
        }
    }
}

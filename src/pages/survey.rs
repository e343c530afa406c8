//! The citizen's survey form: one radio group per item and screening question, the optional
//! "about you" selects, and, when a submission was refused, every message next to its field and
//! in a summary at the top that links to it (the answers already given come back checked).
//!
//! Built for cheap phones: no script, one small page (a test keeps it under 30 KiB), large
//! touch targets; every text in the citizen's language ([`Lang`]).

use std::collections::BTreeMap;

use askama::Template;

use super::render::{Fallback, render};
use super::{OtherLanguage, other_language};
use crate::domain::forms::{Demographic, Form, Item, Screening};
use crate::domain::language::{Lang, Text};

/// Key of `SurveyPage::errors` holding page-level messages (not tied to a field).
pub const FORM_ERROR_KEY: &str = "_form";

/// Name of the honeypot text input; a human leaves it empty.
pub const HONEYPOT_FIELD: &str = "website";

/// Name of the hidden render-token input.
pub const RENDER_TOKEN_FIELD: &str = "render_token";

// The page's fixed texts; `templates/survey.html` reads them in the page's language.
const ERROR_TITLE_PREFIX: Text = Text {
    id: "Kesalahan: ",
    en: "Error: ",
};
const SUMMARY_TITLE: Text = Text {
    id: "Ada jawaban yang perlu diperbaiki",
    en: "Some answers need fixing",
};
const ERROR_WORD: Text = Text {
    id: "Kesalahan",
    en: "Error",
};
const STORED: Text = Text {
    id: "Survei ini anonim: kami hanya menyimpan jawaban Anda dan tanggal pengisian — tidak ada nama, nomor telepon, alamat IP, atau data lain yang dapat mengenali Anda.",
    en: "This survey is anonymous: we store only your answers and the date — no name, phone number, IP address or anything else that could identify you.",
};
const HONEYPOT_LABEL: Text = Text {
    id: "Jangan isi kolom ini (biarkan kosong)",
    en: "Do not fill in this field (leave it empty)",
};
const INSTRUCTIONS: Text = Text {
    id: "Pilih satu jawaban untuk setiap pernyataan, sesuai pengalaman Anda.",
    en: "Choose one answer for each statement, from your own experience.",
};
const OPTIONAL: Text = Text {
    id: "(opsional)",
    en: "(optional)",
};
const ABOUT_YOU: Text = Text {
    id: "Tentang Anda",
    en: "About you",
};
const ABOUT_YOU_HINT: Text = Text {
    id: "Boleh dilewati. Hanya dipakai untuk statistik kelompok, bukan untuk mengenali Anda.",
    en: "You may skip these. They are used only for group statistics, never to identify you.",
};
const CHOOSE: Text = Text {
    id: "— pilih —",
    en: "— choose —",
};
const NO_ANSWER: Text = Text {
    id: "Tidak ingin menjawab",
    en: "Prefer not to answer",
};
const QUESTION: Text = Text {
    id: "Pertanyaan",
    en: "Question",
};
const EXTRA_QUESTION: Text = Text {
    id: "Pertanyaan tambahan",
    en: "Additional question",
};
const SUBMIT: Text = Text {
    id: "Kirim jawaban",
    en: "Send answers",
};

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

/// One line of the error summary, linking to its field when the page shows one.
struct SummaryEntry {
    href: Option<String>,
    label: String,
    message: String,
}

#[derive(Template)]
#[template(path = "survey.html", whitespace = "minimize")]
struct SurveyTemplate<'a> {
    lang: Lang,
    other: OtherLanguage,
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

/// The survey form.
pub fn survey_page(p: &SurveyPage) -> String {
    let form = p.form;
    let mut summary = Vec::new();
    let mut groups = Vec::new();
    for (n, item) in form.items.iter().enumerate() {
        groups.push(item_group(p, n, item, &mut summary));
    }
    for question in &form.screening {
        groups.push(screening_group(p, question, &mut summary));
    }
    let selects = form.demographics.iter().map(|d| demographic_select(p, d, &mut summary)).collect();
    summary.extend(unshown_field_errors(p));
    let form_errors: Vec<&str> = p
        .errors
        .get(FORM_ERROR_KEY)
        .map(|m| m.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let template = SurveyTemplate {
        lang: p.lang,
        other: other_language(p.lang),
        unit_name: p.unit_name,
        campaign_title: p.campaign_title,
        form_title: form.title.get(p.lang),
        intro: form.intro.as_ref().map(|i| i.get(p.lang)),
        action: p.action,
        lang_switch_url: p.lang_switch_url,
        render_token: p.render_token,
        has_errors: !summary.is_empty() || !form_errors.is_empty(),
        form_errors,
        summary,
        groups,
        selects,
    };
    render(&template, Fallback::Citizen(p.lang))
}

/// The value given earlier for a field, if any.
fn given<'a>(p: &'a SurveyPage, name: &str) -> Option<&'a str> {
    p.values.get(name).map(String::as_str)
}

/// A field's messages as one text, `None` when it has none.
fn field_error(p: &SurveyPage, name: &str) -> Option<String> {
    p.errors.get(name).filter(|m| !m.is_empty()).map(|m| m.join(" "))
}

/// A field's line in the summary, linking to `anchor`, when it has an error.
fn summarise(error: &Option<String>, anchor: String, label: String, summary: &mut Vec<SummaryEntry>) {
    if let Some(message) = error {
        summary.push(SummaryEntry {
            href: Some(anchor),
            label,
            message: message.clone(),
        });
    }
}

/// Item number `n` (from 0): one radio per scale value, "3 — Setuju".
fn item_group<'a>(p: &SurveyPage, n: usize, item: &'a Item, summary: &mut Vec<SummaryEntry>) -> RadioGroup<'a> {
    let name = item.id.as_str();
    let scale = &p.form.scale;
    let options = scale
        .values()
        .map(|v| {
            let value = v.to_string();
            let label = scale.label(v).map_or("", |l| l.get(p.lang));
            RadioOpt {
                id: format!("{name}-{}", v - 1),
                checked: given(p, name) == Some(value.as_str()),
                label: format!("{v} — {label}"),
                value,
            }
        })
        .collect();
    let error = field_error(p, name);
    summarise(&error, format!("#{name}-0"), format!("{} {}", QUESTION.get(p.lang), n + 1), summary);
    RadioGroup {
        name,
        legend: format!("{}. {}", n + 1, item.text.get(p.lang)),
        optional: false,
        required: true,
        options,
        err_id: format!("{name}-err"),
        error,
    }
}

/// A screening question; an optional one gets a "prefer not to answer" choice.
fn screening_group<'a>(p: &SurveyPage, question: &'a Screening, summary: &mut Vec<SummaryEntry>) -> RadioGroup<'a> {
    let name = question.id.as_str();
    let mut options: Vec<RadioOpt> = question
        .options
        .iter()
        .enumerate()
        .map(|(i, c)| RadioOpt {
            id: format!("{name}-{i}"),
            value: c.value.clone(),
            label: c.label.get(p.lang).to_owned(),
            checked: given(p, name) == Some(c.value.as_str()),
        })
        .collect();
    if !question.required {
        // An empty value means "not given": lets the citizen take back a choice.
        options.push(RadioOpt {
            id: format!("{name}-{}", options.len()),
            value: String::new(),
            label: NO_ANSWER.get(p.lang).to_owned(),
            checked: given(p, name) == Some(""),
        });
    }
    let error = field_error(p, name);
    summarise(&error, format!("#{name}-0"), EXTRA_QUESTION.get(p.lang).to_owned(), summary);
    RadioGroup {
        name,
        legend: question.text.get(p.lang).to_owned(),
        optional: !question.required,
        required: question.required,
        options,
        err_id: format!("{name}-err"),
        error,
    }
}

/// An "about you" select.
fn demographic_select<'a>(p: &SurveyPage, d: &'a Demographic, summary: &mut Vec<SummaryEntry>) -> SelectView<'a> {
    let name = d.id.as_str();
    let options = d
        .choices(p.service_types)
        .into_iter()
        .map(|c| SelectOpt {
            selected: given(p, name) == Some(c.value.as_str()),
            label: c.label.get(p.lang).to_owned(),
            value: c.value,
        })
        .collect();
    let label = d.label.get(p.lang);
    let error = field_error(p, name);
    summarise(&error, format!("#{name}"), label.to_owned(), summary);
    SelectView {
        name,
        label,
        options,
        err_id: format!("{name}-err"),
        error,
    }
}

/// Messages for fields the page does not show (e.g. an unknown key), unlinked.
fn unshown_field_errors(p: &SurveyPage) -> Vec<SummaryEntry> {
    let form = p.form;
    let shown =
        |k: &str| k == FORM_ERROR_KEY || form.item(k).is_some() || form.screening_question(k).is_some() || form.demographic(k).is_some();
    p.errors
        .iter()
        .filter(|(key, messages)| !shown(key) && !messages.is_empty())
        .map(|(key, messages)| SummaryEntry {
            href: None,
            label: format!("“{key}”"),
            message: messages.join(" "),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::test_support::{check_common, ipkp, write_out};

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
    }
}

//! The unit's workbench (`/kelola`) and the assessor's working pages beside the reports: forms that
//! change something, each posting a `csrf` field bound to the login session.
//!
//! Pure: page data in, `String` out, like the rest of `pages`. Indonesian first with English
//! beside it, no JavaScript (the CSP forbids it), every input with a `<label>`, a refused form
//! shown again with what was typed and the messages next to the fields (and a summary at the top
//! linking to them). Field names are the JSON API's, so a message the service gives for `title`
//! lands beside the `title` input.
//!
//! `admin` (units and keys), `campaigns` (the dashboard, the new-campaign form, the campaign page,
//! closing), `assessor` (responses, the evaluation record, the audit log), and what they share here: the navigation bar ([`Nav`]),
//! a form's typed values and messages ([`FormState`]) and the one-line message page ([`Notice`]).

mod admin;
mod assessor;
mod campaigns;

pub use admin::{KeyRow, KeysPage, NewKey, UnitEditPage, UnitRow, UnitsPage, keys_page, unit_edit_page, units_page};
pub use assessor::{AuditPage, AuditRow, EvaluationPage, ResponseRow, ResponsesPage, audit_page, evaluation_page, responses_page};
pub use campaigns::{
    BatchRow, CampaignPage, CampaignRow, ClosePage, DashboardPage, LinkRow, NewCampaignPage, campaign_page, close_page, dashboard_page,
    new_campaign_page,
};

use std::collections::BTreeMap;

use askama::Template;

use super::render::{Fallback, render};

/// Where the workbench lives.
pub const KELOLA: &str = "/kelola";

/// The navigation bar of every workbench page: who is signed in, what the role may open, and the
/// logout form with its CSRF token.
#[derive(Debug, Clone, Default)]
pub struct Nav {
    /// E.g. "operator · Kantor Imigrasi Jakarta Selatan".
    pub who: String,
    /// The session's CSRF token: the logout form and every form of the page carry it.
    pub csrf: String,
    /// The workbench entry (admin: units; operator: its unit), when the role has one.
    pub manage_href: Option<String>,
    /// Admin: the keys page.
    pub keys: bool,
    /// Where the role's reports start.
    pub reports_href: String,
    /// Admin and assessor: the audit log.
    pub audit: bool,
}

/// A form as the person left it: the values typed (by field name) and the messages per field
/// (the service's field names; `_form` for a message about the whole form).
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, Vec<String>>,
    /// Prefixed to the fields' element ids, so two forms of one page never share an id.
    pub prefix: &'static str,
}

/// Field labels for the error summary, in the order the form shows them.
pub type Labels = &'static [(&'static str, &'static str)];

impl FormState {
    /// A form with these values and no messages.
    pub fn with(values: BTreeMap<String, String>) -> FormState {
        FormState {
            values,
            ..FormState::default()
        }
    }

    /// The same form, its element ids prefixed.
    pub fn prefixed(mut self, prefix: &'static str) -> FormState {
        self.prefix = prefix;
        self
    }

    /// The element id of a field.
    pub fn id(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// The typed value of a field ("" when none).
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// Whether a field holds this value (a selected option, a checked radio button).
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.value(name) == value
    }

    /// Whether the field was refused.
    pub fn invalid(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }

    /// The field's messages in one line, Indonesian first.
    pub fn message(&self, name: &str) -> String {
        self.errors
            .get(name)
            .map(|ms| ms.iter().map(|m| translate(m)).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// `(anchor, label, message)` of every refused field, the form's order first.
    pub fn summary(&self, labels: Labels) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = labels
            .iter()
            .filter(|(name, _)| self.invalid(name))
            .map(|(name, label)| (format!("#{}", self.id(name)), (*label).to_owned(), self.message(name)))
            .collect();
        for name in self.errors.keys() {
            if !labels.iter().any(|(n, _)| n == name) {
                let anchor = if name == "_form" {
                    String::new()
                } else {
                    format!("#{}", self.id(name))
                };
                out.push((anchor, String::new(), self.message(name)));
            }
        }
        out
    }
}

/// The service's messages are English; the common ones get their Indonesian beside them.
fn translate(m: &str) -> String {
    let id = match m {
        "is required" => "Wajib diisi.",
        "must be in the future" => "Harus di masa depan.",
        "must be after opens_at" => "Harus sesudah tanggal mulai.",
        "write at least 5 characters" => "Tulis sedikitnya 5 karakter.",
        "an operator key needs the unit it belongs to" => "Kunci operator memerlukan unitnya.",
        "only operator keys belong to a unit" => "Hanya kunci operator yang terikat pada unit.",
        "no unit has this id" => "Unit tidak ditemukan.",
        "must be a whole number" => "Harus bilangan bulat.",
        "must be a date (YYYY-MM-DD)" => "Harus tanggal (TTTT-BB-HH).",
        "must be a number" => "Harus angka.",
        _ => "",
    };
    if id.is_empty() {
        format!("Isian belum benar: {m}")
    } else {
        format!("{id} / {m}")
    }
}

/// A one-message page: a refusal (403, 404, a stale form), or a short confirmation.
pub struct Notice<'a> {
    pub nav: Option<&'a Nav>,
    pub title: &'a str,
    pub message: &'a str,
    /// `(href, text)` of the way on.
    pub back: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "kelola/notice.html", whitespace = "minimize")]
struct NoticeTemplate<'a> {
    nav: Option<&'a Nav>,
    title: &'a str,
    message: &'a str,
    back: Option<(&'a str, &'a str)>,
}

/// The one-message page.
pub fn notice_page(n: &Notice) -> String {
    render(
        &NoticeTemplate {
            nav: n.nav,
            title: n.title,
            message: n.message,
            back: n.back,
        },
        Fallback::Report,
    )
}

/// Hours ahead of UTC of the time shown on the workbench (WIB; the units' own zones come with
/// the time-zone setting of the hasil work).
const SHOWN_OFFSET_HOURS: i64 = 7;

/// A moment as the workbench shows it, "2026-06-30 17:00 WIB".
pub(crate) fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(SHOWN_OFFSET_HOURS))
        .format("%Y-%m-%d %H:%M WIB")
        .to_string()
}

/// Status words of a campaign, both languages.
pub fn status_words(status: crate::domain::campaign::CampaignStatus) -> &'static str {
    use crate::domain::campaign::CampaignStatus::*;
    match status {
        Scheduled => "Terjadwal / Scheduled",
        Open => "Dibuka / Open",
        Closed => "Ditutup / Closed",
    }
}

#[cfg(test)]
mod tests;

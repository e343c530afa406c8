//! The assessor's working pages beside the reports: a campaign's anonymous responses (flags and
//! exclusion state, in the random order of their ids — never the order they arrived) with the
//! exclude/include form and its required reason; the evaluation record of a unit for a year
//! (`rule`, `tlhp_percent`, `kinerja`); and the audit log with each actor's key **name**.

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{FormState, Labels, Nav, local_time};
use crate::pages::format;
use crate::pages::render::{Fallback, render};

/// One anonymous response on the responses page.
#[derive(Debug, Clone)]
pub struct ResponseRow {
    pub id: Uuid,
    /// The date it is recorded under.
    pub recorded_on: NaiveDate,
    /// `open_link` or `token`.
    pub channel: String,
    /// The desk of an open link.
    pub link_label: Option<String>,
    pub speeder: bool,
    pub diarahkan: bool,
    pub excluded: bool,
    /// The reason given when it was excluded.
    pub reason: Option<String>,
}

impl ResponseRow {
    pub fn date(&self) -> String {
        format::date(self.recorded_on)
    }

    pub fn channel_text(&self) -> String {
        match (self.channel.as_str(), &self.link_label) {
            ("token", _) => "kupon / slip".to_owned(),
            (_, Some(l)) => format!("meja / desk: {l}"),
            (other, None) => other.to_owned(),
        }
    }
}

/// `/laporan/kampanye/{id}/respons`: the responses, a page at a time.
pub struct ResponsesPage<'a> {
    pub nav: &'a Nav,
    pub campaign_id: Uuid,
    pub title: &'a str,
    pub unit_name: &'a str,
    pub rows: &'a [ResponseRow],
    /// The cursor of this page (`setelah=`), kept by the forms.
    pub after: Option<Uuid>,
    /// The next page's cursor, when there is one.
    pub next: Option<Uuid>,
    /// The refused form, and the response it was for.
    pub form: &'a FormState,
    pub failed: Option<Uuid>,
    pub done: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "kelola/responses.html", whitespace = "minimize")]
struct ResponsesTemplate<'a> {
    nav: &'a Nav,
    campaign_id: Uuid,
    title: &'a str,
    unit_name: &'a str,
    rows: &'a [ResponseRow],
    after: String,
    next: Option<Uuid>,
    form: &'a FormState,
    labels: Labels,
    failed: Option<Uuid>,
    done: Option<&'a str>,
}

impl ResponsesTemplate<'_> {
    /// The reason typed for this response when its form was refused.
    fn typed(&self, id: &Uuid) -> &str {
        if self.failed == Some(*id) { self.form.value("reason") } else { "" }
    }

    fn refused(&self, id: &Uuid) -> bool {
        self.failed == Some(*id) && self.form.has_errors()
    }
}

/// The responses page.
pub fn responses_page(p: &ResponsesPage) -> String {
    render(
        &ResponsesTemplate {
            nav: p.nav,
            campaign_id: p.campaign_id,
            title: p.title,
            unit_name: p.unit_name,
            rows: p.rows,
            after: p.after.map(|a| a.to_string()).unwrap_or_default(),
            next: p.next,
            form: p.form,
            labels: &[("reason", "Alasan / Reason")],
            failed: p.failed,
            done: p.done,
        },
        Fallback::Report,
    )
}

/// `/laporan/unit/{id}/evaluasi/{year}`: the evaluation record's form.
pub struct EvaluationPage<'a> {
    pub nav: &'a Nav,
    pub unit_id: Uuid,
    pub unit_name: &'a str,
    pub year: i32,
    /// The rule sets: (id, name).
    pub rules: &'a [(&'static str, &'static str)],
    pub grades: &'a [&'static str],
    pub form: &'a FormState,
    /// Who recorded the current record and when, if there is one.
    pub recorded: Option<&'a str>,
    /// The unit's hasil page for this year.
    pub hasil_href: &'a str,
    /// May this caller change the record (admin, assessor)?
    pub editable: bool,
    pub done: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "kelola/evaluation.html", whitespace = "minimize")]
struct EvaluationTemplate<'a> {
    nav: &'a Nav,
    unit_id: Uuid,
    unit_name: &'a str,
    year: i32,
    rules: &'a [(&'static str, &'static str)],
    grades: &'a [&'static str],
    form: &'a FormState,
    labels: Labels,
    recorded: Option<&'a str>,
    hasil_href: &'a str,
    editable: bool,
    done: Option<&'a str>,
}

/// The evaluation record page.
pub fn evaluation_page(p: &EvaluationPage) -> String {
    render(
        &EvaluationTemplate {
            nav: p.nav,
            unit_id: p.unit_id,
            unit_name: p.unit_name,
            year: p.year,
            rules: p.rules,
            grades: p.grades,
            form: p.form,
            labels: &[
                ("rule", "Aturan / Rule"),
                ("tlhp_percent", "TLHP (%)"),
                ("kinerja", "Capaian kinerja / Kinerja"),
            ],
            recorded: p.recorded,
            hasil_href: p.hasil_href,
            editable: p.editable,
            done: p.done,
        },
        Fallback::Report,
    )
}

/// One audit log entry, its actor by key name.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub at: DateTime<Utc>,
    /// The key's name, or "sistem / system".
    pub actor: String,
    pub role: String,
    pub action: String,
    /// What was changed, e.g. "campaign 3f2…" or a key's name.
    pub entity: String,
    pub unit: Option<String>,
    pub reason: Option<String>,
    pub detail: String,
}

impl AuditRow {
    pub fn time(&self) -> String {
        local_time(self.at)
    }
}

/// `/laporan/audit`: the audit log.
pub struct AuditPage<'a> {
    pub nav: &'a Nav,
    pub rows: &'a [AuditRow],
    /// Units to filter by: (id, name), and the chosen one.
    pub units: &'a [(Uuid, String)],
    pub unit: Option<Uuid>,
    pub limit: u64,
}

#[derive(Template)]
#[template(path = "kelola/audit.html", whitespace = "minimize")]
struct AuditTemplate<'a> {
    nav: &'a Nav,
    rows: &'a [AuditRow],
    units: &'a [(Uuid, String)],
    unit: Option<Uuid>,
    limit: u64,
}

impl AuditTemplate<'_> {
    fn chosen(&self, id: &Uuid) -> bool {
        self.unit == Some(*id)
    }
}

/// The audit log page.
pub fn audit_page(p: &AuditPage) -> String {
    render(
        &AuditTemplate {
            nav: p.nav,
            rows: p.rows,
            units: p.units,
            unit: p.unit,
            limit: p.limit,
        },
        Fallback::Report,
    )
}

//! The operator's pages (an admin sees them too): the unit's dashboard of campaigns, the
//! new-campaign form (the required sample shown from the population, computed by the server),
//! the campaign page (desks with their posters and QR codes, token batches, closing, the report)
//! and the confirmation before closing, which warns when the sample is short.

use askama::Template;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{FormState, Labels, Nav, local_time, status_words};
use crate::domain::campaign::CampaignStatus;
use crate::pages::format;
use crate::pages::render::{Fallback, render};

/// One campaign on the dashboard.
#[derive(Debug, Clone)]
pub struct CampaignRow {
    pub id: Uuid,
    pub title: String,
    pub form: String,
    pub status: CampaignStatus,
    /// Responses stored so far (live).
    pub n: u64,
    pub required_n: u64,
    /// The index as the results service publishes it (on the form's scale); `None` while withheld.
    pub index: Option<f64>,
    /// Why there is no index: no response yet (`false`) or withheld by the anonymity rules (`true`).
    pub withheld: bool,
    /// Whole days until the closing time (rounded up), for an open campaign with one.
    pub days_left: Option<i64>,
}

impl CampaignRow {
    /// The progress bar's value (capped at the requirement).
    pub fn bar(&self) -> u64 {
        self.n.min(self.required_n)
    }

    pub fn open(&self) -> bool {
        self.status != CampaignStatus::Closed
    }

    pub fn status_text(&self) -> &'static str {
        status_words(self.status)
    }

    pub fn index_text(&self) -> String {
        format::value(self.index)
    }

    /// Why no index is shown ("" when one is).
    pub fn index_note(&self) -> &'static str {
        match (self.index, self.withheld) {
            (Some(_), _) => "",
            (None, false) => "belum ada respons / no responses yet",
            (None, true) => "belum diterbitkan (aturan anonimitas) / not yet published (anonymity rules)",
        }
    }

    pub fn days_text(&self) -> String {
        match (self.status, self.days_left) {
            (CampaignStatus::Closed, _) => "selesai / ended".to_owned(),
            (_, None) => "tanpa tanggal tutup / no closing date".to_owned(),
            (_, Some(d)) if d <= 1 => "hari terakhir / last day".to_owned(),
            (_, Some(d)) => format!("{d} hari lagi / {d} days left"),
        }
    }
}

/// `/kelola/unit/{id}`: the unit's campaigns at a glance.
pub struct DashboardPage<'a> {
    pub nav: &'a Nav,
    pub unit_id: Uuid,
    pub unit_name: &'a str,
    pub instansi: &'a str,
    pub rows: &'a [CampaignRow],
    /// A message after a change (e.g. the campaign just closed).
    pub done: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "kelola/dashboard.html", whitespace = "minimize")]
struct DashboardTemplate<'a> {
    nav: &'a Nav,
    unit_id: Uuid,
    unit_name: &'a str,
    instansi: &'a str,
    rows: &'a [CampaignRow],
    done: Option<&'a str>,
}

/// The dashboard.
pub fn dashboard_page(p: &DashboardPage) -> String {
    render(
        &DashboardTemplate {
            nav: p.nav,
            unit_id: p.unit_id,
            unit_name: p.unit_name,
            instansi: p.instansi,
            rows: p.rows,
            done: p.done,
        },
        Fallback::Report,
    )
}

/// `/kelola/unit/{id}/kampanye/baru`: the new-campaign form.
pub struct NewCampaignPage<'a> {
    pub nav: &'a Nav,
    pub unit_id: Uuid,
    pub unit_name: &'a str,
    /// (form id, its title, number of questions).
    pub forms: &'a [(String, String)],
    pub form: &'a FormState,
    /// The required sample of the population typed (after "Hitung"), or of an unknown one.
    pub required: Option<(Option<u64>, u64)>,
    /// Krejcie–Morgan's table for reading without a submit: (population, required).
    pub table: &'a [(u64, u64)],
}

const CAMPAIGN_LABELS: Labels = &[
    ("form", "Formulir / Form"),
    ("title", "Judul / Title"),
    ("population", "Populasi / Population"),
    ("opens_at", "Tanggal mulai / Opening date"),
    ("closes_at", "Tanggal selesai / Closing date"),
];

#[derive(Template)]
#[template(path = "kelola/campaign_new.html", whitespace = "minimize")]
struct NewCampaignTemplate<'a> {
    nav: &'a Nav,
    unit_id: Uuid,
    unit_name: &'a str,
    forms: &'a [(String, String)],
    form: &'a FormState,
    labels: Labels,
    required: Option<(Option<u64>, u64)>,
    table: &'a [(u64, u64)],
}

/// The new-campaign form.
pub fn new_campaign_page(p: &NewCampaignPage) -> String {
    render(
        &NewCampaignTemplate {
            nav: p.nav,
            unit_id: p.unit_id,
            unit_name: p.unit_name,
            forms: p.forms,
            form: p.form,
            labels: CAMPAIGN_LABELS,
            required: p.required,
            table: p.table,
        },
        Fallback::Report,
    )
}

/// A desk's open link on the campaign page.
#[derive(Debug, Clone)]
pub struct LinkRow {
    pub id: Uuid,
    pub label: String,
    pub url: String,
    pub max_responses: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
}

impl LinkRow {
    pub fn cap(&self) -> String {
        self.max_responses.map(|m| m.to_string()).unwrap_or_else(|| format::DASH.to_owned())
    }

    pub fn expires(&self) -> String {
        self.expires_at.map(local_time).unwrap_or_else(|| format::DASH.to_owned())
    }
}

/// A token batch on the campaign page.
#[derive(Debug, Clone)]
pub struct BatchRow {
    pub id: Uuid,
    pub label: Option<String>,
    pub issued: i64,
    pub redeemed: i64,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

impl BatchRow {
    pub fn name(&self) -> &str {
        self.label.as_deref().unwrap_or("(tanpa label / no label)")
    }

    pub fn created(&self) -> String {
        local_time(self.created_at)
    }
}

/// `/kelola/kampanye/{id}`: everything an operator does with one campaign.
pub struct CampaignPage<'a> {
    pub nav: &'a Nav,
    pub id: Uuid,
    pub title: &'a str,
    pub unit_id: Uuid,
    pub unit_name: &'a str,
    pub form_title: &'a str,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub row: &'a CampaignRow,
    pub links: &'a [LinkRow],
    pub batches: &'a [BatchRow],
    /// The desk form (ids prefixed `meja-`).
    pub link_form: &'a FormState,
    /// The token form (ids prefixed `token-`).
    pub batch_form: &'a FormState,
    pub done: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "kelola/campaign.html", whitespace = "minimize")]
struct CampaignTemplate<'a> {
    nav: &'a Nav,
    id: Uuid,
    title: &'a str,
    unit_id: Uuid,
    unit_name: &'a str,
    form_title: &'a str,
    open: bool,
    period: String,
    row: &'a CampaignRow,
    links: &'a [LinkRow],
    batches: &'a [BatchRow],
    link_form: &'a FormState,
    link_labels: Labels,
    batch_form: &'a FormState,
    batch_labels: Labels,
    done: Option<&'a str>,
}

/// The campaign page.
pub fn campaign_page(p: &CampaignPage) -> String {
    render(
        &CampaignTemplate {
            nav: p.nav,
            id: p.id,
            title: p.title,
            unit_id: p.unit_id,
            unit_name: p.unit_name,
            form_title: p.form_title,
            open: p.row.open(),
            period: format!(
                "{} – {}",
                p.opens_at
                    .map(local_time)
                    .unwrap_or_else(|| "sejak dibuat / from creation".to_owned()),
                p.closes_at
                    .map(local_time)
                    .unwrap_or_else(|| "sampai ditutup / until closed".to_owned())
            ),
            row: p.row,
            links: p.links,
            batches: p.batches,
            link_form: p.link_form,
            link_labels: &[
                ("label", "Nama meja / Desk"),
                ("max_responses", "Batas respons / Cap"),
                ("expires_at", "Berlaku sampai / Valid until"),
            ],
            batch_form: p.batch_form,
            batch_labels: &[
                ("count", "Jumlah / Count"),
                ("label", "Label"),
                ("expires_at", "Berlaku sampai / Valid until"),
                ("format", "Keluaran / Output"),
            ],
            done: p.done,
        },
        Fallback::Report,
    )
}

/// `/kelola/kampanye/{id}/tutup`: the confirmation before closing.
pub struct ClosePage<'a> {
    pub nav: &'a Nav,
    pub id: Uuid,
    pub title: &'a str,
    pub unit_name: &'a str,
    pub n: u64,
    pub required_n: u64,
    pub already_closed: bool,
}

#[derive(Template)]
#[template(path = "kelola/close.html", whitespace = "minimize")]
struct CloseTemplate<'a> {
    nav: &'a Nav,
    id: Uuid,
    title: &'a str,
    unit_name: &'a str,
    n: u64,
    required_n: u64,
    short: bool,
    already_closed: bool,
}

/// The close confirmation.
pub fn close_page(p: &ClosePage) -> String {
    render(
        &CloseTemplate {
            nav: p.nav,
            id: p.id,
            title: p.title,
            unit_name: p.unit_name,
            n: p.n,
            required_n: p.required_n,
            short: p.n < p.required_n,
            already_closed: p.already_closed,
        },
        Fallback::Report,
    )
}

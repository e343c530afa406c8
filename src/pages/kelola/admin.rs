//! The admin's pages: units (register one, edit its service types) and API keys (create one —
//! its secret shown once —, list them by name, revoke one).

use askama::Template;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{FormState, Labels, Nav, local_time};
use crate::pages::render::{Fallback, render};

/// A unit as the admin pages list it.
#[derive(Debug, Clone)]
pub struct UnitRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub instansi: String,
    pub service_types: Vec<String>,
}

/// `/kelola/unit`: the units and the form that registers one.
pub struct UnitsPage<'a> {
    pub nav: &'a Nav,
    pub units: &'a [UnitRow],
    pub form: &'a FormState,
    /// The name of the unit just registered (after the redirect).
    pub created: Option<&'a str>,
}

const UNIT_LABELS: Labels = &[
    ("slug", "Kode unit / Slug"),
    ("name", "Nama unit / Name"),
    ("instansi", "Instansi"),
    ("service_types", "Jenis layanan / Service types"),
];

#[derive(Template)]
#[template(path = "kelola/units.html", whitespace = "minimize")]
struct UnitsTemplate<'a> {
    nav: &'a Nav,
    units: &'a [UnitRow],
    form: &'a FormState,
    labels: Labels,
    created: Option<&'a str>,
}

/// The units page.
pub fn units_page(p: &UnitsPage) -> String {
    render(
        &UnitsTemplate {
            nav: p.nav,
            units: p.units,
            form: p.form,
            labels: UNIT_LABELS,
            created: p.created,
        },
        Fallback::Report,
    )
}

/// `/kelola/unit/{id}/ubah`: a unit's service types, one per line.
pub struct UnitEditPage<'a> {
    pub nav: &'a Nav,
    pub unit: &'a UnitRow,
    pub form: &'a FormState,
}

#[derive(Template)]
#[template(path = "kelola/unit_edit.html", whitespace = "minimize")]
struct UnitEditTemplate<'a> {
    nav: &'a Nav,
    unit: &'a UnitRow,
    form: &'a FormState,
    labels: Labels,
}

/// The page that edits a unit's service types.
pub fn unit_edit_page(p: &UnitEditPage) -> String {
    render(
        &UnitEditTemplate {
            nav: p.nav,
            unit: p.unit,
            form: p.form,
            labels: &[("service_types", "Jenis layanan / Service types")],
        },
        Fallback::Report,
    )
}

/// A key as the keys page lists it: by name, never by its secret.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    /// The operator key's unit, by name.
    pub unit: Option<String>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl KeyRow {
    pub fn created(&self) -> String {
        local_time(self.created_at)
    }

    pub fn revoked(&self) -> Option<String> {
        self.revoked_at.map(local_time)
    }
}

/// A key just created: the only time its secret is shown.
pub struct NewKey<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub key: &'a str,
}

/// `/kelola/kunci`: every key by name, the form that creates one, and a new key's secret once.
pub struct KeysPage<'a> {
    pub nav: &'a Nav,
    pub keys: &'a [KeyRow],
    /// The units an operator key can belong to: (id, name).
    pub units: &'a [(Uuid, String)],
    pub form: &'a FormState,
    pub new_key: Option<NewKey<'a>>,
    /// The name of a key just revoked (after the redirect).
    pub revoked: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "kelola/keys.html", whitespace = "minimize")]
struct KeysTemplate<'a> {
    nav: &'a Nav,
    keys: &'a [KeyRow],
    units: &'a [(Uuid, String)],
    form: &'a FormState,
    labels: Labels,
    new_key: &'a Option<NewKey<'a>>,
    revoked: Option<&'a str>,
}

/// The keys page.
pub fn keys_page(p: &KeysPage) -> String {
    render(
        &KeysTemplate {
            nav: p.nav,
            keys: p.keys,
            units: p.units,
            form: p.form,
            labels: &[("name", "Nama / Name"), ("role", "Peran / Role"), ("unit_id", "Unit")],
            new_key: &p.new_key,
            revoked: p.revoked,
        },
        Fallback::Report,
    )
}

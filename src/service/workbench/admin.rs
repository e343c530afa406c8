//! The admin's workbench: units (list, register, edit service types) and API keys (list by name,
//! create, revoke), through the same use cases as the API.

use uuid::Uuid;

use super::{Form, Reader};
use crate::domain::access::Principal;
use crate::error::{AppError, AppResult};
use crate::pages::kelola::{KeyRow, UnitRow};
use crate::service::{keys, units};
use crate::state::AppState;
use crate::views::keys::CreatedKey;
use crate::views::units::UnitView;

fn row(u: UnitView) -> UnitRow {
    UnitRow {
        id: u.id,
        slug: u.slug,
        name: u.name,
        instansi: u.instansi,
        service_types: u.service_types,
    }
}

/// One per line, blank lines dropped.
fn lines(text: Option<String>) -> Option<Vec<String>> {
    text.map(|t| t.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect())
}

/// The units (admin).
pub async fn units(state: &AppState, who: &Principal) -> AppResult<Vec<UnitRow>> {
    who.require_admin()?;
    Ok(units::list(state, who).await?.into_iter().map(row).collect())
}

/// Registers a unit from the form (`slug`, `name`, `instansi`, `service_types` one per line,
/// `time_zone`).
pub async fn register_unit(state: &AppState, who: &Principal, form: &Form) -> AppResult<UnitRow> {
    let r = Reader::default();
    let input = units::UnitInput {
        slug: r.text(form, "slug"),
        name: r.text(form, "name"),
        instansi: r.text(form, "instansi"),
        service_types: lines(r.text(form, "service_types")),
        default_rule: None,
        time_zone: r.text(form, "time_zone"),
    };
    Ok(row(units::create(state, who, input).await?))
}

/// A unit to edit (admin).
pub async fn unit(state: &AppState, who: &Principal, id: Uuid) -> AppResult<UnitRow> {
    who.require_admin()?;
    Ok(row(units::get(state, who, id).await?))
}

/// Replaces a unit's service types from the form (one per line).
pub async fn edit_service_types(state: &AppState, who: &Principal, id: Uuid, form: &Form) -> AppResult<UnitRow> {
    let types = lines(Reader::default().text(form, "service_types"));
    Ok(row(units::set_service_types(state, who, id, types).await?))
}

/// Every key by name with its unit's name, and the units an operator key can belong to.
pub async fn keys(state: &AppState, who: &Principal) -> AppResult<(Vec<KeyRow>, Vec<(Uuid, String)>)> {
    let list = keys::list(&state.db, who).await?;
    let units: Vec<(Uuid, String)> = units::list(state, who).await?.into_iter().map(|u| (u.id, u.name)).collect();
    let name_of = |id: Option<Uuid>| id.and_then(|id| units.iter().find(|(u, _)| *u == id).map(|(_, n)| n.clone()));
    let rows = list
        .into_iter()
        .map(|k| KeyRow {
            unit: name_of(k.unit_id),
            id: k.id,
            name: k.name,
            role: k.role,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        })
        .collect();
    Ok((rows, units))
}

/// Creates a key from the form (`name`, `role`, `unit_id`); the secret is in the answer only.
pub async fn create_key(state: &AppState, who: &Principal, form: &Form) -> AppResult<CreatedKey> {
    let r = Reader::default();
    let unit_id = match r.text(form, "unit_id") {
        None => None,
        Some(u) => Some(u.parse::<Uuid>().map_err(|_| AppError::field("unit_id", "no unit has this id"))?),
    };
    let input = keys::KeyInput {
        name: r.text(form, "name"),
        role: r.text(form, "role"),
        unit_id,
    };
    keys::create(&state.db, who, input).await
}

/// Revokes a key; returns its name for the confirmation.
pub async fn revoke_key(state: &AppState, who: &Principal, id: Uuid) -> AppResult<String> {
    keys::revoke(&state.db, who, id).await?;
    Ok(keys::list(&state.db, who)
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .map(|k| k.name)
        .unwrap_or_default())
}

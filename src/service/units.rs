//! Units (unit kerja): an admin registers them and changes their settings (time zone, default
//! rule); every role reads them (an operator only its own).

use uuid::Uuid;

use crate::domain::access::Principal;
use crate::domain::scoring::RuleId;
use crate::domain::time_zone::TimeZone;
use crate::domain::values::{Slug, Text, parse_service_types};
use crate::entities::unit;
use crate::error::{AppError, AppResult, During, Fields};
use crate::repo::{self, audit};
use crate::state::AppState;
use crate::views::units::UnitView;

/// A unit as asked for, every field still unchecked.
pub struct UnitInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub instansi: Option<String>,
    pub service_types: Option<Vec<String>>,
    pub default_rule: Option<String>,
    /// `WIB` (default), `WITA` or `WIT`.
    pub time_zone: Option<String>,
}

/// The settings an admin may change, still unchecked; `None` leaves one as it is.
#[derive(Debug, Default)]
pub struct UnitChanges {
    pub time_zone: Option<String>,
    pub default_rule: Option<String>,
}

fn check_time_zone(f: &mut Fields, z: &str) -> Option<TimeZone> {
    f.check(
        "time_zone",
        TimeZone::parse(z).ok_or_else(|| format!("unknown time zone `{z}` (WIB, WITA, WIT)")),
    )
}

fn check_rule(f: &mut Fields, r: &str) -> Option<RuleId> {
    f.check(
        "default_rule",
        RuleId::parse(r).ok_or_else(|| format!("unknown rule `{r}` (permenpanrb-90-2021, permenpanrb-52-2014)")),
    )
}

/// Registers a unit (admin). Every wrong field is listed in one 422; a taken slug is a 409.
#[tracing::instrument(skip_all)]
pub async fn create(state: &AppState, who: &Principal, input: UnitInput) -> AppResult<UnitView> {
    who.require_admin()?;
    let mut f = Fields::new();
    let slug = f.require("slug", input.slug).and_then(|s| f.check("slug", Slug::parse(&s)));
    let name = f.require("name", input.name).and_then(|s| f.check("name", Text::parse(&s, 200)));
    let instansi = f
        .require("instansi", input.instansi)
        .and_then(|s| f.check("instansi", Text::parse(&s, 200)));
    let types = f
        .require("service_types", input.service_types)
        .and_then(|s| f.check("service_types", parse_service_types(&s)));
    let rule = match input.default_rule {
        None => Some(RuleId::Permenpanrb90_2021),
        Some(r) => check_rule(&mut f, &r),
    };
    let zone = match input.time_zone {
        None => Some(TimeZone::Wib),
        Some(z) => check_time_zone(&mut f, &z),
    };
    f.finish()?;
    let (Some(slug), Some(name), Some(instansi), Some(service_types), Some(rule), Some(time_zone)) =
        (slug, name, instansi, types, rule, zone)
    else {
        return Err(AppError::Internal(anyhow::anyhow!("validated unit fields missing")));
    };
    let new = repo::units::NewUnit {
        slug: slug.as_str().to_owned(),
        name: name.into_string(),
        instansi: instansi.into_string(),
        service_types,
        default_rule: rule.as_str().to_owned(),
        time_zone,
    };
    let u = super::audited(&state.db, who.into(), async |txn| {
        let u = repo::units::insert(txn, new).await.map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::Conflict("a unit with this slug already exists".into()),
            other => other,
        })?;
        let entry = audit::Entry {
            action: "unit.create",
            entity: "unit",
            entity_id: u.id.to_string(),
            unit_id: Some(u.id),
            reason: None,
            detail: serde_json::json!({"slug": u.slug, "name": u.name, "time_zone": u.time_zone}),
        };
        Ok((u, Some(entry)))
    })
    .await?;
    Ok(u.into())
}

/// Changes a unit's settings (admin): its time zone and its default rule. The audit entry holds
/// each changed setting's old and new value; a change to what is already set records nothing.
#[tracing::instrument(skip_all, fields(unit_id = %id))]
pub async fn update(state: &AppState, who: &Principal, id: Uuid, changes: UnitChanges) -> AppResult<UnitView> {
    who.require_admin()?;
    let u = find(state, id).await?;
    let mut f = Fields::new();
    let zone = changes.time_zone.as_deref().and_then(|z| check_time_zone(&mut f, z));
    let rule = changes.default_rule.as_deref().and_then(|r| check_rule(&mut f, r));
    f.finish()?;
    let mut detail = serde_json::Map::new();
    if let Some(z) = zone.filter(|z| z.as_str() != u.time_zone) {
        detail.insert("time_zone".into(), serde_json::json!({"old": u.time_zone, "new": z}));
    }
    if let Some(r) = rule.filter(|r| r.as_str() != u.default_rule) {
        detail.insert("default_rule".into(), serde_json::json!({"old": u.default_rule, "new": r}));
    }
    if detail.is_empty() {
        return Ok(u.into());
    }
    let settings = repo::units::UnitSettings {
        time_zone: zone,
        default_rule: rule.map(|r| r.as_str().to_owned()),
    };
    let u = super::audited(&state.db, who.into(), async |txn| {
        let u = repo::units::update(txn, u, settings).await.during("changing a unit")?;
        let entry = audit::Entry {
            action: "unit.update",
            entity: "unit",
            entity_id: u.id.to_string(),
            unit_id: Some(u.id),
            reason: None,
            detail: serde_json::Value::Object(detail),
        };
        Ok((u, Some(entry)))
    })
    .await?;
    Ok(u.into())
}

/// Replaces a unit's service types (admin): the list citizens pick their service from, checked as
/// at registration. Running campaigns show the new list from the next form on.
#[tracing::instrument(skip_all, fields(unit_id = %id))]
pub async fn set_service_types(state: &AppState, who: &Principal, id: Uuid, service_types: Option<Vec<String>>) -> AppResult<UnitView> {
    who.require_admin()?;
    let u = find(state, id).await?;
    let mut f = Fields::new();
    let types = f
        .require("service_types", service_types)
        .and_then(|s| f.check("service_types", parse_service_types(&s)));
    f.finish()?;
    let Some(types) = types else {
        return Err(AppError::Internal(anyhow::anyhow!("validated service types missing")));
    };
    let before = repo::units::service_types(&u);
    let u = super::audited(&state.db, who.into(), async |txn| {
        let u = repo::units::set_service_types(txn, u, &types).await.during("updating a unit")?;
        let entry = (before != types).then(|| audit::Entry {
            action: "unit.update",
            entity: "unit",
            entity_id: u.id.to_string(),
            unit_id: Some(u.id),
            reason: None,
            detail: serde_json::json!({"service_types": {"old": before, "new": types}}),
        });
        Ok((u, entry))
    })
    .await?;
    Ok(u.into())
}

/// The units the caller may see (an operator: its own).
#[tracing::instrument(skip_all)]
pub async fn list(state: &AppState, who: &Principal) -> AppResult<Vec<UnitView>> {
    let units = repo::units::list(&state.db, who.only_unit()).await.during("listing units")?;
    Ok(units.into_iter().map(UnitView::from).collect())
}

/// One unit, if the caller may read it.
#[tracing::instrument(skip_all, fields(unit_id = %id))]
pub async fn get(state: &AppState, who: &Principal, id: Uuid) -> AppResult<UnitView> {
    who.require_read(id)?;
    Ok(find(state, id).await?.into())
}

/// A unit by id, or 404 (no role check: callers check first).
#[tracing::instrument(skip_all, fields(unit_id = %id))]
pub async fn find(state: &AppState, id: Uuid) -> AppResult<unit::Model> {
    repo::units::find(&state.db, id)
        .await
        .during("reading a unit")?
        .ok_or_else(|| AppError::not_found("unit"))
}

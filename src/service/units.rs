//! Units (unit kerja): an admin registers them; every role reads them (an operator only its own).

use uuid::Uuid;

use crate::domain::access::Principal;
use crate::domain::scoring::RuleId;
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
        Some(r) => f.check(
            "default_rule",
            RuleId::parse(&r).ok_or_else(|| format!("unknown rule `{r}` (permenpanrb-90-2021, permenpanrb-52-2014)")),
        ),
    };
    f.finish()?;
    let (Some(slug), Some(name), Some(instansi), Some(service_types), Some(rule)) = (slug, name, instansi, types, rule) else {
        return Err(AppError::Internal(anyhow::anyhow!("validated unit fields missing")));
    };
    let new = repo::units::NewUnit {
        slug: slug.as_str().to_owned(),
        name: name.into_string(),
        instansi: instansi.into_string(),
        service_types,
        default_rule: rule.as_str().to_owned(),
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
            detail: serde_json::json!({"slug": u.slug, "name": u.name}),
        };
        Ok((u, Some(entry)))
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

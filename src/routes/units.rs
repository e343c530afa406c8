//! Units (unit kerja): admin creates; every role reads (an operator only its own).

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::credentials::Role;
use crate::domain::scoring::RuleId;
use crate::domain::values::{Slug, Text, parse_service_types};
use crate::entities::unit;
use crate::error::{AppError, Fields};
use crate::repo::{self, audit};
use crate::state::AppState;

// Fields are read as optional so that one 422 names every missing or wrong field; the schema
// (`openapi::values`) states what each must be.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUnitBody {
    /// Short URL-safe name, e.g. `kpp-pratama-bogor`.
    #[schema(value_type = crate::openapi::values::Slug)]
    pub slug: Option<String>,
    #[schema(value_type = crate::openapi::values::Text200)]
    pub name: Option<String>,
    /// The parent institution (kementerian/lembaga/pemda).
    #[schema(value_type = crate::openapi::values::Text200)]
    pub instansi: Option<String>,
    /// The unit's service types: the `layanan` choices on its forms.
    #[schema(value_type = crate::openapi::values::ServiceTypes)]
    pub service_types: Option<Vec<String>>,
    /// Default scoring rule: `permenpanrb-90-2021` (default) or `permenpanrb-52-2014`.
    #[schema(value_type = Option<RuleId>)]
    pub default_rule: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub instansi: String,
    pub service_types: Vec<String>,
    pub default_rule: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<unit::Model> for UnitView {
    fn from(u: unit::Model) -> UnitView {
        UnitView {
            service_types: repo::units::service_types(&u),
            id: u.id,
            slug: u.slug,
            name: u.name,
            instansi: u.instansi,
            default_rule: u.default_rule,
            created_at: u.created_at,
        }
    }
}

/// Register a unit (admin).
#[utoipa::path(tag = "admin", request_body = NewUnitBody, security(("bearer" = [])),
    responses((status = 201, body = UnitView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/units")]
pub async fn create_unit(state: web::Data<AppState>, who: Principal, body: web::Json<NewUnitBody>) -> Result<HttpResponse, AppError> {
    who.require_admin()?;
    let b = body.into_inner();
    let mut f = Fields::new();
    let slug = f.require("slug", b.slug).and_then(|s| f.check("slug", Slug::parse(&s)));
    let name = f.require("name", b.name).and_then(|s| f.check("name", Text::parse(&s, 200)));
    let instansi = f
        .require("instansi", b.instansi)
        .and_then(|s| f.check("instansi", Text::parse(&s, 200)));
    let types = f
        .require("service_types", b.service_types)
        .and_then(|s| f.check("service_types", parse_service_types(&s)));
    let rule = match b.default_rule {
        None => Some(RuleId::Permenpanrb90_2021),
        Some(r) => f.check(
            "default_rule",
            RuleId::parse(&r).ok_or_else(|| format!("unknown rule `{r}` (permenpanrb-90-2021, permenpanrb-52-2014)")),
        ),
    };
    f.finish()?;
    let (Some(slug), Some(name), Some(instansi), Some(service_types), Some(rule)) = (slug, name, instansi, types, rule) else {
        return Err(AppError::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let u = repo::units::insert(
        &txn,
        repo::units::NewUnit {
            slug: slug.as_str().to_owned(),
            name: name.into_string(),
            instansi: instansi.into_string(),
            service_types,
            default_rule: rule.as_str().to_owned(),
        },
    )
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict(_) => AppError::Conflict("a unit with this slug already exists".into()),
        other => other,
    })?;
    audit::record(
        &txn,
        (&who).into(),
        audit::Entry {
            action: "unit.create",
            entity: "unit",
            entity_id: u.id.to_string(),
            unit_id: Some(u.id),
            reason: None,
            detail: serde_json::json!({"slug": u.slug, "name": u.name}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(UnitView::from(u)))
}

/// List units (an operator sees only its own).
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 200, body = Vec<UnitView>), (status = 401, body = crate::error::Problem)))]
#[get("/units")]
pub async fn list_units(state: web::Data<AppState>, who: Principal) -> Result<web::Json<Vec<UnitView>>, AppError> {
    let only = match who.role {
        Role::Operator => Some(who.unit_id.unwrap_or(Uuid::nil())),
        _ => None,
    };
    let units = repo::units::list(&state.db, only).await?;
    Ok(web::Json(units.into_iter().map(UnitView::from).collect()))
}

/// One unit.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UnitView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/units/{id}")]
pub async fn get_unit(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<UnitView>, AppError> {
    let id = id.into_inner();
    who.require_read(id)?;
    let u = repo::units::find(&state.db, id).await?.ok_or_else(|| AppError::not_found("unit"))?;
    Ok(web::Json(u.into()))
}

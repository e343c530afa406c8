//! Units (unit kerja): admin creates and changes settings; every role reads (an operator only its own).

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use uuid::Uuid;

use super::errors::Object;
use crate::auth::Principal;
use crate::error::AppError;
use crate::service::units::{self as service, UnitChanges, UnitInput};
use crate::state::AppState;
use crate::views::units::UnitView;

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
    /// Default scoring rule: `permenpanrb-90-2021` (default) or `permenpanrb-52-2014`. A year's
    /// evaluation record, when recorded, names the rule of that year's hasil.
    #[schema(value_type = Option<crate::domain::scoring::RuleId>)]
    pub default_rule: Option<String>,
    /// `WIB` (UTC+7, default), `WITA` (UTC+8) or `WIT` (UTC+9): the date responses are recorded
    /// under, the year a campaign counts for, the times the unit's reports show.
    #[schema(value_type = Option<crate::domain::time_zone::TimeZone>)]
    pub time_zone: Option<String>,
}

/// The settings of a unit an admin may change; a field left out stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitChangesBody {
    /// `WIB`, `WITA` or `WIT`.
    #[schema(value_type = Option<crate::domain::time_zone::TimeZone>)]
    pub time_zone: Option<String>,
    /// `permenpanrb-90-2021` or `permenpanrb-52-2014`.
    #[schema(value_type = Option<crate::domain::scoring::RuleId>)]
    pub default_rule: Option<String>,
}

impl From<NewUnitBody> for UnitInput {
    fn from(b: NewUnitBody) -> UnitInput {
        UnitInput {
            slug: b.slug,
            name: b.name,
            instansi: b.instansi,
            service_types: b.service_types,
            default_rule: b.default_rule,
            time_zone: b.time_zone,
        }
    }
}

/// Register a unit (admin).
#[utoipa::path(tag = "admin", request_body = NewUnitBody, security(("bearer" = [])),
    responses((status = 201, body = UnitView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/units")]
pub async fn create_unit(state: web::Data<AppState>, who: Principal, body: web::Json<NewUnitBody>) -> Result<HttpResponse, AppError> {
    let u = service::create(&state, &who, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(u))
}

/// List units (an operator sees only its own).
#[utoipa::path(tag = "admin", security(("bearer" = [])), responses((status = 200, body = Vec<UnitView>), (status = 401, body = crate::error::Problem)))]
#[get("/units")]
pub async fn list_units(state: web::Data<AppState>, who: Principal) -> Result<web::Json<Vec<UnitView>>, AppError> {
    Ok(web::Json(service::list(&state, &who).await?))
}

/// One unit.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UnitView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[get("/units/{id}")]
pub async fn get_unit(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<web::Json<UnitView>, AppError> {
    Ok(web::Json(service::get(&state, &who, id.into_inner()).await?))
}

/// Change a unit's settings: its time zone, its default rule (admin). Audited with old and new.
#[utoipa::path(tag = "admin", request_body = UnitChangesBody, security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = UnitView), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[patch("/units/{id}")]
pub async fn update_unit(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    body: web::Json<Object<UnitChangesBody>>,
) -> Result<web::Json<UnitView>, AppError> {
    let b = body.into_inner().0;
    let changes = UnitChanges {
        time_zone: b.time_zone,
        default_rule: b.default_rule,
    };
    Ok(web::Json(service::update(&state, &who, id.into_inner(), changes).await?))
}

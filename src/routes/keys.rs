//! API keys (admin): created with the plaintext shown once, revoked at once.

use actix_web::{HttpResponse, delete, post, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppError;
use crate::service::keys::{self as service, KeyInput};
use crate::state::AppState;
use crate::views::keys::CreatedKey;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKeyBody {
    pub name: Option<String>,
    /// `admin`, `operator` or `assessor`.
    pub role: Option<String>,
    /// Required for (and only for) operator keys.
    pub unit_id: Option<Uuid>,
}

impl From<NewKeyBody> for KeyInput {
    fn from(b: NewKeyBody) -> KeyInput {
        KeyInput {
            name: b.name,
            role: b.role,
            unit_id: b.unit_id,
        }
    }
}

/// Written by hand, as one shape per kind of key: an operator key names its unit and the others
/// name none, which a derived schema cannot say.
impl utoipa::PartialSchema for NewKeyBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::openapi::values::Text200;
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
        use utoipa::openapi::{KnownFormat, RefOr};
        let shape = |roles: &[&str], unit: ObjectBuilder, required: &[&str]| {
            let mut o = ObjectBuilder::new()
                .property("name", Text200::schema())
                .property(
                    "role",
                    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(roles.to_vec())),
                )
                .property("unit_id", unit)
                .additional_properties(Some(AdditionalProperties::FreeForm(false)));
            for r in required {
                o = o.required(*r);
            }
            o
        };
        let uuid = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            .description(Some("The id of an existing unit: the one this operator works for."));
        let none = ObjectBuilder::new().schema_type(Type::Null);
        RefOr::T(
            OneOfBuilder::new()
                .item(shape(&["operator"], uuid, &["name", "role", "unit_id"]))
                .item(shape(&["admin", "assessor"], none, &["name", "role"]))
                .description(Some(
                    "A key's name and role; an operator key also names its unit, other keys name none.",
                ))
                .into(),
        )
    }
}

impl utoipa::ToSchema for NewKeyBody {}

/// Create an API key (admin). The key is in this response only.
#[utoipa::path(tag = "admin", request_body = NewKeyBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedKey), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/keys")]
pub async fn create_key(state: web::Data<AppState>, who: Principal, body: web::Json<NewKeyBody>) -> Result<HttpResponse, AppError> {
    let created: CreatedKey = service::create(&state.db, &who, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().insert_header(("Cache-Control", "no-store")).json(created))
}

/// Revoke an API key (admin); effective on the next request.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[delete("/keys/{id}")]
pub async fn revoke_key(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    service::revoke(&state.db, &who, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

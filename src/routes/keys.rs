//! API keys (admin): created with the plaintext shown once, revoked at once.

use actix_web::{HttpResponse, delete, post, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::credentials::{Role, new_api_key};
use crate::domain::values::Text;
use crate::error::{AppError, Fields};
use crate::repo::{self, audit};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKeyBody {
    pub name: Option<String>,
    /// `admin`, `operator` or `assessor`.
    pub role: Option<String>,
    /// Required for (and only for) operator keys.
    pub unit_id: Option<Uuid>,
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

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedKey {
    pub id: Uuid,
    /// The secret: shown only in this response, stored only as a hash.
    pub key: String,
    pub name: String,
    pub role: Role,
    pub unit_id: Option<Uuid>,
}

/// Create a key. Checks that an operator key names an existing unit.
pub async fn create(
    db: &impl sea_orm::ConnectionTrait,
    actor: audit::Actor,
    name: &str,
    role: Role,
    unit_id: Option<Uuid>,
) -> Result<CreatedKey, AppError> {
    let (key, hash) = new_api_key();
    let k = repo::keys::insert(db, name, role, unit_id, &hash).await?;
    audit::record(
        db,
        actor,
        audit::Entry {
            action: "key.create",
            entity: "api_key",
            entity_id: k.id.to_string(),
            unit_id,
            reason: None,
            detail: serde_json::json!({"name": name, "role": role.as_str()}),
        },
    )
    .await?;
    Ok(CreatedKey {
        id: k.id,
        key,
        name: k.name,
        role,
        unit_id,
    })
}

/// Validates a key request (shared by the API and the CLI).
pub async fn validate(
    db: &impl sea_orm::ConnectionTrait,
    name: Option<String>,
    role: Option<String>,
    unit_id: Option<Uuid>,
) -> Result<(String, Role, Option<Uuid>), AppError> {
    let mut f = Fields::new();
    let name = f.require("name", name).and_then(|s| f.check("name", Text::parse(&s, 200)));
    let role = f.require("role", role).and_then(|r| f.check("role", r.parse::<Role>()));
    let unit_exists = match unit_id {
        Some(u) => repo::units::find(db, u).await?.is_some(),
        None => false,
    };
    match (role, unit_id) {
        (Some(Role::Operator), None) => f.add("unit_id", "an operator key needs the unit it belongs to"),
        (Some(Role::Operator), Some(_)) if !unit_exists => f.add("unit_id", "no unit has this id"),
        (Some(Role::Operator), Some(_)) => {}
        (Some(_), Some(_)) => f.add("unit_id", "only operator keys belong to a unit"),
        _ => {}
    }
    f.finish()?;
    match (name, role) {
        (Some(n), Some(r)) => Ok((n.into_string(), r, unit_id)),
        _ => Err(AppError::Internal(anyhow::anyhow!("validated fields missing"))),
    }
}

/// Create an API key (admin). The key is in this response only.
#[utoipa::path(tag = "admin", request_body = NewKeyBody, security(("bearer" = [])),
    responses((status = 201, body = CreatedKey), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
#[post("/keys")]
pub async fn create_key(state: web::Data<AppState>, who: Principal, body: web::Json<NewKeyBody>) -> Result<HttpResponse, AppError> {
    who.require_admin()?;
    let b = body.into_inner();
    // Validate (reads) before the transaction, which then starts with a write: on SQLite a
    // transaction that reads first fails "database is locked" when it upgrades under load.
    let (name, role, unit_id) = validate(&state.db, b.name, b.role, b.unit_id).await?;
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let created = create(&txn, (&who).into(), &name, role, unit_id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().insert_header(("Cache-Control", "no-store")).json(created))
}

/// Revoke an API key (admin); effective on the next request.
#[utoipa::path(tag = "admin", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
#[delete("/keys/{id}")]
pub async fn revoke_key(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, AppError> {
    who.require_admin()?;
    let id = id.into_inner();
    let k = repo::keys::find(&state.db, id).await?.ok_or_else(|| AppError::not_found("key"))?;
    let txn = sea_orm::TransactionTrait::begin(&state.db).await?;
    let k = repo::keys::revoke(&txn, k).await?;
    audit::record(
        &txn,
        (&who).into(),
        audit::Entry {
            action: "key.revoke",
            entity: "api_key",
            entity_id: k.id.to_string(),
            unit_id: k.unit_id,
            reason: None,
            detail: serde_json::json!({"name": k.name, "role": k.role}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

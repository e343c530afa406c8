//! Form definitions, as data.

use actix_web::{get, web};

use crate::domain::forms::Form;
use crate::error::AppError;
use crate::service;
use crate::state::AppState;

/// The current version of every form.
#[utoipa::path(tag = "forms", responses((status = 200, body = Vec<Form>)))]
#[get("/forms")]
pub async fn list_forms(state: web::Data<AppState>) -> web::Json<Vec<Form>> {
    web::Json(service::forms::list(&state))
}

/// One form's current version.
#[utoipa::path(tag = "forms", params(("id" = crate::openapi::values::FormId, Path)), responses((status = 200, body = Form), (status = 404, body = crate::error::Problem)))]
#[get("/forms/{id}")]
pub async fn get_form(state: web::Data<AppState>, id: web::Path<String>) -> Result<web::Json<Form>, AppError> {
    Ok(web::Json(service::forms::get(&state, &id)?))
}

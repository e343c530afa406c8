//! The admin's pages: `/kelola/unit` (units; register), `/kelola/unit/{id}/ubah` (service
//! types), `/kelola/kunci` (keys; create, shown once), `/kelola/kunci/{id}/cabut` (revoke).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use uuid::Uuid;

use super::{Signed, error_page, html, kept, refused, see_other, signed, signed_form};
use crate::pages::kelola::{FormState, KeysPage, NewKey, UnitEditPage, UnitsPage, keys_page, unit_edit_page, units_page};
use crate::service::workbench::{Form, admin as service};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct UnitsQuery {
    /// The unit just registered.
    pub terdaftar: Option<Uuid>,
}

/// Draws the units page with this form.
async fn units_with(state: &AppState, s: &Signed, form: FormState, created: Option<Uuid>, status: StatusCode) -> HttpResponse {
    let nav = match s.nav(state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    match service::units(state, &s.who).await {
        Ok(units) => {
            let created = created.and_then(|id| units.iter().find(|u| u.id == id)).map(|u| u.name.as_str());
            html(
                status,
                units_page(&UnitsPage {
                    nav: &nav,
                    units: &units,
                    form: &form,
                    created,
                }),
            )
        }
        Err(e) => error_page(Some(&nav), e),
    }
}

/// `GET /kelola/unit`
pub async fn units(state: web::Data<AppState>, req: HttpRequest, q: web::Query<UnitsQuery>) -> HttpResponse {
    match signed(&state, &req).await {
        Ok(s) => units_with(&state, &s, FormState::default(), q.terdaftar, StatusCode::OK).await,
        Err(r) => r,
    }
}

/// `POST /kelola/unit`: registers a unit.
pub async fn register_unit(state: web::Data<AppState>, req: HttpRequest, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match service::register_unit(&state, &s.who, &form).await {
        Ok(u) => see_other(&format!("/kelola/unit?terdaftar={}", u.id)),
        Err(e) => match refused(e, "slug") {
            Ok(errors) => units_with(&state, &s, kept(&form, errors), None, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
        },
    }
}

/// Draws the service-types page with this form (the unit's own list when `form` is `None`).
async fn edit_with(state: &AppState, s: &Signed, id: Uuid, form: Option<FormState>, status: StatusCode) -> HttpResponse {
    let nav = match s.nav(state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    match service::unit(state, &s.who, id).await {
        Ok(unit) => {
            let form = form
                .unwrap_or_else(|| FormState::with([("service_types".to_owned(), unit.service_types.join("\n"))].into_iter().collect()));
            html(
                status,
                unit_edit_page(&UnitEditPage {
                    nav: &nav,
                    unit: &unit,
                    form: &form,
                }),
            )
        }
        Err(e) => error_page(Some(&nav), e),
    }
}

/// `GET /kelola/unit/{id}/ubah`
pub async fn edit_unit(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> HttpResponse {
    match signed(&state, &req).await {
        Ok(s) => edit_with(&state, &s, id.into_inner(), None, StatusCode::OK).await,
        Err(r) => r,
    }
}

/// `POST /kelola/unit/{id}/ubah`: replaces the service types.
pub async fn save_unit(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let id = id.into_inner();
    match service::edit_service_types(&state, &s.who, id, &form).await {
        Ok(_) => see_other("/kelola/unit"),
        Err(e) => match refused(e, "service_types") {
            Ok(errors) => edit_with(&state, &s, id, Some(kept(&form, errors)), StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
        },
    }
}

#[derive(Deserialize, Default)]
pub struct KeysQuery {
    /// The key just revoked.
    pub dicabut: Option<Uuid>,
}

/// Draws the keys page: the form, a new key's secret (once), a revoked key's name.
async fn keys_with(
    state: &AppState,
    s: &Signed,
    form: FormState,
    new_key: Option<NewKey<'_>>,
    revoked: Option<Uuid>,
    status: StatusCode,
) -> HttpResponse {
    let nav = match s.nav(state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    match service::keys(state, &s.who).await {
        Ok((keys, units)) => {
            let revoked = revoked.and_then(|id| keys.iter().find(|k| k.id == id)).map(|k| k.name.as_str());
            html(
                status,
                keys_page(&KeysPage {
                    nav: &nav,
                    keys: &keys,
                    units: &units,
                    form: &form,
                    new_key,
                    revoked,
                }),
            )
        }
        Err(e) => error_page(Some(&nav), e),
    }
}

/// `GET /kelola/kunci`
pub async fn keys(state: web::Data<AppState>, req: HttpRequest, q: web::Query<KeysQuery>) -> HttpResponse {
    match signed(&state, &req).await {
        Ok(s) => keys_with(&state, &s, FormState::default(), None, q.dicabut, StatusCode::OK).await,
        Err(r) => r,
    }
}

/// `POST /kelola/kunci`: creates a key and shows its secret this once (no redirect: the secret
/// is never put in an address).
pub async fn create_key(state: web::Data<AppState>, req: HttpRequest, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match service::create_key(&state, &s.who, &form).await {
        Ok(k) => {
            let new_key = NewKey {
                name: &k.name,
                role: k.role.as_str(),
                key: &k.key,
            };
            keys_with(&state, &s, FormState::default(), Some(new_key), None, StatusCode::CREATED).await
        }
        Err(e) => match refused(e, "name") {
            Ok(errors) => keys_with(&state, &s, kept(&form, errors), None, None, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
        },
    }
}

/// `POST /kelola/kunci/{id}/cabut`: revokes a key.
pub async fn revoke_key(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let id = id.into_inner();
    match service::revoke_key(&state, &s.who, id).await {
        // Revoking one's own key ends this session too: the next page is the login form.
        Ok(_) => see_other(&format!("/kelola/kunci?dicabut={id}")),
        Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
    }
}

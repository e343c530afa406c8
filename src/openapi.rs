//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations as they
//! are mounted (utoipa-actix-web), so the spec cannot drift from the routes.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Integritas",
        description = "Citizen surveys (IPAK, IPKP, SKM) for Zona Integritas units: campaigns, anonymous links and \
                       single-use tokens, responses, indices with honest statistics, hasil scores and WBK/WBBM verdicts.",
        version = "1.0.0"
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Problem)),
    tags(
        (name = "meta", description = "Health, readiness, metrics, sample size"),
        (name = "forms", description = "Survey definitions"),
        (name = "admin", description = "Units and API keys"),
        (name = "campaigns", description = "Survey periods, open links and single-use tokens"),
        (name = "respond", description = "The citizen's survey, as JSON"),
        (name = "results", description = "Indices, hasil scores, verdicts, exports, integrity"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole document, as `/openapi.json` serves it.
pub fn spec() -> utoipa::openapi::OpenApi {
    actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::api)
        .split_for_parts()
        .1
}

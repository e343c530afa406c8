//! The OpenAPI 3.1 document's frame: its info, tags, security scheme and the errors every
//! operation can answer ([`finish`]), and the schemas of the values the API accepts
//! ([`values`]). The operations themselves come from the handlers' `#[utoipa::path]` annotations
//! as they are mounted (utoipa-actix-web, `routes::openapi_document`), so the document cannot
//! drift from the routes; this module depends on no route, so routes can name its schemas.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub mod values;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Integritas",
        description = "Citizen surveys (IPAK, IPKP, SKM) for Zona Integritas units: campaigns, anonymous links and \
                       single-use tokens, responses, indices with honest statistics, hasil scores and WBK/WBBM verdicts.",
        version = "1.0.0"
    ),
    modifiers(&BearerAuth),
    // The value schemas that parameters name (bodies register theirs through their types).
    components(schemas(
        crate::error::Problem,
        values::Text100,
        values::Text200,
        values::Reason,
        values::Slug,
        values::ServiceTypes,
        values::FormId,
        values::KinerjaParam,
        values::SurveyCode,
        values::TokenFormat,
        values::HasilFormat
    )),
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

/// The errors every operation can answer, whatever its annotation lists: the body extractors'
/// 400/413/415/422, unknown ids (404), an unreachable database (503), and the catch-all 500.
const COMMON_ERRORS: &[(&str, &str)] = &[
    ("400", "Malformed request (e.g. JSON syntax, with its position)"),
    ("404", "Not found"),
    ("413", "Body over 64 KiB"),
    ("415", "Wrong content type"),
    ("422", "Invalid fields (per-field messages in `errors`)"),
    ("500", "Unexpected error (logged; nothing leaked)"),
    ("503", "The database is unavailable; retry later"),
];

/// Completes the generated document: error bodies are `application/problem+json` (RFC 9457),
/// and every operation documents the errors the framework can answer with.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{Content, RefOr, ResponseBuilder};
    let problem = || Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem"))));
    for item in api.paths.paths.values_mut() {
        for op in [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch]
            .into_iter()
            .flatten()
        {
            let protected = op.security.as_ref().is_some_and(|s| !s.is_empty());
            for (code, resp) in op.responses.responses.iter_mut() {
                if (code.starts_with('4') || code.starts_with('5'))
                    && let RefOr::T(r) = resp
                    && let Some(c) = r.content.shift_remove("application/json")
                {
                    r.content.insert(crate::error::PROBLEM_JSON.to_owned(), c);
                }
            }
            let mut extra: Vec<(&str, &str)> = COMMON_ERRORS.to_vec();
            if protected {
                extra.push(("401", "Missing, unknown or revoked key"));
                extra.push(("403", "The key's role may not do this"));
            }
            for (code, description) in extra {
                op.responses.responses.entry(code.to_owned()).or_insert_with(|| {
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(description)
                            .content(crate::error::PROBLEM_JSON, problem())
                            .build(),
                    )
                });
            }
        }
    }
    api
}

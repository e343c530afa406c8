//! The citizen's survey as JSON, for apps: `GET /api/v1/respond/{code}` gives the form and a
//! render token; `POST` submits. Same checks and storage as the HTML form.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::survey::{self, Refused, Submission};
use crate::domain::forms::{Form, Lang, RawSubmission, field_error_messages};
use crate::domain::respond::Closed;
use crate::error::AppError;
use crate::state::AppState;

/// A JSON object kept as its key/value pairs in order, duplicates included (so a duplicated key
/// is refused instead of silently taking the last value).
#[derive(Debug, Default, Clone)]
pub struct Pairs(pub Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pairs, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of field: value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, serde_json::Value>()? {
                    if out.len() >= 200 {
                        return Err(serde::de::Error::custom("too many fields"));
                    }
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl utoipa::PartialSchema for Pairs {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(true)))
            .max_properties(Some(200))
            .into()
    }
}
impl utoipa::ToSchema for Pairs {}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RespondBody {
    /// `{item_id: 1..4}` for every scale item of the form.
    #[serde(default)]
    pub answers: Pairs,
    /// e.g. `{"diarahkan": "tidak"}` (optional).
    #[serde(default)]
    pub screening: Pairs,
    /// e.g. `{"usia": "25-39", "layanan": "Paspor"}` (optional).
    #[serde(default)]
    pub demographics: Pairs,
    /// From the GET of this code; valid for two hours (missing, stale or forged: 400).
    #[schema(value_type = String)]
    pub render_token: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CampaignInfo {
    pub title: String,
    pub unit_name: String,
    /// The choices of the `layanan` demographic.
    pub service_types: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SurveyForm {
    pub form: Form,
    pub campaign: CampaignInfo,
    pub render_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub status: &'static str,
    /// The date recorded with the response (WIB); nothing more precise is kept.
    pub submitted_on: chrono::NaiveDate,
}

fn to_app(r: Refused) -> AppError {
    match r {
        Refused::Closed(Closed::UnknownLink) => AppError::NotFound("no survey link or token with this code".into()),
        Refused::Closed(c) => AppError::Gone(
            match c {
                Closed::TokenUsed => "this single-use token was already used",
                Closed::LinkRevoked => "this link was withdrawn",
                Closed::LinkExpired => "this link has expired",
                Closed::LinkFull => "this link has reached its maximum number of responses",
                Closed::CampaignClosed => "this survey is closed",
                Closed::CampaignNotYetOpen => "this survey is not open yet",
                Closed::UnknownLink => "unknown link",
            }
            .into(),
        ),
        Refused::RateLimited(secs) => AppError::TooManyRequests { retry_after_secs: secs },
        Refused::Honeypot => AppError::BadRequest("the submission was refused".into()),
        Refused::StaleForm(e) => {
            AppError::BadRequest(format!("render_token is {e:?}; GET the form again and submit within two hours").to_lowercase())
        }
        Refused::Invalid(errs) => AppError::validation(field_error_messages(&errs, Lang::En)),
        Refused::Failed(e) => e,
    }
}

/// The form behind a survey code, with a render token.
#[utoipa::path(tag = "respond", params(("code" = crate::openapi::values::SurveyCode, Path)),
    responses((status = 200, body = SurveyForm), (status = 404, body = crate::error::Problem), (status = 410, body = crate::error::Problem)))]
#[get("/respond/{code}")]
pub async fn get_survey(state: web::Data<AppState>, code: web::Path<String>) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    let t = survey::resolve(&state, &code).await.map_err(to_app)?;
    let body = SurveyForm {
        campaign: CampaignInfo {
            title: t.campaign.title.clone(),
            unit_name: t.unit.name.clone(),
            service_types: t.service_types(),
        },
        form: (*t.form).clone(),
        render_token: survey::render_token(&state, &code),
    };
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(body))
}

/// Submit answers (201), or get the reason nothing was stored.
#[utoipa::path(tag = "respond", params(("code" = crate::openapi::values::SurveyCode, Path)), request_body = RespondBody,
    responses((status = 201, body = Accepted), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 410, body = crate::error::Problem), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
#[post("/respond/{code}")]
pub async fn post_survey(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    body: web::Json<RespondBody>,
) -> Result<HttpResponse, AppError> {
    let code = code.into_inner();
    survey::rate_limit(&state, &req, &code).map_err(|r| {
        state.metrics.submissions.with_label_values(&["rate_limited"]).inc();
        to_app(r)
    })?;
    let t = survey::resolve(&state, &code).await.map_err(to_app)?;
    let b = body.into_inner();
    let as_text = |p: Pairs| -> Vec<(String, String)> {
        p.0.into_iter()
            .map(|(k, v)| {
                let s = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k, s)
            })
            .collect()
    };
    let s = Submission {
        raw: RawSubmission {
            answers: b.answers.0,
            screening: as_text(b.screening),
            demographics: as_text(b.demographics),
        },
        render_token: b.render_token,
        honeypot: None,
    };
    let submitted_on = survey::submit(&state, &code, &t, &s).await.map_err(to_app)?;
    Ok(HttpResponse::Created().json(Accepted {
        status: "accepted",
        submitted_on,
    }))
}

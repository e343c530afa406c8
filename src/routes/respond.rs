//! The citizen's survey as JSON, for apps: `GET /api/v1/respond/{code}` gives the form and a
//! render token; `POST` submits. Same checks and storage as the HTML form.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::client::client_address;
use crate::domain::forms::{Lang, RawSubmission, field_error_messages};
use crate::domain::respond::Closed;
use crate::error::AppError;
use crate::service::submit::{self as service, Refused, Submission};
use crate::state::AppState;
use crate::views::survey::{Accepted, SurveyForm};

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

impl RespondBody {
    /// The submission as the service takes it: screening and demographic values as text.
    fn into_submission(self) -> Submission {
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
        Submission {
            raw: RawSubmission {
                answers: self.answers.0,
                screening: as_text(self.screening),
                demographics: as_text(self.demographics),
            },
            render_token: self.render_token,
            honeypot: None,
        }
    }
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
        // Only the HTML form's body can be unreadable; the JSON extractor answers for this API.
        Refused::Unreadable(_) => AppError::BadRequest("unreadable body".into()),
        Refused::Failed(e) => e,
    }
}

/// The form behind a survey code, with a render token.
#[utoipa::path(tag = "respond", params(("code" = crate::openapi::values::SurveyCode, Path)),
    responses((status = 200, body = SurveyForm), (status = 404, body = crate::error::Problem), (status = 410, body = crate::error::Problem)))]
#[get("/respond/{code}")]
pub async fn get_survey(state: web::Data<AppState>, code: web::Path<String>) -> Result<HttpResponse, AppError> {
    let body: SurveyForm = service::survey_form(&state, &code).await.map_err(to_app)?;
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
    let client = client_address(&req, &state.settings.trust_proxy);
    let submission = body.into_inner().into_submission();
    let accepted = service::submit_answers(&state, client, &code, submission).await.map_err(to_app)?;
    Ok(HttpResponse::Created().json(accepted))
}

//! `GET /kode`: the page where a citizen types the code from a slip or poster. A typed code is
//! read in any case, with or without its dashes (`domain::credentials::typed_code`) and sent on
//! to its survey at `/s/{code}` (303), which says whether it is still valid; something that is not
//! a code at all is shown again with the message and what was typed. Nothing is looked up here,
//! so the page tells nothing a survey address would not.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::domain::credentials::typed_code;
use crate::domain::language::Lang;
use crate::pages::{CodePage, code_page};

#[derive(Deserialize)]
pub struct CodeQuery {
    pub kode: Option<String>,
    pub lang: Option<String>,
}

/// `GET /kode`
pub async fn enter(req: HttpRequest, q: web::Query<CodeQuery>) -> HttpResponse {
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = Lang::from_query_or_header(q.lang.as_deref(), accept);
    let typed = q.kode.as_deref().unwrap_or("");
    let (status, refused) = match (q.kode.as_deref().map(str::trim), typed_code(typed)) {
        (None | Some(""), _) => (StatusCode::OK, false),
        (Some(_), Some(code)) => {
            let to = match lang {
                Lang::Id => format!("/s/{code}"),
                Lang::En => format!("/s/{code}?lang=en"),
            };
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, to))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish();
        }
        (Some(_), None) => (StatusCode::UNPROCESSABLE_ENTITY, true),
    };
    // What was typed is shown again only when it is short enough to be a mistyped code.
    let value: String = typed.chars().take(60).collect();
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("text/html; charset=utf-8")
        .body(code_page(&CodePage {
            lang,
            value: &value,
            refused,
        }))
}

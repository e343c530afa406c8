//! Sending a file: `Content-Disposition: attachment` with its name, and its media type.

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::views::download::Download;

pub fn download(d: Download) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(d.content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", d.filename)))
        .body(d.body)
}

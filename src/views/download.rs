//! A file to download: its name, media type and bytes (not serialised; the handler sends it
//! with `Content-Disposition: attachment`).

pub struct Download {
    pub filename: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

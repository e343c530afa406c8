//! `docs/api.md` is the API contract people read, so it must name every operation the server
//! serves. Each operation has a heading there of the form ``### `GET /api/v1/units/{id}` ``; this
//! test reads the running server's `/openapi.json` and fails on an operation without its heading,
//! and on a `/api/…` heading that the server no longer serves. A route added, renamed or removed
//! without its line in the contract therefore fails CI.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::spawn_app;

const API_MD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md");

/// The methods an OpenAPI path item can hold.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// `METHOD /path` of every heading written as ``# … `METHOD /path` ``.
fn documented(markdown: &str) -> BTreeSet<String> {
    markdown
        .lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| {
            let inner = l.split('`').nth(1)?;
            let (method, path) = inner.split_once(' ')?;
            let known = METHODS.iter().any(|m| m.eq_ignore_ascii_case(method)) && method == method.to_ascii_uppercase();
            (known && path.starts_with('/')).then(|| format!("{method} {path}"))
        })
        .collect()
}

/// `METHOD /path` of every operation in an OpenAPI document.
fn served(spec: &Value) -> BTreeSet<String> {
    let paths = spec["paths"].as_object().expect("the OpenAPI document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| format!("{} {path}", m.to_ascii_uppercase()))
        })
        .collect()
}

#[test]
fn docs_headings_are_read_as_operations() {
    let md = "# Title\n### `GET /api/v1/units/{id}`\n### `POST /s/{code}`\nText `GET /nothing` is prose.\n## Errors\n### `get /lower`\n";
    let found: Vec<String> = documented(md).into_iter().collect();
    assert_eq!(found, ["GET /api/v1/units/{id}", "POST /s/{code}"]);
}

#[tokio::test]
async fn docs_api_md_names_every_operation_the_server_serves() {
    let app = spawn_app().await;
    let r = app.get("/openapi.json", None).await;
    assert_eq!(r.status(), 200);
    let spec: Value = r.json().await.unwrap();
    let served = served(&spec);
    assert!(served.len() >= 30, "the OpenAPI document lists too few operations: {served:?}");

    let markdown = std::fs::read_to_string(API_MD).expect("docs/api.md exists");
    let documented = documented(&markdown);

    let missing: Vec<&String> = served.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "docs/api.md has no heading for these operations of /openapi.json; add a section \
         ``### `METHOD /path` `` with who may call it, the request, the answers and a curl example:\n  {}",
        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
    );

    // The other way round, for the JSON API only (the HTML pages are not in the OpenAPI document).
    let stale: Vec<&String> = documented
        .iter()
        .filter(|op| op.split_once(' ').is_some_and(|(_, p)| p.starts_with("/api/")))
        .filter(|op| !served.contains(*op))
        .collect();
    assert!(
        stale.is_empty(),
        "docs/api.md documents operations the server does not serve:\n  {}",
        stale.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
    );
}

//! The role × route matrix, generated from the OpenAPI document: every documented operation must
//! have a row here, so a new route cannot be forgotten. Each row says which roles may call it:
//! `P` public, `A` admin, `O` the unit's own operator, `X` another unit's operator, `S` assessor.
//! Every protected route is also tried with no key, a wrong key and a revoked key (401).
//!
//! The HTML workbench (`/kelola`, the assessor's forms) has its own matrix, [`WORKBENCH`], tried
//! with a login session per role (and none), and checked against the routes it mounts.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// (method, path template, allowed roles)
pub const MATRIX: &[(&str, &str, &str)] = &[
    ("GET", "/healthz", "P"),
    ("GET", "/readyz", "P"),
    ("GET", "/metrics", "A"),
    ("GET", "/api/v1/forms", "P"),
    ("GET", "/api/v1/forms/{id}", "P"),
    ("GET", "/api/v1/sample-size", "P"),
    ("POST", "/api/v1/units", "A"),
    ("GET", "/api/v1/units", "AOXS"),
    ("GET", "/api/v1/units/{id}", "AOS"),
    ("PATCH", "/api/v1/units/{id}", "A"),
    ("POST", "/api/v1/keys", "A"),
    ("DELETE", "/api/v1/keys/{id}", "A"),
    ("POST", "/api/v1/units/{id}/campaigns", "AO"),
    ("GET", "/api/v1/units/{id}/campaigns", "AOS"),
    ("GET", "/api/v1/campaigns/{id}", "AOS"),
    ("POST", "/api/v1/campaigns/{id}/close", "AO"),
    ("POST", "/api/v1/campaigns/{id}/links", "AO"),
    ("GET", "/api/v1/campaigns/{id}/links", "AO"),
    ("POST", "/api/v1/links/{id}/revoke", "AO"),
    ("GET", "/api/v1/links/{id}/qr.svg", "AO"),
    ("GET", "/api/v1/links/{id}/qr.png", "AO"),
    ("POST", "/api/v1/campaigns/{id}/tokens", "AO"),
    ("GET", "/api/v1/campaigns/{id}/token-batches", "AO"),
    ("POST", "/api/v1/token-batches/{id}/revoke", "AO"),
    ("GET", "/api/v1/respond/{code}", "P"),
    ("POST", "/api/v1/respond/{code}", "P"),
    ("GET", "/api/v1/campaigns/{id}/results", "AOS"),
    ("GET", "/api/v1/campaigns/{id}/ledger", "AOS"),
    ("GET", "/api/v1/units/{id}/hasil", "AOS"),
    ("GET", "/api/v1/hasil", "AS"),
    ("GET", "/api/v1/units/{id}/evaluations/{year}", "AOS"),
    ("PUT", "/api/v1/units/{id}/evaluations/{year}", "AS"),
    ("POST", "/api/v1/responses/{id}/exclude", "AS"),
    ("POST", "/api/v1/responses/{id}/include", "AS"),
    ("GET", "/api/v1/audit", "AS"),
    ("GET", "/api/v1/campaigns/{id}/responses.csv", "AS"),
    ("GET", "/api/v1/campaigns/{id}/results.csv", "AOS"),
    ("GET", "/api/v1/campaigns/{id}/results.xlsx", "AS"),
];

/// HTML pages behind a key (not in the OpenAPI document): (method, path template, allowed roles).
pub const PAGES: &[(&str, &str, &str)] = &[("GET", "/links/{id}/poster", "AO")];

/// (method, path template, allowed roles) of every workbench page and form, with the roles of
/// `access.rs`: `A` admin, `O` the unit's operator, `X` another unit's operator, `S` assessor.
pub const WORKBENCH: &[(&str, &str, &str)] = &[
    ("GET", "/kelola/unit", "A"),
    ("POST", "/kelola/unit", "A"),
    ("GET", "/kelola/unit/{unit}/ubah", "A"),
    ("POST", "/kelola/unit/{unit}/ubah", "A"),
    ("GET", "/kelola/unit/{unit}", "AO"),
    ("GET", "/kelola/unit/{unit}/kampanye/baru", "AO"),
    ("POST", "/kelola/unit/{unit}/kampanye/baru", "AO"),
    ("GET", "/kelola/kunci", "A"),
    ("POST", "/kelola/kunci", "A"),
    ("POST", "/kelola/kunci/{key}/cabut", "A"),
    ("GET", "/kelola/kampanye/{campaign}", "AO"),
    ("POST", "/kelola/kampanye/{campaign}/meja", "AO"),
    ("POST", "/kelola/kampanye/{campaign}/kupon", "AO"),
    ("GET", "/kelola/kampanye/{campaign}/tutup", "AO"),
    ("POST", "/kelola/meja/{link}/cabut", "AO"),
    ("GET", "/kelola/meja/{link}/poster", "AO"),
    ("GET", "/kelola/meja/{link}/qr.png", "AO"),
    ("GET", "/kelola/meja/{link}/qr.svg", "AO"),
    ("POST", "/kelola/kupon/{batch}/cabut", "AO"),
    ("GET", "/laporan/kampanye/{campaign}/respons", "AS"),
    ("POST", "/laporan/respons/{response}/keluarkan", "AS"),
    ("POST", "/laporan/respons/{response}/masukkan", "AS"),
    ("GET", "/laporan/unit/{unit}/evaluasi/2026", "AOS"),
    ("POST", "/laporan/unit/{unit}/evaluasi/2026", "AS"),
    ("GET", "/laporan/audit", "AS"),
    // Last: closing changes what the rows above can do.
    ("POST", "/kelola/kampanye/{campaign}/tutup", "AO"),
];

/// HTML pages behind a login session; without one they redirect to `/masuk`.
pub const SESSION_PAGES: &[&str] = &["/laporan", "/laporan/nasional", "/laporan/unit/{id}", "/laporan/kampanye/{id}"];

struct Fixture {
    unit_a: String,
    campaign_a: String,
    link_a: String,
    link_code: String,
    batch_a: String,
    keys: Vec<(char, String)>,
    revoked: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let unit_a = app.create_unit("unit-a").await["id"].as_str().unwrap().to_owned();
    let unit_b = app.create_unit("unit-b").await["id"].as_str().unwrap().to_owned();
    let (_, op_a) = app.create_key("operator", Some(&unit_a)).await;
    let (_, op_b) = app.create_key("operator", Some(&unit_b)).await;
    let (_, assessor) = app.create_key("assessor", None).await;
    let (rev_id, revoked) = app.create_key("admin", None).await;
    let r = app.delete(&format!("/api/v1/keys/{rev_id}"), Some(&app.admin_key)).await;
    assert_eq!(r.status(), 204);
    let c: Value = app
        .post_json(
            &format!("/api/v1/units/{unit_a}/campaigns"),
            Some(&app.admin_key),
            &json!({"form": "ipkp", "title": "Matrix"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let campaign_a = c["id"].as_str().unwrap().to_owned();
    let l: Value = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign_a}/links"),
            Some(&app.admin_key),
            &json!({"label": "Loket"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let link_a = l["id"].as_str().unwrap().to_owned();
    let link_code = l["code"].as_str().unwrap().to_owned();
    let b: Value = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign_a}/tokens"),
            Some(&app.admin_key),
            &json!({"count": 2}),
        )
        .await
        .json()
        .await
        .unwrap();
    let batch_a = b["batch_id"].as_str().unwrap().to_owned();
    Fixture {
        unit_a,
        campaign_a,
        link_a,
        link_code,
        batch_a,
        keys: vec![('A', app.admin_key.clone()), ('O', op_a), ('X', op_b), ('S', assessor)],
        revoked,
    }
}

/// Fills a path template with ids that exist.
async fn concrete(app: &TestApp, f: &Fixture, path: &str) -> String {
    let mut p = path
        .replace("/forms/{id}", "/forms/ipkp")
        .replace("/units/{id}", &format!("/units/{}", f.unit_a))
        .replace("/campaigns/{id}", &format!("/campaigns/{}", f.campaign_a))
        .replace("/links/{id}", &format!("/links/{}", f.link_a))
        .replace("/token-batches/{id}", &format!("/token-batches/{}", f.batch_a))
        .replace("/respond/{code}", &format!("/respond/{}", f.link_code))
        .replace("/responses/{id}", &format!("/responses/{}", uuid::Uuid::new_v4()))
        .replace("{year}", "2025");
    if p.contains("/keys/{id}") {
        // A throwaway key each time, so revoking it hurts no other row.
        let (id, _) = app.create_key("assessor", None).await;
        p = p.replace("{id}", &id);
    }
    assert!(!p.contains('{'), "no id for {path}");
    p
}

async fn call(app: &TestApp, method: &str, path: &str, key: Option<&str>) -> u16 {
    let mut r = match method {
        "GET" => app.client.get(app.url(path)),
        "POST" => app.client.post(app.url(path)).json(&json!({})),
        "PUT" => app.client.put(app.url(path)).json(&json!({})),
        "PATCH" => app.client.patch(app.url(path)).json(&json!({})),
        "DELETE" => app.client.delete(app.url(path)),
        other => panic!("method {other}"),
    };
    if let Some(k) = key {
        r = r.bearer_auth(k);
    }
    r.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_documented_route_is_in_the_matrix() {
    let app = spawn_app().await;
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    let mut documented = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, _) in item.as_object().unwrap() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    for (m, p) in &documented {
        assert!(
            MATRIX.iter().any(|(mm, pp, _)| mm == m && pp == p),
            "{m} {p} is documented but missing from the access matrix"
        );
    }
    for (m, p, _) in MATRIX {
        assert!(
            documented.iter().any(|(mm, pp)| mm == m && pp == p),
            "{m} {p} is in the matrix but not documented"
        );
    }
}

#[tokio::test]
async fn role_by_route_matrix() {
    let app = spawn_app().await;
    let f = fixture(&app).await;
    for (method, template, allowed) in MATRIX.iter().chain(PAGES) {
        if allowed.contains('P') {
            let path = concrete(&app, &f, template).await;
            let s = call(&app, method, &path, None).await;
            assert!(s != 401 && s != 403 && s < 500, "{method} {template} is public but answered {s}");
            continue;
        }
        for (who, key) in [
            ("no key", None),
            ("wrong key", Some("itg_not-a-real-key-at-all-000000000000")),
            ("revoked key", Some(f.revoked.as_str())),
        ] {
            let path = concrete(&app, &f, template).await;
            assert_eq!(call(&app, method, &path, key).await, 401, "{method} {template} with {who}");
        }
        for (role, key) in &f.keys {
            let path = concrete(&app, &f, template).await;
            let s = call(&app, method, &path, Some(key)).await;
            if allowed.contains(*role) {
                assert!(s != 401 && s != 403, "{method} {template}: role {role} should be allowed, got {s}");
            } else {
                assert_eq!(s, 403, "{method} {template}: role {role} should be forbidden");
            }
        }
    }
}

#[tokio::test]
async fn workbench_pages_follow_the_roles() {
    let app = spawn_app().await;
    let (f, keys) = crate::workbench::fixture(&app).await;
    let mut sessions = Vec::new();
    for (role, key) in &keys {
        sessions.push((*role, crate::workbench::session(&app, key).await));
    }
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (method, template, allowed) in WORKBENCH {
        let path = crate::workbench::concrete(&app, &f, template).await;
        // Without a session: a page sends to the login form, a form is refused.
        let r = match *method {
            "GET" => anonymous.get(app.url(&path)).send().await.unwrap(),
            _ => anonymous.post(app.url(&path)).form(&[("csrf", "x")]).send().await.unwrap(),
        };
        match *method {
            "GET" => {
                assert_eq!(r.status(), 303, "{method} {template} without a session");
                assert!(r.headers()["location"].to_str().unwrap().starts_with("/masuk?next="));
            }
            _ => assert_eq!(r.status(), 403, "{method} {template} without a session"),
        }
        for (role, s) in &sessions {
            let path = crate::workbench::concrete(&app, &f, template).await;
            let r = match *method {
                "GET" => s.get(&app, &path).await,
                _ => s.post(&app, &path, &[]).await,
            };
            let status = r.status().as_u16();
            if allowed.contains(*role) {
                assert!(
                    status != 401 && status != 403 && status < 500,
                    "{method} {template}: role {role} should be allowed, got {status}"
                );
            } else {
                assert_eq!(status, 403, "{method} {template}: role {role} should be forbidden");
                let html = r.text().await.unwrap();
                assert!(html.contains("Tidak berhak"), "a page, not a bare status: {html}");
            }
        }
    }
    // `/kelola` itself: the admin's units, the operator's unit, nothing for an assessor.
    for (role, s) in &sessions {
        let r = s.get(&app, "/kelola").await;
        match role {
            'A' => assert_eq!(r.headers()["location"], "/kelola/unit"),
            'O' => assert_eq!(r.headers()["location"], format!("/kelola/unit/{}", f.unit).as_str()),
            'S' => assert_eq!(r.status(), 403),
            _ => {}
        }
    }
}

/// Every path the workbench mounts (`src/routes/kelola/mod.rs`) has its row in [`WORKBENCH`], so
/// a new page cannot be forgotten in the matrix.
#[test]
fn every_workbench_route_is_in_the_matrix() {
    let src = include_str!("../../src/routes/kelola/mod.rs");
    let routes = &src[src.find("pub fn routes").expect("the routes function")..];
    let shape = |p: &str| -> String {
        p.split('/')
            .map(|seg| {
                if seg.starts_with('{') || seg.parse::<i32>().is_ok() {
                    "{}"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let mounted: Vec<String> = routes
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with('/'))
        .map(shape)
        .collect();
    assert!(mounted.len() >= 20, "{mounted:?}");
    for path in &mounted {
        assert!(
            path == "/kelola" || WORKBENCH.iter().any(|(_, p, _)| shape(p) == *path),
            "{path} is mounted but missing from the WORKBENCH matrix"
        );
    }
    for (_, p, _) in WORKBENCH {
        assert!(mounted.contains(&shape(p)), "{p} is in the matrix but not mounted");
    }
}

#[tokio::test]
async fn revocation_is_effective_on_the_next_request() {
    let app = spawn_app().await;
    let (id, key) = app.create_key("assessor", None).await;
    assert_eq!(app.get("/api/v1/units", Some(&key)).await.status(), 200);
    assert_eq!(app.delete(&format!("/api/v1/keys/{id}"), Some(&app.admin_key)).await.status(), 204);
    assert_eq!(app.get("/api/v1/units", Some(&key)).await.status(), 401);
}

#[tokio::test]
async fn operators_see_only_their_own_unit() {
    let app = spawn_app().await;
    let a = app.create_unit("unit-a").await;
    app.create_unit("unit-b").await;
    let (_, op) = app.create_key("operator", a["id"].as_str()).await;
    let units: Value = app.get("/api/v1/units", Some(&op)).await.json().await.unwrap();
    assert_eq!(units.as_array().unwrap().len(), 1);
    assert_eq!(units[0]["slug"], "unit-a");
    let all: Value = app.get("/api/v1/units", Some(&app.admin_key)).await.json().await.unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn security_headers_are_set() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/forms", None).await;
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("script-src"), "no script source is allowed at all: {csp}");
}

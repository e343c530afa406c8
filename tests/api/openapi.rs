//! The OpenAPI document against the server: what it declares is what the server does. Methods a
//! documented path does not serve answer 405 with `Allow`; every declared bound and pattern holds
//! at its edges (the value at the bound accepted, the value just past it refused with 422
//! problem+json), with each bound read from the served document, so neither can move alone.

use regex::Regex;
use serde_json::{Value, json};

use crate::campaigns::{open_link, unit_and_campaign};
use crate::helpers::{TestApp, assert_problem, spawn_app};
use crate::survey::{all, submit_json, survey};

const METHODS: [&str; 8] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];

async fn spec(app: &TestApp) -> Value {
    app.get("/openapi.json", None).await.json().await.unwrap()
}

/// A schema as the document has it, with `$ref`s to components followed.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => resolve(spec, spec.pointer(&r[1..]).unwrap_or_else(|| panic!("{r} resolves"))),
        None => schema,
    }
}

fn component<'a>(spec: &'a Value, name: &str) -> &'a Value {
    &spec["components"]["schemas"][name]
}

/// A body property's schema (through `oneOf: [T, null]` for optional ones).
fn property<'a>(spec: &'a Value, body: &str, name: &str) -> &'a Value {
    let p = &component(spec, body)["properties"][name];
    let p = p["oneOf"]
        .as_array()
        .and_then(|v| v.iter().find(|s| s["type"] != "null"))
        .unwrap_or(p);
    resolve(spec, p)
}

/// A query parameter's schema.
fn parameter<'a>(spec: &'a Value, path: &str, name: &str) -> &'a Value {
    let params = spec["paths"][path]["get"]["parameters"].as_array().unwrap();
    let p = params
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{path} has ?{name}"));
    resolve(spec, &p["schema"])
}

fn bounds(schema: &Value) -> (i64, i64) {
    (
        schema["minimum"].as_f64().unwrap() as i64,
        schema["maximum"].as_f64().unwrap() as i64,
    )
}

fn pattern(schema: &Value) -> Regex {
    Regex::new(schema["pattern"].as_str().expect("a pattern")).unwrap()
}

fn concrete(path: &str) -> String {
    path.replace("{id}", &uuid::Uuid::new_v4().to_string())
        .replace("{code}", "abcdefghjk")
}

#[tokio::test]
async fn every_documented_path_answers_405_with_allow_for_methods_it_does_not_serve() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let served: Vec<&str> = METHODS.into_iter().filter(|m| item.get(m.to_lowercase()).is_some()).collect();
        assert!(!served.is_empty(), "{path}");
        let url = app.url(&concrete(path));
        for method in METHODS.into_iter().filter(|m| !served.contains(m)) {
            for key in [None, Some(app.admin_key.as_str())] {
                let mut req = app.client.request(method.parse().unwrap(), &url);
                if let Some(k) = key {
                    req = req.bearer_auth(k);
                }
                let r = req.send().await.unwrap();
                assert_eq!(r.status(), 405, "{method} {path}");
                let allow = r.headers()["allow"].to_str().unwrap().to_owned();
                assert_eq!(allow, served.join(", "), "{method} {path}");
                let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
                assert_eq!(ct, "application/problem+json", "{method} {path}");
                if method != "HEAD" {
                    let p: Value = r.json().await.unwrap();
                    assert_eq!(p["status"], 405);
                    assert_eq!(p["type"], "/problems/method-not-allowed");
                }
                checked += 1;
            }
        }
        // The methods it serves are not refused as methods.
        for method in &served {
            let r = app
                .client
                .request(method.parse().unwrap(), &url)
                .bearer_auth(&app.admin_key)
                .send()
                .await
                .unwrap();
            assert_ne!(r.status(), 405, "{method} {path}");
        }
    }
    assert!(checked > 200, "{checked} refusals checked");
    // Page paths that serve two methods say which (a citizen gets a page, not JSON).
    for (path, ct) in [("/masuk", "application/problem+json"), ("/s/abcdefghjk", "text/html")] {
        let r = app.client.put(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 405, "{path}");
        assert_eq!(r.headers()["allow"], "GET, POST", "{path}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(ct), "{path}");
    }
    // A path the document does not know stays 404.
    let r = app
        .client
        .request("TRACE".parse().unwrap(), app.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_problem(r, 404).await;
}

#[tokio::test]
async fn the_served_document_is_the_one_the_routes_build_and_every_reference_resolves() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    // The 405 table is read from `routes::openapi_document`: it must be what `/openapi.json` serves.
    let built = serde_json::to_value(integritas::routes::openapi_document()).unwrap();
    assert_eq!(spec, built);
    let mut refs = Vec::new();
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| walk(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(&spec, &mut refs);
    assert!(refs.len() > 50);
    for r in refs {
        assert!(r.starts_with("#/") && spec.pointer(&r[1..]).is_some(), "{r} does not resolve");
    }
}

#[tokio::test]
async fn enums_are_what_the_server_takes() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let forms: Value = app.get("/api/v1/forms", None).await.json().await.unwrap();
    let mut served: Vec<&str> = forms.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    served.sort();
    let declared: Vec<&str> = component(&spec, "FormId")["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(served, declared);
    let rules: Vec<Value> = component(&spec, "RuleId")["enum"].as_array().unwrap().clone();
    assert_eq!(rules, vec![json!("permenpanrb-52-2014"), json!("permenpanrb-90-2021")]);
    assert_eq!(
        property(&spec, "NewUnitBody", "default_rule")["enum"],
        component(&spec, "RuleId")["enum"]
    );

    let unit = app.create_unit("enums").await;
    let uid = unit["id"].as_str().unwrap();
    let hasil = |q: String| {
        let url = format!("/api/v1/units/{uid}/hasil?{q}");
        let app = &app;
        async move { app.get(&url, Some(&app.admin_key)).await }
    };
    for rule in &rules {
        assert_eq!(hasil(format!("rule={}", rule.as_str().unwrap())).await.status(), 200);
    }
    assert_problem(hasil("rule=permenpanrb-90-2022".into()).await, 422).await;
    // Kinerja: one letter A–E in either case, whitespace around (the pattern and the parser agree).
    let kinerja = pattern(parameter(&spec, "/api/v1/units/{id}/hasil", "kinerja"));
    for (q, ok) in [("A", true), ("e", true), (" c ", true), ("F", false), ("AB", false)] {
        assert_eq!(kinerja.is_match(q), ok, "{q:?}");
        let r = hasil(serde_urlencoded::to_string([("kinerja", q)]).unwrap()).await;
        if ok {
            assert_eq!(r.status(), 200, "{q:?}");
        } else {
            assert_problem(r, 422).await;
        }
    }
    // Formats: the declared ones are taken, anything else is refused (it used to answer JSON).
    let formats = parameter(&spec, "/api/v1/hasil", "format")["enum"].clone();
    assert_eq!(formats, json!(["json", "csv", "xlsx"]));
    for f in ["json", "csv"] {
        assert_eq!(
            app.get(&format!("/api/v1/hasil?format={f}"), Some(&app.admin_key)).await.status(),
            200
        );
    }
    assert_problem(app.get("/api/v1/hasil?format=pdf", Some(&app.admin_key)).await, 422).await;
    assert_problem(app.get("/api/v1/hasil?format=", Some(&app.admin_key)).await, 422).await;
    // The national table takes no campaign ids, and does not declare them.
    let national: Vec<&str> = spec["paths"]["/api/v1/hasil"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(!national.contains(&"ipak") && !national.contains(&"ipkp"), "{national:?}");

    let (_, c) = unit_and_campaign(&app, "ipak").await;
    let cid = c["id"].as_str().unwrap();
    let tokens = |f: &str| {
        let url = format!("/api/v1/campaigns/{cid}/tokens?format={f}");
        let app = &app;
        async move { app.post_json(&url, Some(&app.admin_key), &json!({"count": 1})).await }
    };
    assert_eq!(component(&spec, "TokenFormat")["enum"], json!(["json", "csv", "html"]));
    for (f, ct) in [("json", "application/json"), ("csv", "text/csv"), ("html", "text/html")] {
        let r = tokens(f).await;
        assert_eq!(r.status(), 201, "{f}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with(ct), "{f}");
        let documented = &spec["paths"]["/api/v1/campaigns/{id}/tokens"]["post"]["responses"]["201"]["content"];
        assert!(documented.get(ct).is_some(), "{ct} is documented");
    }
    assert_problem(tokens("pdf").await, 422).await;
}

#[tokio::test]
async fn numeric_bounds_hold_at_their_edges() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let admin = Some(app.admin_key.as_str());

    // GET /api/v1/sample-size?population
    let (lo, hi) = bounds(parameter(&spec, "/api/v1/sample-size", "population"));
    assert_eq!((lo, hi), (1, 1_000_000_000_000));
    for n in [lo, hi] {
        assert_eq!(app.get(&format!("/api/v1/sample-size?population={n}"), None).await.status(), 200);
    }
    for q in [format!("{}", lo - 1), format!("{}", hi + 1), String::new(), "%20".into()] {
        assert_problem(app.get(&format!("/api/v1/sample-size?population={q}"), None).await, 422).await;
    }
    assert_eq!(app.get("/api/v1/sample-size", None).await.status(), 200, "unknown: left out");

    // GET /api/v1/audit?limit
    let (lo, hi) = bounds(parameter(&spec, "/api/v1/audit", "limit"));
    assert_eq!((lo, hi), (1, 1000));
    for n in [lo, hi] {
        assert_eq!(app.get(&format!("/api/v1/audit?limit={n}"), admin).await.status(), 200);
    }
    for n in [lo - 1, hi + 1] {
        assert_problem(app.get(&format!("/api/v1/audit?limit={n}"), admin).await, 422).await;
    }

    // GET /api/v1/units/{id}/hasil?year&tlhp_percent
    let (unit, c) = unit_and_campaign(&app, "ipak").await;
    let uid = unit["id"].as_str().unwrap();
    let cid = c["id"].as_str().unwrap();
    let hasil = |q: String| {
        let url = format!("/api/v1/units/{uid}/hasil?{q}");
        let app = &app;
        async move { app.get(&url, admin).await }
    };
    let (lo, hi) = bounds(parameter(&spec, "/api/v1/units/{id}/hasil", "year"));
    assert_eq!((lo, hi), (2000, 2100));
    for n in [lo, hi] {
        assert_eq!(hasil(format!("year={n}")).await.status(), 200);
    }
    for n in [lo - 1, hi + 1] {
        assert_problem(hasil(format!("year={n}")).await, 422).await;
    }
    let (lo, hi) = bounds(parameter(&spec, "/api/v1/units/{id}/hasil", "tlhp_percent"));
    assert_eq!((lo, hi), (0, 100));
    for q in ["tlhp_percent=0", "tlhp_percent=100", "tlhp_percent=99.999"] {
        assert_eq!(hasil(q.into()).await.status(), 200, "{q}");
    }
    for q in ["tlhp_percent=-0.001", "tlhp_percent=100.001"] {
        assert_problem(hasil(q.into()).await, 422).await;
    }

    // POST /api/v1/units/{id}/campaigns: population
    let (lo, hi) = bounds(property(&spec, "NewCampaignBody", "population"));
    assert_eq!((lo, hi), (1, 1_000_000_000_000));
    let campaign = |population: i64| {
        let (url, body) = (
            format!("/api/v1/units/{uid}/campaigns"),
            json!({"form": "skm", "title": "Batas", "population": population}),
        );
        let app = &app;
        async move { app.post_json(&url, admin, &body).await }
    };
    for n in [lo, hi] {
        assert_eq!(campaign(n).await.status(), 201, "{n}");
    }
    for n in [lo - 1, hi + 1] {
        assert_problem(campaign(n).await, 422).await;
    }

    // POST /api/v1/campaigns/{id}/links: max_responses
    let (lo, hi) = bounds(property(&spec, "NewLinkBody", "max_responses"));
    assert_eq!((lo, hi), (1, 10_000_000));
    let link = |m: i64| {
        let (url, body) = (
            format!("/api/v1/campaigns/{cid}/links"),
            json!({"label": "Loket", "max_responses": m}),
        );
        let app = &app;
        async move { app.post_json(&url, admin, &body).await }
    };
    for n in [lo, hi] {
        assert_eq!(link(n).await.status(), 201, "{n}");
    }
    for n in [lo - 1, hi + 1] {
        assert_problem(link(n).await, 422).await;
    }

    // POST /api/v1/campaigns/{id}/tokens: count (a whole number, written either way JSON allows)
    let (lo, hi) = bounds(property(&spec, "NewBatchBody", "count"));
    assert_eq!((lo, hi), (1, 10_000));
    assert!(
        component(&spec, "NewBatchBody")["required"]
            .as_array()
            .unwrap()
            .contains(&json!("count"))
    );
    let tokens = |count: Value| {
        let (url, body) = (format!("/api/v1/campaigns/{cid}/tokens"), json!({"count": count}));
        let app = &app;
        async move { app.post_json(&url, admin, &body).await }
    };
    for n in [json!(lo), json!(hi), json!(2.0)] {
        let r = tokens(n.clone()).await;
        assert_eq!(r.status(), 201, "{n}");
    }
    for n in [json!(lo - 1), json!(hi + 1), json!(2.5), json!(1e20), json!(null)] {
        assert_problem(tokens(n).await, 422).await;
    }
    assert_problem(
        app.post_json(&format!("/api/v1/campaigns/{cid}/tokens"), admin, &json!({})).await,
        422,
    )
    .await;

    // GET /api/v1/links/{id}/qr.svg?size
    let l = open_link(&app, cid, json!({"label": "Loket QR"})).await;
    let lid = l["id"].as_str().unwrap();
    let (lo, hi) = bounds(parameter(&spec, "/api/v1/links/{id}/qr.svg", "size"));
    assert_eq!((lo, hi), (integritas::qr::MIN_SIZE as i64, integritas::qr::MAX_SIZE as i64));
    for n in [lo, hi] {
        assert_eq!(app.get(&format!("/api/v1/links/{lid}/qr.svg?size={n}"), admin).await.status(), 200);
    }
    for n in [lo - 1, hi + 1] {
        assert_problem(app.get(&format!("/api/v1/links/{lid}/qr.svg?size={n}"), admin).await, 422).await;
    }
}

/// `n` characters of `c`.
fn text(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

#[tokio::test]
async fn text_patterns_hold_at_their_edges() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let admin = Some(app.admin_key.as_str());
    let unit = |slug: String, name: String, types: Value| {
        let body = json!({"slug": slug, "name": name, "instansi": "K", "service_types": types});
        let app = &app;
        async move { app.post_json("/api/v1/units", admin, &body).await }
    };

    // Each probe: the declared pattern and the server agree on it.
    let slug = pattern(property(&spec, "NewUnitBody", "slug"));
    let name = pattern(component(&spec, "Text200"));
    let probes: Vec<(String, String, bool)> = vec![
        (text('a', 2), "Unit".into(), true),
        (text('b', 64), "Unit".into(), true),
        (" c2 ".into(), text('x', 200), true),
        ("d3".into(), format!("\t{}  ", text('y', 200)), true),
        (text('e', 1), "Unit".into(), false),
        (text('f', 65), "Unit".into(), false),
        ("-g".into(), "Unit".into(), false),
        ("Hh".into(), "Unit".into(), false),
        ("i4".into(), text('x', 201), false),
        ("j5".into(), "   ".into(), false),
        ("k6".into(), "a\u{7}b".into(), false),
    ];
    for (s, n, ok) in probes {
        assert_eq!(slug.is_match(&s) && name.is_match(&n), ok, "{s:?} {n:?}");
        let r = unit(s.clone(), n.clone(), json!(["Paspor"])).await;
        if ok {
            assert_eq!(r.status(), 201, "{s:?} {n:?}");
        } else {
            assert_problem(r, 422).await;
        }
    }

    // Service types: 1–50 items of 1–100 characters.
    let types = property(&spec, "NewUnitBody", "service_types");
    assert_eq!((types["minItems"].as_u64(), types["maxItems"].as_u64()), (Some(1), Some(50)));
    let item = pattern(&types["items"]);
    let fifty: Vec<String> = (0..50).map(|i| format!("Layanan {i}")).collect();
    let fifty_one: Vec<String> = (0..51).map(|i| format!("Layanan {i}")).collect();
    assert!(item.is_match(&text('z', 100)) && !item.is_match(&text('z', 101)));
    assert_eq!(unit("st-50".into(), "U".into(), json!(fifty)).await.status(), 201);
    assert_eq!(unit("st-100".into(), "U".into(), json!([text('z', 100)])).await.status(), 201);
    for (s, t) in [
        ("st-51", json!(fifty_one)),
        ("st-0", json!([])),
        ("st-101", json!([text('z', 101)])),
        ("st-twice", json!(["Paspor", " paspor"])),
    ] {
        assert_problem(unit(s.into(), "U".into(), t).await, 422).await;
    }

    // A link's label: 1–100 characters.
    let (_, c) = unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap();
    let label = pattern(property(&spec, "NewLinkBody", "label"));
    for (l, ok) in [(text('l', 100), true), (text('l', 101), false), (String::new(), false)] {
        assert_eq!(label.is_match(&l), ok);
        let r = app
            .post_json(&format!("/api/v1/campaigns/{cid}/links"), admin, &json!({"label": l}))
            .await;
        if ok {
            assert_eq!(r.status(), 201);
        } else {
            assert_problem(r, 422).await;
        }
    }

    // An exclusion's reason: 5–1000 characters.
    let (cid, code) = survey(&app).await;
    assert_eq!(submit_json(&app, &code, all(3), json!({})).await.status(), 201);
    // The responses export lists sealed responses.
    integritas::repo::ledger::seal_all(&app.db).await.unwrap();
    let csv = app
        .get(&format!("/api/v1/campaigns/{cid}/responses.csv"), admin)
        .await
        .text()
        .await
        .unwrap();
    let rid = csv.lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
    let reason = pattern(property(&spec, "ReasonBody", "reason"));
    let mut excluded = false;
    for (why, ok) in [
        (text('r', 4), false),
        (text('r', 1001), false),
        (text('r', 5), true),
        (text('r', 1000), true),
    ] {
        assert_eq!(reason.is_match(&why), ok, "{} characters", why.len());
        let action = if excluded { "include" } else { "exclude" };
        let r = app
            .post_json(&format!("/api/v1/responses/{rid}/{action}"), admin, &json!({"reason": why}))
            .await;
        if ok {
            assert_eq!(r.status(), 200, "{} characters", why.len());
            excluded = !excluded;
        } else {
            assert_problem(r, 422).await;
        }
    }
}

#[tokio::test]
async fn bodies_take_only_the_declared_fields_and_key_shapes() {
    let app = spawn_app().await;
    let spec = spec(&app).await;
    let admin = Some(app.admin_key.as_str());
    for body in [
        "NewUnitBody",
        "NewCampaignBody",
        "NewLinkBody",
        "NewBatchBody",
        "ReasonBody",
        "RespondBody",
        "EvaluationBody",
        "UnitChangesBody",
    ] {
        assert_eq!(component(&spec, body)["additionalProperties"], false, "{body}");
    }
    // A misspelt optional field is refused, not ignored (`expires_at` would silently not apply).
    let (unit, c) = unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/links"),
            admin,
            &json!({"label": "Loket", "expire_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    let p = assert_problem(r, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("expire_at"), "{p}");
    assert_eq!(app.count("SELECT COUNT(*) FROM open_link").await, 0);

    // A key's shape: an operator key names its unit, the others name none.
    let shapes = component(&spec, "NewKeyBody")["oneOf"].as_array().unwrap().clone();
    assert_eq!(shapes.len(), 2);
    let uid = unit["id"].as_str().unwrap();
    for (body, status) in [
        (json!({"name": "op", "role": "operator", "unit_id": uid}), 201),
        (json!({"name": "as", "role": "assessor"}), 201),
        (json!({"name": "ad", "role": "admin", "unit_id": null}), 201),
        (json!({"name": "op", "role": "operator"}), 422),
        (json!({"name": "as", "role": "assessor", "unit_id": uid}), 422),
        (json!({"name": "x", "role": "owner"}), 422),
        (json!({"name": "x", "role": "admin", "scope": "all"}), 422),
    ] {
        let r = app.post_json("/api/v1/keys", admin, &body).await;
        assert_eq!(r.status(), status, "{body}");
    }
    for shape in &shapes {
        assert_eq!(shape["additionalProperties"], false);
    }
}

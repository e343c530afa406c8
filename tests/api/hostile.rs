//! A catalogue of hostile input: each case gets the right 4xx and changes nothing; text with
//! SQL or HTML in it is stored as text and rendered back escaped.

use serde_json::{Value, json};

use crate::campaigns::{open_link, unit_and_campaign};
use crate::helpers::{TestApp, assert_problem, spawn_app};
use crate::survey::{all, render_token};

const TABLES: [&str; 8] = [
    "unit",
    "api_key",
    "campaign",
    "open_link",
    "token",
    "response",
    "answer",
    "exclusion",
];

async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for t in TABLES {
        v.push(app.count(&format!("SELECT COUNT(*) FROM {t}")).await);
    }
    v
}

async fn raw(app: &TestApp, method: reqwest::Method, path: &str, ct: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(&app.admin_key)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn hostile_bodies_are_refused_without_side_effects() {
    let app = spawn_app().await;
    let (unit, c) = unit_and_campaign(&app, "ipkp").await;
    let uid = unit["id"].as_str().unwrap().to_owned();
    let cid = c["id"].as_str().unwrap().to_owned();
    let code = open_link(&app, &cid, json!({"label": "L"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let rt = render_token(&app, &code).await;
    let before = snapshot(&app).await;
    let post = reqwest::Method::POST;

    // Oversized bodies (API and citizen form).
    let big = format!("{{\"label\": \"{}\"}}", "x".repeat(80 * 1024));
    assert_problem(
        raw(
            &app,
            post.clone(),
            &format!("/api/v1/campaigns/{cid}/links"),
            "application/json",
            big.into_bytes(),
        )
        .await,
        413,
    )
    .await;
    let r = app
        .client
        .post(app.url(&format!("/s/{code}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("informasi={}", "3".repeat(80 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(
        r.headers()["content-type"].to_str().unwrap().starts_with("text/html"),
        "citizens get a page"
    );

    // Deeply nested JSON.
    let deep = format!(
        "{{\"answers\": {}{}, \"render_token\": \"{rt}\"}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let r = raw(
        &app,
        post.clone(),
        &format!("/api/v1/respond/{code}"),
        "application/json",
        deep.into_bytes(),
    )
    .await;
    assert!(r.status() == 400 || r.status() == 422, "{}", r.status());
    // Invalid UTF-8.
    let mut bad = b"{\"label\": \"".to_vec();
    bad.extend([0xff, 0xfe, 0xfd]);
    bad.extend(b"\"}");
    assert_problem(
        raw(
            &app,
            post.clone(),
            &format!("/api/v1/campaigns/{cid}/links"),
            "application/json",
            bad,
        )
        .await,
        400,
    )
    .await;
    let r = app
        .client
        .post(app.url(&format!("/s/{code}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a', b'=', 0xff, 0xfe])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    // Not JSON at all, and JSON of the wrong shape.
    assert_problem(
        raw(&app, post.clone(), "/api/v1/units", "application/json", b"not json".to_vec()).await,
        400,
    )
    .await;
    assert_problem(app.post_json("/api/v1/units", Some(&app.admin_key), &json!([1, 2, 3])).await, 422).await;
    assert_problem(
        app.post_json("/api/v1/units", Some(&app.admin_key), &json!({"service_types": "Paspor"}))
            .await,
        422,
    )
    .await;

    // Answers: out of range, not integers, wrong types.
    for bad in [
        json!(0),
        json!(5),
        json!(-1),
        json!(2.5),
        json!(1e300),
        json!("3.0"),
        json!(true),
        json!(null),
        json!([3]),
        json!({"v": 3}),
        json!("tiga"),
        json!(9_999_999_999i64),
    ] {
        let mut a = all(3);
        a["waktu"] = bad.clone();
        let p = assert_problem(
            app.post_json(&format!("/api/v1/respond/{code}"), None, &json!({"answers": a, "render_token": rt}))
                .await,
            422,
        )
        .await;
        assert!(p["errors"]["waktu"].is_array(), "{bad}: {p}");
    }
    // Unknown, duplicated and missing items; screening and demographics outside their options.
    let mut a = all(3);
    a["'; DROP TABLE response; --"] = json!(3);
    assert_problem(
        app.post_json(&format!("/api/v1/respond/{code}"), None, &json!({"answers": a, "render_token": rt}))
            .await,
        422,
    )
    .await;
    assert_problem(
        app.post_json(
            &format!("/api/v1/respond/{code}"),
            None,
            &json!({"answers": {}, "render_token": rt}),
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.post_json(
            &format!("/api/v1/respond/{code}"),
            None,
            &json!({"answers": all(3), "render_token": rt, "screening": {"diarahkan": "mungkin"}}),
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.post_json(
            &format!("/api/v1/respond/{code}"),
            None,
            &json!({"answers": all(3), "render_token": rt, "demographics": {"usia": "<script>"}}),
        )
        .await,
        422,
    )
    .await;
    let form =
        "informasi=3&informasi=4&persyaratan=3&prosedur=3&waktu=3&biaya=3&sarana=3&respons=3&pengaduan=3&render_token=".to_owned() + &rt;
    let r = app
        .client
        .post(app.url(&format!("/s/{code}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a duplicated field in a form post");

    // Huge and negative numbers, bad dates.
    for body in [
        json!({"count": 1_000_000_000_000i64}),
        json!({"count": -5}),
        json!({"count": 1.5}),
        json!({"count": 3, "expires_at": "2026-13-45T00:00:00Z"}),
    ] {
        assert_problem(
            app.post_json(&format!("/api/v1/campaigns/{cid}/tokens"), Some(&app.admin_key), &body)
                .await,
            422,
        )
        .await;
    }
    for body in [
        json!({"label": "x", "max_responses": -1}),
        json!({"label": "x", "max_responses": 1e12}),
        json!({"label": "x", "expires_at": "kemarin"}),
    ] {
        assert_problem(
            app.post_json(&format!("/api/v1/campaigns/{cid}/links"), Some(&app.admin_key), &body)
                .await,
            422,
        )
        .await;
    }
    for body in [
        json!({"form": "ipak", "title": "x", "population": -1}),
        json!({"form": "ipak", "title": "x", "population": 1e20}),
        json!({"form": "ipak", "title": "x", "closes_at": "2020-02-30"}),
    ] {
        assert_problem(
            app.post_json(&format!("/api/v1/units/{uid}/campaigns"), Some(&app.admin_key), &body)
                .await,
            422,
        )
        .await;
    }
    for q in ["population=99999999999999999999", "population=1e3", "population=-0"] {
        assert_problem(app.get(&format!("/api/v1/sample-size?{q}"), None).await, 422).await;
    }
    assert_problem(
        app.get(&format!("/api/v1/units/{uid}/hasil?tlhp_percent=NaN"), Some(&app.admin_key))
            .await,
        422,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/units/{uid}/hasil?year=99999999999"), Some(&app.admin_key))
            .await,
        422,
    )
    .await;
    assert_problem(app.get("/api/v1/audit?from=yesterday", Some(&app.admin_key)).await, 422).await;

    assert_eq!(snapshot(&app).await, before, "nothing changed");
}

#[tokio::test]
async fn sql_and_html_in_text_fields_are_kept_as_text_and_escaped() {
    let app = spawn_app().await;
    let evil = "<script>alert(1)</script>'; DROP TABLE unit; --";
    let u: Value = app
        .post_json(
            "/api/v1/units",
            Some(&app.admin_key),
            &json!({"slug": "unit-evil", "name": evil, "instansi": evil, "service_types": [evil, "Paspor"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(u["name"], evil, "stored and returned as text");
    let uid = u["id"].as_str().unwrap();
    let c: Value = app
        .post_json(
            &format!("/api/v1/units/{uid}/campaigns"),
            Some(&app.admin_key),
            &json!({"form": "ipkp", "title": evil}),
        )
        .await
        .json()
        .await
        .unwrap();
    let cid = c["id"].as_str().unwrap();
    let l = open_link(&app, cid, json!({"label": evil})).await;
    let code = l["code"].as_str().unwrap();
    // The citizen form, the poster, the slips and the report all escape it.
    let form = app.get(&format!("/s/{code}"), None).await.text().await.unwrap();
    let poster = app
        .get(&format!("/links/{}/poster", l["id"].as_str().unwrap()), Some(&app.admin_key))
        .await
        .text()
        .await
        .unwrap();
    let slips = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens?format=html"),
            Some(&app.admin_key),
            &json!({"count": 1, "label": evil}),
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        crate::survey::submit_json(&app, code, all(3), json!({"demographics": {"layanan": evil}}))
            .await
            .status(),
        201
    );
    let (_, assessor) = app.create_key("assessor", None).await;
    let s = crate::reports::logged_in(&app, &assessor).await;
    let report = s
        .get(app.url(&format!("/laporan/kampanye/{cid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let unit_page = s
        .get(app.url(&format!("/laporan/unit/{uid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let national = s.get(app.url("/laporan/nasional")).send().await.unwrap().text().await.unwrap();
    for (name, html) in [
        ("form", &form),
        ("poster", &poster),
        ("slips", &slips),
        ("report", &report),
        ("unit", &unit_page),
        ("national", &national),
    ] {
        assert!(!html.contains("<script>alert(1)"), "{name} renders the script tag unescaped");
        assert!(html.contains("alert(1)"), "{name} shows the text");
    }
    // The reason of an exclusion too; and the tables are all still there. (The responses export
    // lists sealed responses.)
    integritas::repo::ledger::seal_all(&app.db).await.unwrap();
    let csv = app
        .get(&format!("/api/v1/campaigns/{cid}/responses.csv"), Some(&app.admin_key))
        .await
        .text()
        .await
        .unwrap();
    let rid = csv.lines().nth(1).unwrap().split(',').next().unwrap().to_owned();
    assert_eq!(
        app.post_json(
            &format!("/api/v1/responses/{rid}/exclude"),
            Some(&assessor),
            &json!({"reason": evil})
        )
        .await
        .status(),
        200
    );
    let report = s
        .get(app.url(&format!("/laporan/kampanye/{cid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!report.contains("<script>alert(1)"));
    assert_eq!(app.count("SELECT COUNT(*) FROM unit").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM response").await, 1);
}

//! Campaigns, open links with QR codes and posters, single-use token batches.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

pub async fn unit_and_campaign(app: &TestApp, form: &str) -> (Value, Value) {
    let unit = app
        .create_unit(&format!("unit-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]))
        .await;
    let c = app
        .post_json(
            &format!("/api/v1/units/{}/campaigns", unit["id"].as_str().unwrap()),
            Some(&app.admin_key),
            &json!({"form": form, "title": "Survei 2026", "population": 250}),
        )
        .await;
    assert_eq!(c.status(), 201);
    (unit, c.json().await.unwrap())
}

pub async fn open_link(app: &TestApp, campaign_id: &str, body: Value) -> Value {
    let r = app
        .post_json(&format!("/api/v1/campaigns/{campaign_id}/links"), Some(&app.admin_key), &body)
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

#[tokio::test]
async fn campaigns_are_created_listed_read_and_closed() {
    let app = spawn_app().await;
    let (unit, c) = unit_and_campaign(&app, "ipkp").await;
    assert_eq!(c["form"], "ipkp");
    assert_eq!(c["form_version"], 1);
    assert_eq!(c["status"], "open");
    assert_eq!(c["population"], 250);
    assert_eq!(c["required_n"], 152);
    // A campaign carries no rule: the unit's evaluation record for the year does (issue 13).
    assert!(c.get("rule").is_none(), "{c}");
    let uid = unit["id"].as_str().unwrap();
    let cid = c["id"].as_str().unwrap();
    let list: Value = app
        .get(&format!("/api/v1/units/{uid}/campaigns"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let got: Value = app
        .get(&format!("/api/v1/campaigns/{cid}"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["title"], "Survei 2026");

    // Scheduled until it opens.
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let s: Value = app
        .post_json(
            &format!("/api/v1/units/{uid}/campaigns"),
            Some(&app.admin_key),
            &json!({"form": "ipak", "title": "Besok", "opens_at": later}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s["status"], "scheduled");

    let closed: Value = app
        .post_json(&format!("/api/v1/campaigns/{cid}/close"), Some(&app.admin_key), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["status"], "closed");
    assert!(closed["closed_at"].is_string());
    // Closing is audited once, and is idempotent.
    let again: Value = app
        .post_json(&format!("/api/v1/campaigns/{cid}/close"), Some(&app.admin_key), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["closed_at"], closed["closed_at"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.close'").await, 1);
    // The form version is now frozen.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM form_version WHERE form_id = 'ipkp' AND version = 1")
            .await,
        1
    );
}

#[tokio::test]
async fn invalid_campaigns_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let unit = app.create_unit("unit-a").await;
    let other = app.create_unit("unit-b").await;
    let uid = unit["id"].as_str().unwrap();
    let now = chrono::Utc::now();
    let cases = [
        (json!({"form": "nope", "title": "x"}), "form"),
        (json!({"form": "ipak"}), "title"),
        (json!({"form": "ipak", "title": "x", "population": 0}), "population"),
        (
            json!({"form": "ipak", "title": "x", "opens_at": (now + chrono::Duration::days(2)).to_rfc3339(), "closes_at": (now + chrono::Duration::days(1)).to_rfc3339()}),
            "closes_at",
        ),
    ];
    for (body, field) in cases {
        let p = assert_problem(
            app.post_json(&format!("/api/v1/units/{uid}/campaigns"), Some(&app.admin_key), &body)
                .await,
            422,
        )
        .await;
        assert!(p["errors"][field].is_array(), "{field}: {p}");
    }
    assert_problem(
        app.post_json(
            &format!("/api/v1/units/{uid}/campaigns"),
            Some(&app.admin_key),
            &json!({"form": "ipak", "title": "x", "opens_at": "tomorrow"}),
        )
        .await,
        422,
    )
    .await;
    // A campaign carries no rule (the year's evaluation record does): refused, never accepted and
    // ignored, whatever it names.
    for rule in ["permenpanrb-90-2021", "permenpanrb-1-1999"] {
        let p = assert_problem(
            app.post_json(
                &format!("/api/v1/units/{uid}/campaigns"),
                Some(&app.admin_key),
                &json!({"form": "ipak", "title": "x", "rule": rule}),
            )
            .await,
            422,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("rule"), "{p}");
    }
    // An operator of another unit may not.
    let (_, op_b) = app.create_key("operator", other["id"].as_str()).await;
    assert_problem(
        app.post_json(
            &format!("/api/v1/units/{uid}/campaigns"),
            Some(&op_b),
            &json!({"form": "ipak", "title": "x"}),
        )
        .await,
        403,
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM campaign").await, 0);
    // The unit's own operator may.
    let (_, op_a) = app.create_key("operator", Some(uid)).await;
    assert_eq!(
        app.post_json(
            &format!("/api/v1/units/{uid}/campaigns"),
            Some(&op_a),
            &json!({"form": "ipak", "title": "x"})
        )
        .await
        .status(),
        201
    );
}

#[tokio::test]
async fn open_links_with_qr_codes_that_decode_to_their_url() {
    let app = spawn_app().await;
    let (_, c) = unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap();
    let l = open_link(&app, cid, json!({"label": "Loket 2", "max_responses": 500})).await;
    assert_eq!(l["kind"], "open");
    let code = l["code"].as_str().unwrap();
    assert_eq!(l["url"], format!("{}/s/{code}", app.address));
    let list: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/links"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    let lid = l["id"].as_str().unwrap();
    let png = app.get(&format!("/api/v1/links/{lid}/qr.png?size=300"), Some(&app.admin_key)).await;
    assert_eq!(png.headers()["content-type"], "image/png");
    let bytes = png.bytes().await.unwrap();
    assert_eq!(decode_qr(&bytes), l["url"].as_str().unwrap());
    let svg = app.get(&format!("/api/v1/links/{lid}/qr.svg"), Some(&app.admin_key)).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
    assert_problem(
        app.get(&format!("/api/v1/links/{lid}/qr.png?size=5"), Some(&app.admin_key)).await,
        422,
    )
    .await;

    let poster = app.get(&format!("/links/{lid}/poster"), Some(&app.admin_key)).await;
    assert_eq!(poster.status(), 200);
    let html = poster.text().await.unwrap();
    for needle in ["Survei 2026", "Loket 2", "<svg", code] {
        assert!(html.contains(needle), "poster lacks {needle}");
    }
    assert_eq!(app.get(&format!("/links/{lid}/poster"), None).await.status(), 401);

    let invalid = [
        json!({}),
        json!({"label": "x", "max_responses": 0}),
        json!({"label": "x", "expires_at": "2000-01-01T00:00:00Z"}),
    ];
    for b in invalid {
        assert_problem(
            app.post_json(&format!("/api/v1/campaigns/{cid}/links"), Some(&app.admin_key), &b)
                .await,
            422,
        )
        .await;
    }
    let revoked: Value = app
        .post_json(&format!("/api/v1/links/{lid}/revoke"), Some(&app.admin_key), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert!(revoked["revoked_at"].is_string());
}

pub fn decode_qr(png: &[u8]) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn a_batch_of_ten_thousand_distinct_tokens_stored_only_as_hashes() {
    let app = spawn_app().await;
    let (_, c) = unit_and_campaign(&app, "ipak").await;
    let cid = c["id"].as_str().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens"),
            Some(&app.admin_key),
            &json!({"count": 10000, "label": "Loket 1 Desember"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let tokens: Vec<&str> = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token"].as_str().unwrap())
        .collect();
    assert_eq!(tokens.len(), 10000);
    assert_eq!(tokens.iter().collect::<HashSet<_>>().len(), 10000, "all distinct");
    for t in &tokens[..10] {
        // Five groups of five characters without look-alikes: ≥ 120 random bits.
        assert_eq!(t.len(), 29, "{t}");
        assert!(
            t.bytes()
                .all(|b| b == b'-' || (b.is_ascii_alphanumeric() && !b"01ILO".contains(&b) && !b.is_ascii_lowercase())),
            "{t}"
        );
    }
    assert_eq!(v["tokens"][0]["url"], format!("{}/s/{}", app.address, tokens[0]));
    assert_eq!(app.count("SELECT COUNT(*) FROM token").await, 10000);

    // No plaintext token anywhere in the database.
    let dump = app.dump_database().await;
    for t in tokens.iter().step_by(97) {
        assert!(!dump.contains(t), "token {t} stored in plaintext");
    }
    assert!(dump.contains(&integritas::domain::credentials::token_hash(tokens[0])));

    let batches: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/token-batches"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(batches[0]["issued"], 10000);
    assert_eq!(batches[0]["redeemed"], 0);
    assert_eq!(batches[0]["revoked"], 0);
    let bid = v["batch_id"].as_str().unwrap();
    let rev: Value = app
        .post_json(&format!("/api/v1/token-batches/{bid}/revoke"), Some(&app.admin_key), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rev["revoked"], 10000);
}

#[tokio::test]
async fn tokens_as_csv_and_as_printable_slips() {
    let app = spawn_app().await;
    let (_, c) = unit_and_campaign(&app, "ipak").await;
    let cid = c["id"].as_str().unwrap();
    let r = app
        .client
        .post(app.url(&format!("/api/v1/campaigns/{cid}/tokens")))
        .bearer_auth(&app.admin_key)
        .header("accept", "text/csv")
        .json(&json!({"count": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "token,url");
    assert_eq!(lines.len(), 6);

    let r = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens?format=html"),
            Some(&app.admin_key),
            &json!({"count": 3, "label": "Slip A"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("data:image/png;base64,").count(), 3);
    assert!(html.contains("Slip A"));

    for body in [
        json!({"count": 0}),
        json!({"count": 10001}),
        json!({}),
        json!({"count": -3}),
        json!({"count": "many"}),
    ] {
        assert_problem(
            app.post_json(&format!("/api/v1/campaigns/{cid}/tokens"), Some(&app.admin_key), &body)
                .await,
            422,
        )
        .await;
    }
    assert_problem(
        app.post_json(
            &format!("/api/v1/campaigns/{cid}/tokens?format=html"),
            Some(&app.admin_key),
            &json!({"count": 1001}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM token").await, 8);
}

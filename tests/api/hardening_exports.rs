//! Issue 16, exports: a link label or unit name that starts like a spreadsheet formula is written
//! as text in every CSV file (responses, results, the national table).

use serde_json::{Value, json};

use crate::campaigns::open_link;
use crate::helpers::{TestApp, spawn_app};
use crate::survey::{all, submit_json};

const NAME: &str = "=HYPERLINK(\"http://evil.example\",\"klik\")";
const LABEL: &str = "=cmd|' /C calc'!A0";

async fn csv(app: &TestApp, path: &str) -> String {
    let r = app.get(path, Some(&app.admin_key)).await;
    assert_eq!(r.status(), 200, "{path}");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"), "{path}");
    r.text().await.unwrap()
}

/// The cells of a CSV file, as a spreadsheet would read them.
fn cells(text: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    r.records()
        .flat_map(|row| row.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

#[tokio::test]
async fn formula_text_is_neutralised_in_every_csv_export() {
    let app = spawn_app().await;
    let unit: Value = app
        .post_json(
            "/api/v1/units",
            Some(&app.admin_key),
            &json!({"slug": "unit-formula", "name": NAME, "instansi": "@SUM(1+1)", "service_types": ["Paspor"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let c: Value = app
        .post_json(
            &format!("/api/v1/units/{}/campaigns", unit["id"].as_str().unwrap()),
            Some(&app.admin_key),
            &json!({"form": "ipkp", "title": "Survei 2026", "population": 250}),
        )
        .await
        .json()
        .await
        .unwrap();
    let cid = c["id"].as_str().unwrap();
    let link = open_link(&app, cid, json!({"label": LABEL})).await;
    let code = link["code"].as_str().unwrap();
    for v in [3, 4, 2, 4, 3, 4] {
        assert_eq!(submit_json(&app, code, all(v), json!({})).await.status(), 201);
    }
    // Closed, so every response is sealed and the exports list them.
    app.close_campaign(cid).await;
    let responses = csv(&app, &format!("/api/v1/campaigns/{cid}/responses.csv")).await;
    let national = csv(&app, "/api/v1/hasil?format=csv").await;
    let results = csv(&app, &format!("/api/v1/campaigns/{cid}/results.csv")).await;
    let all_cells: Vec<String> = [&responses, &national, &results].iter().flat_map(|t| cells(t)).collect();
    for c in &all_cells {
        let first = c.chars().next();
        assert!(
            !matches!(first, Some('=' | '+' | '@' | '\t' | '\r')),
            "a cell a spreadsheet would run: {c:?}"
        );
        if first == Some('-') {
            assert!(c[1..].parse::<f64>().is_ok(), "only numbers start with a minus: {c:?}");
        }
    }
    assert!(responses.contains("'=cmd"), "the label is kept, as text: {responses}");
    assert!(national.contains("'=HYPERLINK") && national.contains("'@SUM"), "{national}");
}

#[tokio::test]
async fn metrics_are_for_admins_and_nothing_the_service_hands_out_is_cached() {
    let app = spawn_app().await;
    assert_eq!(app.get("/metrics", None).await.status(), 401);
    let (operator_unit, _) = crate::campaigns::unit_and_campaign(&app, "ipkp").await;
    let (_, operator) = app.create_key("operator", operator_unit["id"].as_str()).await;
    assert_eq!(app.get("/metrics", Some(&operator)).await.status(), 403);
    assert_eq!(app.get("/metrics", Some(&app.admin_key)).await.status(), 200);

    let (cid, code) = crate::survey::survey(&app).await;
    assert_eq!(submit_json(&app, &code, all(3), json!({})).await.status(), 201);
    let links: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/links"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    let lid = links[0]["id"].as_str().unwrap().to_owned();
    let unit = app.get(&format!("/api/v1/campaigns/{cid}"), Some(&app.admin_key)).await;
    let unit_id = unit.json::<Value>().await.unwrap()["unit_id"].as_str().unwrap().to_owned();
    let mut responses = Vec::new();
    for path in [
        format!("/api/v1/campaigns/{cid}/responses.csv"),
        format!("/api/v1/campaigns/{cid}/results.csv"),
        format!("/api/v1/campaigns/{cid}/results.xlsx"),
        "/api/v1/hasil?format=csv".to_owned(),
        format!("/links/{lid}/poster"),
        format!("/api/v1/campaigns/{cid}/results"),
    ] {
        responses.push((path.clone(), app.get(&path, Some(&app.admin_key)).await));
    }
    let slips = app
        .client
        .post(app.url(&format!("/api/v1/campaigns/{cid}/tokens?format=html")))
        .bearer_auth(&app.admin_key)
        .json(&json!({"count": 2}))
        .send()
        .await
        .unwrap();
    responses.push(("slips".into(), slips));
    let s = crate::reports::logged_in(&app, &app.admin_key).await;
    for path in [
        format!("/laporan/kampanye/{cid}"),
        format!("/kelola/unit/{unit_id}"),
        "/laporan/nasional".into(),
    ] {
        responses.push((path.clone(), s.get(app.url(&path)).send().await.unwrap()));
    }
    for (path, r) in responses {
        assert!(r.status().is_success(), "{path}: {}", r.status());
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
        assert!(r.headers().get("strict-transport-security").is_none(), "{path}: not behind https");
    }
}

#[tokio::test]
async fn hsts_is_sent_when_the_public_url_is_https() {
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("INTEGRITAS_PUBLIC_URL".into(), "https://survei.example.go.id".into());
    })
    .await;
    for path in ["/healthz", "/masuk"] {
        let r = app.get(path, None).await;
        assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000", "{path}");
    }
}

#[tokio::test]
async fn a_slow_body_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = crate::helpers::spawn_app_with(|env| {
        env.insert("INTEGRITAS_BODY_TIMEOUT_SECONDS".into(), "1".into());
    })
    .await;
    let (_, code) = crate::survey::survey(&app).await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/respond/{code} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"answers\":"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    // One byte a while, never the whole body.
    let trickle = async {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            if tcp.write_all(b" ").await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(3), trickle).await;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .expect("the server answers instead of waiting for the rest")
        .unwrap_or(0);
    let answer = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(answer.starts_with("HTTP/1.1 400") || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(9));
}

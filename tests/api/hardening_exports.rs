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

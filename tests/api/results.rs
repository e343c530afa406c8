//! Results, hasil and the national table through the API, against the independent fixtures.

use serde_json::{Value, json};

use crate::campaigns::open_link;
use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/stats/");

fn fixture(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}{name}.json")).unwrap()).unwrap()
}

/// The shipped forms, with the SKM weights of the weighted fixture.
fn forms_with_skm_weights(weights: &[(String, f64)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("integritas-forms-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["ipak.toml", "ipkp.toml", "skm.toml"] {
        let mut text = std::fs::read_to_string(format!("{}/forms/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        if f == "skm.toml" {
            for (id, w) in weights {
                text = text.replace(
                    &format!("[[items]]\nid = \"{id}\"\n"),
                    &format!("[[items]]\nid = \"{id}\"\nweight = {w}\n"),
                );
            }
        }
        std::fs::write(dir.join(f), text).unwrap();
    }
    dir
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) || (a - b).abs() <= 1e-12
}

fn assert_num(got: &Value, want: &Value, what: &str) {
    match (got.as_f64(), want.as_f64()) {
        (Some(g), Some(w)) => assert!(close(g, w), "{what}: got {g}, want {w}"),
        _ => assert_eq!(got, want, "{what}"),
    }
}

/// Creates a campaign, submits every fixture response through the JSON API, returns its id.
pub async fn submit_fixture(app: &TestApp, fx: &Value, form: &str) -> String {
    let unit = app
        .create_unit(&format!("u-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]))
        .await;
    let mut body = json!({"form": form, "title": "Fixture"});
    if let Some(p) = fx["population"].as_u64() {
        body["population"] = json!(p);
    }
    let c: Value = app
        .post_json(
            &format!("/api/v1/units/{}/campaigns", unit["id"].as_str().unwrap()),
            Some(&app.admin_key),
            &body,
        )
        .await
        .json()
        .await
        .unwrap();
    let cid = c["id"].as_str().unwrap().to_owned();
    let code = open_link(app, &cid, json!({"label": "Loket"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    for r in fx["responses"].as_array().unwrap() {
        let resp = crate::survey::submit_json(app, &code, r["answers"].clone(), json!({})).await;
        assert_eq!(resp.status(), 201);
    }
    // The statistics fixtures hold for the final results: closing seals every response.
    app.close_campaign(&cid).await;
    cid
}

async fn check_fixture(name: &str, form: &str) {
    let fx = fixture(name);
    let app = match fx["weights"].as_array() {
        Some(w) => {
            let pairs: Vec<(String, f64)> = fx["items"]
                .as_array()
                .unwrap()
                .iter()
                .zip(w)
                .map(|(i, w)| (i.as_str().unwrap().to_owned(), w.as_f64().unwrap()))
                .collect();
            let dir = forms_with_skm_weights(&pairs);
            spawn_app_with(move |env| {
                env.insert("INTEGRITAS_FORMS_DIR".into(), dir.display().to_string());
            })
            .await
        }
        None => spawn_app().await,
    };
    let cid = submit_fixture(&app, &fx, form).await;
    // Exact figures are those after close (while open they are the published snapshot).
    crate::publication::close(&app, &cid).await;
    let r: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    let e = &fx["expected"];
    assert_eq!(r["n"], e["n"]);
    assert_eq!(r["required_n"], e["required_n"]);
    assert_eq!(r["adequate"], e["adequate"]);
    assert_num(&r["alpha"], &e["alpha"], "alpha");
    for (got, want) in [
        ("value", "index"),
        ("sd", "sd"),
        ("se", "se"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
        ("margin", "margin"),
        ("value_0_4", "value_0_4"),
        ("converted", "converted"),
        ("category", "category"),
    ] {
        assert_num(&r["index"][got], &e[want], &format!("{name} index.{got}"));
    }
    for (gi, wi) in r["items"].as_array().unwrap().iter().zip(e["items"].as_array().unwrap()) {
        assert_eq!(gi["id"], wi["id"]);
        for k in ["mean", "sd", "ci_low", "ci_high"] {
            assert_num(&gi[k], &wi[k], &format!("{name} {} {k}", wi["id"]));
        }
        assert_eq!(gi["distribution"], wi["distribution"]);
    }
    // No response was flagged, so the set without flagged is the same.
    assert_eq!(r["without_flagged"]["n"], e["n"]);
    assert_num(&r["without_flagged"]["index"]["value"], &e["index"], "without_flagged");
}

#[tokio::test]
async fn ipkp_fixture_through_the_api() {
    check_fixture("stats-ipkp-n40", "ipkp").await;
}

#[tokio::test]
async fn ipak_census_fixture_through_the_api() {
    check_fixture("stats-ipak-census-n30", "ipak").await;
}

#[tokio::test]
async fn weighted_skm_fixture_through_the_api() {
    check_fixture("stats-skm-weighted-n25", "skm").await;
}

#[tokio::test]
async fn empty_campaign_results_are_null_not_errors() {
    let app = spawn_app().await;
    let (_, c) = crate::campaigns::unit_and_campaign(&app, "ipak").await;
    let r: Value = app
        .get(
            &format!("/api/v1/campaigns/{}/results", c["id"].as_str().unwrap()),
            Some(&app.admin_key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["n"], 0);
    assert_eq!(r["snapshot_n"], 0);
    assert_eq!(r["index"]["value"], Value::Null);
    assert_eq!(r["alpha"], Value::Null);
    // Open: no distribution below k responses; closed: the exact (empty) one.
    assert_eq!(r["publication"]["distributions_shown"], false);
    assert_eq!(r["items"][0]["distribution"], json!({}));
    assert_eq!(r["adequate"], false);
    let cid = c["id"].as_str().unwrap();
    crate::publication::close(&app, cid).await;
    let r: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["publication"]["exact"], true);
    assert_eq!(r["items"][0]["distribution"], json!({"1": 0, "2": 0, "3": 0, "4": 0}));
}

#[tokio::test]
async fn flags_breakdowns_and_change_against_the_previous_campaign() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_MIN_SECONDS".into(), "3600".into());
    })
    .await;
    let unit = app.create_unit("unit-x").await;
    let uid = unit["id"].as_str().unwrap();
    let mut ids = Vec::new();
    for (title, value) in [("2025", 2), ("2026", 3)] {
        let c: Value = app
            .post_json(
                &format!("/api/v1/units/{uid}/campaigns"),
                Some(&app.admin_key),
                &json!({"form": "ipkp", "title": title}),
            )
            .await
            .json()
            .await
            .unwrap();
        let cid = c["id"].as_str().unwrap().to_owned();
        let code = open_link(&app, &cid, json!({"label": "L"})).await["code"]
            .as_str()
            .unwrap()
            .to_owned();
        for i in 0..8 {
            let mut a = crate::survey::all(value);
            a["waktu"] = json!(if i % 2 == 0 { 4 } else { 1 });
            let layanan = if i < 6 { "Paspor" } else { "Visa" };
            let screening = if i == 0 { "ya" } else { "tidak" };
            let r = crate::survey::submit_json(
                &app,
                &code,
                a,
                json!({"demographics": {"layanan": layanan}, "screening": {"diarahkan": screening}}),
            )
            .await;
            assert_eq!(r.status(), 201);
        }
        app.close_campaign(&cid).await;
        ids.push(cid);
    }
    let r: Value = app
        .get(&format!("/api/v1/campaigns/{}/results", ids[1]), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    // Everyone was a speeder (the threshold is an hour); one was steered. Flagged, not dropped.
    assert_eq!(r["n"], 8);
    assert_eq!(r["flags"]["speeder"], 8);
    assert_eq!(r["flags"]["diarahkan"], 1);
    assert_eq!(r["without_flagged"]["n"], 0);
    // Breakdowns: Paspor has 6 (shown), Visa 2 (suppressed).
    let layanan = r["breakdowns"]["layanan"].as_array().unwrap();
    let paspor = layanan.iter().find(|c| c["value"] == "Paspor").unwrap();
    assert_eq!(paspor["n"], 6);
    assert!(paspor["index"].as_f64().is_some());
    let visa = layanan.iter().find(|c| c["value"] == "Visa").unwrap();
    assert_eq!(visa["suppressed"], true);
    assert_eq!(visa["n"], Value::Null);
    assert!(r["breakdowns"]["usia"].as_array().unwrap().is_empty());
    // The change against 2025: each response's y differs by exactly 7/8.
    assert_eq!(r["change"]["previous_campaign_id"], ids[0].as_str());
    assert!(close(r["change"]["difference"].as_f64().unwrap(), 7.0 / 8.0));
    let p = r["change"]["p_value"].as_f64().unwrap();
    assert!(p < 0.001, "{p}");
}

#[tokio::test]
async fn hasil_for_a_unit_and_the_national_table() {
    let app = spawn_app().await;
    let unit = app.create_unit("unit-h").await;
    let uid = unit["id"].as_str().unwrap().to_owned();
    // IPAK: 30 respondents all answering 4 → value 4.0; IPKP: all 3 → value 3.0.
    for (form, value) in [("ipak", 4u8), ("ipkp", 3u8)] {
        let c: Value = app
            .post_json(
                &format!("/api/v1/units/{uid}/campaigns"),
                Some(&app.admin_key),
                &json!({"form": form, "title": form}),
            )
            .await
            .json()
            .await
            .unwrap();
        let cid = c["id"].as_str().unwrap().to_owned();
        let code = open_link(&app, &cid, json!({"label": "L"})).await["code"]
            .as_str()
            .unwrap()
            .to_owned();
        let form_def: Value = app.get(&format!("/api/v1/forms/{form}"), None).await.json().await.unwrap();
        let answers: Value = Value::Object(
            form_def["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| (i["id"].as_str().unwrap().to_owned(), json!(value)))
                .collect(),
        );
        for _ in 0..30 {
            assert_eq!(
                crate::survey::submit_json(&app, &code, answers.clone(), json!({})).await.status(),
                201
            );
        }
        app.post_json(&format!("/api/v1/campaigns/{cid}/close"), Some(&app.admin_key), &json!({}))
            .await;
    }
    let h: Value = app
        .get(
            &format!("/api/v1/units/{uid}/hasil?kinerja=B&tlhp_percent=80"),
            Some(&app.admin_key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h["rule"], "permenpanrb-90-2021");
    assert!(close(h["ipak"]["value_0_4"].as_f64().unwrap(), 4.0));
    assert!(close(h["ipkp"]["value_0_4"].as_f64().unwrap(), 3.0));
    assert!(h["ipak"]["ledger_head"].is_string(), "closing sealed the ledger");
    let first = &h["hasil"][0];
    assert_eq!(first["rule"], "permenpanrb-90-2021");
    assert_eq!(h["hasil"][1]["rule"], "permenpanrb-52-2014");
    // 90/2021: IPAK 4/4·17.5 = 17.5, kinerja B = 3.75 → bersih 21.25; IPKP 3/4·17.5 = 13.125;
    // hasil 34.375. WBK needs IPKP score ≥ 14.00 (index 3.20): zero variance, 3.0 < 3.2 → fail.
    assert!(close(first["hasil_total"].as_f64().unwrap(), 34.375), "{first}");
    let wbk = first["predicates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["predicate"] == "wbk")
        .unwrap();
    assert_eq!(wbk["verdict"], "fail");
    // 52/2014: IPAK 15, TLHP 80 % → 4, IPKP 3/4·20 = 15; hasil 34.
    assert!(close(h["hasil"][1]["hasil_total"].as_f64().unwrap(), 34.0));

    // Choosing the rule puts it first; bad inputs are 422.
    let h2: Value = app
        .get(&format!("/api/v1/units/{uid}/hasil?rule=permenpanrb-52-2014"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h2["hasil"][0]["rule"], "permenpanrb-52-2014");
    assert_eq!(
        h2["hasil"][0]["hasil_total"],
        Value::Null,
        "TLHP not given: no total, never assumed"
    );
    for q in [
        "kinerja=F",
        "tlhp_percent=120",
        "rule=x",
        "year=1900",
        "ipak=00000000-0000-0000-0000-000000000000",
    ] {
        assert_problem(app.get(&format!("/api/v1/units/{uid}/hasil?{q}"), Some(&app.admin_key)).await, 422).await;
    }
    // A year with no campaigns: both surveys null.
    let h3: Value = app
        .get(&format!("/api/v1/units/{uid}/hasil?year=2024"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h3["ipak"], Value::Null);

    // The national table.
    app.create_unit("unit-empty").await;
    let t: Value = app.get("/api/v1/hasil", Some(&app.admin_key)).await.json().await.unwrap();
    assert_eq!(t.as_array().unwrap().len(), 2);
    let r = app
        .client
        .get(app.url("/api/v1/hasil?format=csv"))
        .bearer_auth(&app.admin_key)
        .send()
        .await
        .unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let row = text.lines().find(|l| l.starts_with("unit-h,")).unwrap();
    assert!(row.contains(",4.00,") && row.contains(",3.00,") && row.contains("fail"), "{row}");

    // The national workbook, asked for by `?format=xlsx` or by its media type: the same columns as
    // the CSV, and the unit's unrounded values.
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    for (query, accept) in [("?format=xlsx", "*/*"), ("", XLSX)] {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/hasil{query}")))
            .bearer_auth(&app.admin_key)
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{query} {accept}");
        assert_eq!(r.headers()["content-type"], XLSX, "{query} {accept}");
        let disposition = r.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.contains("hasil-") && disposition.ends_with(".xlsx\""), "{disposition}");
        national_workbook_holds(&r.bytes().await.unwrap(), &header);
    }
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The national workbook of `hasil_for_a_unit_and_the_national_table`: one sheet, the CSV's header,
/// a row per unit with the numbers of the JSON.
fn national_workbook_holds(bytes: &[u8], csv_header: &[&str]) {
    use calamine::{Data, DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX workbook");
    assert_eq!(wb.sheet_names(), vec!["Nasional"]);
    let sheet = wb.worksheet_range("Nasional").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    assert_eq!(rows.len(), 3, "header + two units");
    let head: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(head, csv_header);
    assert_eq!(&head[..3], ["unit_slug", "unit_name", "instansi"]);
    let col = |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let unit = rows.iter().find(|r| r[col("unit_slug")] == "unit-h").expect("the unit's row");
    let num = |name: &str| {
        unit[col(name)]
            .get_float()
            .unwrap_or_else(|| panic!("{name} is no number: {:?}", unit[col(name)]))
    };
    assert_eq!(unit[col("rule")].to_string(), "permenpanrb-90-2021");
    assert_eq!(num("ipak_n"), 30.0);
    assert_eq!(num("ipkp_n"), 30.0);
    assert!(close(num("ipak_value_0_4"), 4.0));
    assert!(close(num("ipkp_value_0_4"), 3.0));
    // 90/2021: IPAK 4/4 · 17.5, IPKP 3/4 · 17.5 (unrounded in the file).
    assert!(close(num("ipak_score"), 17.5));
    assert!(close(num("ipkp_score"), 13.125));
    assert_eq!(unit[col("wbk")].to_string(), "fail");
    // Without kinerja and TLHP there is no total: an empty cell, never a guess.
    assert!(unit[col("hasil_total")].is_empty());
    let empty = rows
        .iter()
        .find(|r| r[col("unit_slug")] == "unit-empty")
        .expect("the empty unit's row");
    assert!(empty[col("ipak_n")].is_empty());
}

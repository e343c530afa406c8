//! The hasil an assessor can sign (issue 13), through the real server on both databases: the
//! evaluation record (who writes it, who reads it, its audit trail), each unit's hasil and the
//! national table reading their own record with query parameters as marked what-ifs, the choice
//! of campaigns (empty ones skipped with a note), pooling (equal to one campaign holding both
//! sets of answers), the minimum sample, the complete `not_judged`, and Welch only within a form
//! version. The numbers in the comments are worked by hand. Time zones and the upgrade are in
//! `hasil_zones`, the worked example of `docs/hasil.md` in `hasil_example`; the helpers here
//! serve all three.

use serde_json::{Value, json};

use crate::campaigns::open_link;
use crate::foundation::persistent_database;
use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with};
use crate::results::close;
use crate::survey::submit_json;

/// Every item of `form` answered `v`, except the first answered `first` (so items differ).
pub(crate) async fn answers(app: &TestApp, form: &str, v: u8, first: u8) -> Value {
    let def: Value = app.get(&format!("/api/v1/forms/{form}"), None).await.json().await.unwrap();
    let items = def["items"].as_array().unwrap();
    Value::Object(
        items
            .iter()
            .enumerate()
            .map(|(i, it)| (it["id"].as_str().unwrap().to_owned(), json!(if i == 0 { first } else { v })))
            .collect(),
    )
}

/// A campaign of `form` with one response per value in `values` (every item answered that
/// value, so each response's score y is that value), closed. Returns its id.
pub(crate) async fn closed_campaign(app: &TestApp, unit: &str, form: &str, title: &str, values: &[u8], population: Option<i64>) -> String {
    let mut body = json!({"form": form, "title": title});
    if let Some(p) = population {
        body["population"] = json!(p);
    }
    let r = app
        .post_json(&format!("/api/v1/units/{unit}/campaigns"), Some(&app.admin_key), &body)
        .await;
    assert_eq!(r.status(), 201, "create {title}");
    let cid = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    if !values.is_empty() {
        let code = open_link(app, &cid, json!({"label": "Loket"})).await["code"]
            .as_str()
            .unwrap()
            .to_owned();
        for v in values {
            let a = answers(app, form, *v, *v).await;
            assert_eq!(submit_json(app, &code, a, json!({})).await.status(), 201);
        }
    }
    let r = app
        .post_json(&format!("/api/v1/campaigns/{cid}/close"), Some(&app.admin_key), &json!({}))
        .await;
    assert_eq!(r.status(), 200, "close {title}");
    cid
}

pub(crate) async fn put_json(app: &TestApp, path: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client.put(app.url(path)).bearer_auth(key).json(body).send().await.unwrap()
}

pub(crate) async fn json_of(r: reqwest::Response) -> Value {
    assert_eq!(r.status(), 200, "status");
    r.json().await.unwrap()
}

pub(crate) fn this_year() -> i32 {
    use chrono::Datelike;
    (chrono::Utc::now() + chrono::Duration::hours(7)).year()
}

pub(crate) fn predicate<'a>(h: &'a Value, p: &str) -> &'a Value {
    h["predicates"].as_array().unwrap().iter().find(|x| x["predicate"] == p).unwrap()
}

pub(crate) fn condition<'a>(h: &'a Value, p: &str, id: &str) -> &'a Value {
    predicate(h, p)["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn the_evaluation_record_is_written_by_assessors_read_by_the_operator_and_audited() {
    let app = spawn_app().await;
    let unit = app.create_unit("unit-e").await;
    let uid = unit["id"].as_str().unwrap().to_owned();
    let other = app.create_unit("unit-f").await["id"].as_str().unwrap().to_owned();
    let (_, operator) = app.create_key("operator", Some(&uid)).await;
    let (_, other_operator) = app.create_key("operator", Some(&other)).await;
    let (assessor_id, assessor) = app.create_key("assessor", None).await;
    let path = format!("/api/v1/units/{uid}/evaluations/2026");
    let ended_ipak = closed_campaign(&app, &uid, "ipak", "IPAK selesai", &[], None).await;
    let open: Value = app
        .post_json(
            &format!("/api/v1/units/{uid}/campaigns"),
            Some(&app.admin_key),
            &json!({"form": "ipak", "title": "IPAK berjalan"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let other_ipak = closed_campaign(&app, &other, "ipak", "IPAK unit lain", &[], None).await;

    // Nothing recorded yet: 404 for every reader.
    assert_problem(app.get(&path, Some(&operator)).await, 404).await;
    // The operator reads but may not write; another unit's operator may not even read.
    let body = json!({"rule": "permenpanrb-52-2014", "tlhp_percent": 80, "note": "  Diperiksa TPI  "});
    assert_problem(put_json(&app, &path, &operator, &body).await, 403).await;
    assert_problem(app.get(&path, Some(&other_operator)).await, 403).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM evaluation").await, 0);

    // The assessor records it: 201, and the operator reads the same.
    let r = put_json(&app, &path, &assessor, &body).await;
    assert_eq!(r.status(), 201);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["unit_id"], uid.as_str());
    assert_eq!(e["year"], 2026);
    assert_eq!(e["rule"], "permenpanrb-52-2014");
    assert_eq!(e["tlhp_percent"], 80.0);
    assert_eq!(e["kinerja"], Value::Null);
    assert_eq!(e["pooling"], "none");
    assert_eq!(e["note"], "Diperiksa TPI");
    assert_eq!(e["updated_by"], assessor_id.as_str());
    assert_eq!(json_of(app.get(&path, Some(&operator)).await).await, e);

    // The same again changes nothing and records nothing.
    let r = put_json(&app, &path, &assessor, &body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), e);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'evaluation'").await, 1);

    // An admin replaces it (a field left out is empty afterwards: the note goes).
    let r = put_json(
        &app,
        &path,
        &app.admin_key,
        &json!({"rule": "permenpanrb-90-2021", "tlhp_percent": 85.5, "kinerja": "b",
                "ipak_campaign_id": ended_ipak, "pooling": "year"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let e2: Value = r.json().await.unwrap();
    assert_eq!(e2["kinerja"], "B");
    assert_eq!(e2["ipak_campaign_id"], ended_ipak.as_str());
    assert_eq!(e2["note"], Value::Null);
    assert_eq!(e2["created_at"], e["created_at"]);

    // Every change is in the audit log: who, and old → new.
    let trail: Value = app
        .get(&format!("/api/v1/audit?unit_id={uid}"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    let changes: Vec<&Value> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["action"].as_str().unwrap().starts_with("evaluation."))
        .collect();
    assert_eq!(changes.len(), 2, "{changes:?}");
    let created = changes.iter().find(|t| t["action"] == "evaluation.create").unwrap();
    let updated = changes.iter().find(|t| t["action"] == "evaluation.update").unwrap();
    assert_eq!(created["actor_key_id"], assessor_id.as_str());
    assert_eq!(created["actor_role"], "assessor");
    assert_eq!(created["detail"]["old"], Value::Null);
    assert_eq!(created["detail"]["new"]["tlhp_percent"], 80.0);
    assert_eq!(updated["actor_role"], "admin");
    assert_eq!(updated["entity_id"], format!("{uid}/2026"));
    assert_eq!(updated["detail"]["old"]["tlhp_percent"], 80.0);
    assert_eq!(updated["detail"]["old"]["note"], "Diperiksa TPI");
    assert_eq!(updated["detail"]["new"]["tlhp_percent"], 85.5);
    assert_eq!(updated["detail"]["new"]["kinerja"], "B");
    assert_eq!(updated["detail"]["new"]["pooling"], "year");

    // Bad input: every field named, nothing changed.
    let open_id = open["id"].as_str().unwrap();
    for (body, field) in [
        (json!({"tlhp_percent": 100.5}), "tlhp_percent"),
        (json!({"tlhp_percent": -1}), "tlhp_percent"),
        (json!({"kinerja": "F"}), "kinerja"),
        (json!({"rule": "permenpanrb-14-2017"}), "rule"),
        (json!({"pooling": "semester"}), "pooling"),
        (json!({"note": "x".repeat(2001)}), "note"),
        (json!({"ipak_campaign_id": other_ipak}), "ipak_campaign_id"),
        (json!({"ipak_campaign_id": open_id}), "ipak_campaign_id"),
        (json!({"ipkp_campaign_id": ended_ipak}), "ipkp_campaign_id"),
    ] {
        let p = assert_problem(put_json(&app, &path, &assessor, &body).await, 422).await;
        assert!(p["errors"][field].is_array(), "{field}: {p}");
    }
    let p = assert_problem(
        put_json(
            &app,
            &path,
            &assessor,
            &json!({"kinerja": "F", "tlhp_percent": 200, "pooling": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"].as_object().unwrap().len(), 3, "all at once: {p}");
    // Only an object with the declared fields: an array of values, or an unknown field, is refused.
    assert_problem(
        put_json(&app, &path, &assessor, &json!([null, null, null, null, null, null, null])).await,
        422,
    )
    .await;
    let p = assert_problem(put_json(&app, &path, &assessor, &json!({"tlhp": 80})).await, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("tlhp"), "{p}");
    assert_problem(
        put_json(&app, &format!("/api/v1/units/{uid}/evaluations/1999"), &assessor, &json!({})).await,
        422,
    )
    .await;
    assert_problem(
        put_json(
            &app,
            &format!("/api/v1/units/{}/evaluations/2026", uuid::Uuid::new_v4()),
            &assessor,
            &json!({}),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(json_of(app.get(&path, Some(&assessor)).await).await, e2);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'evaluation'").await, 2);
}

/// Each unit's hasil reads its own record; query parameters are what-ifs, marked as such; the
/// national table (JSON, CSV, XLSX) is each unit's own.
///
/// Both units: IPAK 30 responses of all 4 → 4.00 with zero variance, CI [4, 4];
/// IPKP 30 responses of all 3 → 3.00, CI [3, 3].
/// * A, record 90/2021 with kinerja B: IPAK 4/4 × 17.5 = 17.5, kinerja B = 3.75 → bersih 21.25;
///   IPKP 3/4 × 17.5 = 13.125 → total 34.375. WBK: IPKP 13.125 < 14.00 → fail.
/// * B, record 52/2014 with TLHP 80 %: IPAK 4/4 × 15 = 15, TLHP 0.8 × 5 = 4 → bersih 19;
///   IPKP 3/4 × 20 = 15 → total 34. WBK: bersih 19 ≥ 18, IPAK 15 ≥ 13.5, TLHP 4 ≥ 3.5 → pass.
/// * A with `?kinerja=A` (what-if): bersih 17.5 + 5 = 22.5 → total 35.625.
#[tokio::test]
async fn the_hasil_reads_each_units_record_and_marks_what_ifs() {
    let app = spawn_app().await;
    let year = this_year();
    let mut ids = Vec::new();
    for slug in ["unit-a", "unit-b"] {
        let uid = app.create_unit(slug).await["id"].as_str().unwrap().to_owned();
        closed_campaign(&app, &uid, "ipak", "IPAK", &[4; 30], None).await;
        closed_campaign(&app, &uid, "ipkp", "IPKP", &[3; 30], None).await;
        ids.push(uid);
    }
    let (a, b) = (&ids[0], &ids[1]);
    let record = |u: &str, body: Value| {
        let path = format!("/api/v1/units/{u}/evaluations/{year}");
        let app = &app;
        async move { assert_eq!(put_json(app, &path, &app.admin_key, &body).await.status(), 201) }
    };
    record(a, json!({"rule": "permenpanrb-90-2021", "kinerja": "B"})).await;
    record(b, json!({"rule": "permenpanrb-52-2014", "tlhp_percent": 80})).await;

    let h = json_of(app.get(&format!("/api/v1/units/{a}/hasil"), Some(&app.admin_key)).await).await;
    assert_eq!(h["year"], year);
    assert_eq!(h["rule"], "permenpanrb-90-2021");
    assert_eq!(h["what_if"], json!([]));
    assert_eq!(h["evaluation"]["kinerja"], "B");
    assert_eq!(h["inputs"]["kinerja"], "B");
    assert!(close(h["hasil"][0]["hasil_total"].as_f64().unwrap(), 34.375));
    assert_eq!(predicate(&h["hasil"][0], "wbk")["verdict"], "fail");

    let hb = json_of(app.get(&format!("/api/v1/units/{b}/hasil"), Some(&app.admin_key)).await).await;
    assert_eq!(hb["rule"], "permenpanrb-52-2014");
    assert_eq!(hb["hasil"][0]["rule"], "permenpanrb-52-2014");
    assert!(close(hb["hasil"][0]["hasil_total"].as_f64().unwrap(), 34.0));
    assert_eq!(predicate(&hb["hasil"][0], "wbk")["verdict"], "pass");

    // A what-if: marked, computed from the query's value, the record untouched.
    let w = json_of(
        app.get(
            &format!("/api/v1/units/{a}/hasil?kinerja=A&rule=permenpanrb-90-2021"),
            Some(&app.admin_key),
        )
        .await,
    )
    .await;
    assert_eq!(w["what_if"], json!(["rule", "kinerja"]));
    assert_eq!(w["inputs"]["kinerja"], "A");
    assert_eq!(w["evaluation"]["kinerja"], "B");
    assert!(close(w["hasil"][0]["hasil_total"].as_f64().unwrap(), 35.625));

    // The national table: each unit's own record.
    let t = json_of(app.get(&format!("/api/v1/hasil?year={year}"), Some(&app.admin_key)).await).await;
    let row = |slug: &str| t.as_array().unwrap().iter().find(|r| r["unit"]["slug"] == slug).unwrap().clone();
    assert!(close(row("unit-a")["hasil"][0]["hasil_total"].as_f64().unwrap(), 34.375));
    assert!(close(row("unit-b")["hasil"][0]["hasil_total"].as_f64().unwrap(), 34.0));
    assert_eq!(row("unit-b")["rule"], "permenpanrb-52-2014");
    // A national what-if applies to every row and says so.
    let t = json_of(
        app.get(&format!("/api/v1/hasil?year={year}&tlhp_percent=90"), Some(&app.admin_key))
            .await,
    )
    .await;
    assert!(t.as_array().unwrap().iter().all(|r| r["what_if"] == json!(["tlhp_percent"])));

    // CSV: the record's columns, rounded for reading.
    let csv = app
        .client
        .get(app.url(&format!("/api/v1/hasil?year={year}&format=csv")))
        .bearer_auth(&app.admin_key)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let a_row = rows.iter().find(|r| r[0] == "unit-a").unwrap();
    let b_row = rows.iter().find(|r| r[0] == "unit-b").unwrap();
    assert_eq!(
        (a_row[col("rule")], a_row[col("kinerja")], a_row[col("tlhp_percent")]),
        ("permenpanrb-90-2021", "B", "")
    );
    assert_eq!(a_row[col("hasil_total")], "34.38", "34.375 rounds half up");
    assert_eq!(a_row[col("what_if")], "");
    assert_eq!((b_row[col("rule")], b_row[col("tlhp_percent")]), ("permenpanrb-52-2014", "80.00"));
    assert_eq!(b_row[col("hasil_total")], "34.00");
    assert_eq!(b_row[col("wbk")], "pass");

    // XLSX: the same columns, unrounded numbers.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/hasil?year={year}&format=xlsx")))
        .bearer_auth(&app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    use calamine::{Data, DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("Nasional").unwrap();
    let cells: Vec<&[Data]> = sheet.rows().collect();
    let xhead: Vec<String> = cells[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(xhead, head);
    let xa = cells.iter().find(|r| r[0] == "unit-a").unwrap();
    let xb = cells.iter().find(|r| r[0] == "unit-b").unwrap();
    assert!(close(xa[col("hasil_total")].get_float().unwrap(), 34.375));
    assert_eq!(xa[col("kinerja")].to_string(), "B");
    assert!(close(xb[col("tlhp_percent")].get_float().unwrap(), 80.0));
    assert_eq!(xb[col("wbk")].to_string(), "pass");
}

/// Issue 13: closing an empty campaign after one with data must not empty the hasil. The
/// latest ended campaign with responses counts, and the empty one is named in a note.
#[tokio::test]
async fn an_empty_campaign_closed_later_is_skipped_with_a_note() {
    let app = spawn_app().await;
    let uid = app.create_unit("unit-s").await["id"].as_str().unwrap().to_owned();
    let full = closed_campaign(&app, &uid, "ipak", "IPAK semester I", &[4; 30], None).await;
    let empty = closed_campaign(&app, &uid, "ipak", "IPAK semester II", &[], None).await;
    let h = json_of(app.get(&format!("/api/v1/units/{uid}/hasil?kinerja=A"), Some(&app.admin_key)).await).await;
    assert_eq!(h["ipak"]["campaign_id"], full.as_str());
    assert!(close(h["ipak"]["value_0_4"].as_f64().unwrap(), 4.0));
    assert_eq!(h["ipak"]["n"], 30);
    // IPAK 4/4 × 17.5 = 17.5 is scored (IPKP has no campaign, so there is no total).
    assert!(close(h["hasil"][0]["indicators"][0]["score"].as_f64().unwrap(), 17.5));
    let notes = h["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["survey"], "ipak");
    assert_eq!(notes[0]["kind"], "skipped_empty");
    assert_eq!(notes[0]["campaign_id"], empty.as_str());
    assert!(notes[0]["text"].as_str().unwrap().contains("IPAK semester II"));
    assert_eq!(h["ipkp"], Value::Null);
}

/// Pooling two campaigns gives exactly what one campaign holding both sets of answers gives.
/// P1: y = 4, 4, 4, 3, 3, 2 (N = 100); P2: y = 3, 3, 2, 2, 4 (N = 80); Q: all eleven (N = 180).
/// n = 11, Σy = 34, Σy² = 4·16 + 4·9 + 3·4 = 112 → mean 34/11 = 3.090909…, SS = 112 − 34²/11
/// = 6.909090…, SD = √(SS/10) = 0.831209…; fpc = √((180 − 11)/179); the same CI for both.
#[tokio::test]
async fn pooling_two_campaigns_equals_one_campaign_with_both() {
    let app = spawn_app_with(|env| {
        // Campaigns of five or six responses: the smallest anonymity group lets them count.
        env.insert("INTEGRITAS_MIN_GROUP".into(), "5".into());
    })
    .await;
    let year = this_year();
    let p = app.create_unit("unit-p").await["id"].as_str().unwrap().to_owned();
    let q = app.create_unit("unit-q").await["id"].as_str().unwrap().to_owned();
    let p1 = closed_campaign(&app, &p, "ipkp", "IPKP Q1", &[4, 4, 4, 3, 3, 2], Some(100)).await;
    let p2 = closed_campaign(&app, &p, "ipkp", "IPKP Q2", &[3, 3, 2, 2, 4], Some(80)).await;
    closed_campaign(&app, &q, "ipkp", "IPKP", &[4, 4, 4, 3, 3, 2, 3, 3, 2, 2, 4], Some(180)).await;

    // Without pooling only the latest (P2) counts.
    let one = json_of(app.get(&format!("/api/v1/units/{p}/hasil"), Some(&app.admin_key)).await).await;
    assert_eq!(one["ipkp"]["campaign_id"], p2.as_str());
    assert_eq!(one["ipkp"]["pooled"], false);
    assert!(close(one["ipkp"]["value_0_4"].as_f64().unwrap(), 14.0 / 5.0));

    let path = format!("/api/v1/units/{p}/evaluations/{year}");
    assert_eq!(
        put_json(&app, &path, &app.admin_key, &json!({"pooling": "year"})).await.status(),
        201
    );
    let pooled = json_of(app.get(&format!("/api/v1/units/{p}/hasil"), Some(&app.admin_key)).await).await;
    let single = json_of(app.get(&format!("/api/v1/units/{q}/hasil"), Some(&app.admin_key)).await).await;
    let (a, b) = (&pooled["ipkp"], &single["ipkp"]);
    assert_eq!(a["pooled"], true);
    let ids: Vec<&str> = a["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [p2.as_str(), p1.as_str()], "the latest first");
    assert_eq!(a["n"], 11);
    assert_eq!(a["required_n"], b["required_n"], "N = 100 + 80 = 180");
    assert!(close(a["index"].as_f64().unwrap(), 34.0 / 11.0));
    for k in ["index", "value_0_4", "ci_low_0_4", "ci_high_0_4", "without_flagged_value_0_4"] {
        assert!(close(a[k].as_f64().unwrap(), b[k].as_f64().unwrap()), "{k}: {} vs {}", a[k], b[k]);
    }
    let sd = (112.0f64 - 34.0 * 34.0 / 11.0) / 10.0;
    let half = a["ci_high_0_4"].as_f64().unwrap() - 34.0 / 11.0;
    // t(0.975, 10) = 2.228138851986…
    let want = 2.228_138_851_986_274 * sd.sqrt() / 11f64.sqrt() * ((180.0 - 11.0) / 179.0f64).sqrt();
    assert!(close(half, want), "{half} vs {want}");
    // The hasil scores agree too: IPKP 3.0909… / 4 × 17.5 = 13.5227…
    assert!(close(
        pooled["hasil"][0]["indicators"][2]["score"].as_f64().unwrap(),
        single["hasil"][0]["indicators"][2]["score"].as_f64().unwrap()
    ));
    assert!(pooled["notes"].as_array().unwrap().iter().any(|n| n["kind"] == "pooled"));
}

/// Issue 13's case: ten identical answers of 4 collapse the CI to [4, 4]; with n = 10 below the
/// minimum of 30 the IPAK conditions are insufficient_data (not pass), with the reason, while
/// `required_n` (384, population unknown) and `adequate` are reported beside them.
/// kinerja A: IPAK 17.5 ≥ 15.75 on the point, bersih 17.5 + 5 = 22.5; IPKP 30 × 4 → 17.5 ≥ 14 pass.
#[tokio::test]
async fn a_sample_below_the_minimum_is_insufficient_data_whatever_the_ci() {
    let app = spawn_app().await;
    let uid = app.create_unit("unit-m").await["id"].as_str().unwrap().to_owned();
    let ipak = closed_campaign(&app, &uid, "ipak", "IPAK kecil", &[4; 10], None).await;
    closed_campaign(&app, &uid, "ipkp", "IPKP", &[4; 30], None).await;
    let h = json_of(app.get(&format!("/api/v1/units/{uid}/hasil?kinerja=A"), Some(&app.admin_key)).await).await;
    assert_eq!(h["ipak"]["n"], 10);
    assert_eq!(h["ipak"]["minimum_n"], 30);
    assert_eq!(h["ipak"]["required_n"], 384);
    assert_eq!(h["ipak"]["adequate"], false);
    assert!(close(h["ipak"]["ci_low_0_4"].as_f64().unwrap(), 4.0), "the CI collapsed");
    let r90 = &h["hasil"][0];
    let c = condition(r90, "wbk", "ipak_score");
    assert_eq!(c["verdict"], "insufficient_data");
    assert_eq!(c["point"], true);
    assert_eq!(
        c["reason"],
        "IPAK survey has 10 responses, fewer than the minimum of 30 for a verdict"
    );
    assert_eq!(condition(r90, "wbk", "bersih")["verdict"], "insufficient_data");
    assert_eq!(condition(r90, "wbk", "ipkp_score")["verdict"], "pass");
    assert_eq!(predicate(r90, "wbk")["verdict"], "insufficient_data");
    assert!(close(r90["hasil_total"].as_f64().unwrap(), 22.5 + 17.5));
    // Under 52/2014 (TLHP 100 %) the same: never a pass on ten answers.
    let r52 = &h["hasil"][1];
    assert_eq!(condition(r52, "wbk", "ipak_score")["verdict"], "insufficient_data");
    // The campaign's own report says the same beside its thresholds.
    let s = crate::reports::logged_in(&app, &app.admin_key).await;
    let html = s
        .get(app.url(&format!("/laporan/kampanye/{ipak}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Data belum cukup / insufficient data"));
    assert!(!html.contains(">Lulus / pass<"), "no threshold passes on ten answers");
}

/// `not_judged` names every condition outside the hasil part, under both rule sets.
#[tokio::test]
async fn not_judged_is_complete_for_both_rule_sets() {
    let app = spawn_app().await;
    let uid = app.create_unit("unit-n").await["id"].as_str().unwrap().to_owned();
    let h = json_of(app.get(&format!("/api/v1/units/{uid}/hasil"), Some(&app.admin_key)).await).await;
    let texts = |i: usize, p: &str| -> Vec<String> {
        predicate(&h["hasil"][i], p)["not_judged"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect()
    };
    let has = |v: &[String], s: &str| v.iter().any(|t| t.contains(s));
    assert_eq!(h["hasil"][0]["rule"], "permenpanrb-90-2021");
    let (wbk, wbbm) = (texts(0, "wbk"), texts(0, "wbbm"));
    assert!(has(&wbk, "total score ≥ 75") && has(&wbk, "pengungkit ≥ 40"));
    assert!(has(&wbk, "every pengungkit area ≥ 60 %"));
    assert!(has(&wbbm, "total score ≥ 85") && has(&wbbm, "pengungkit ≥ 48"));
    assert!(has(&wbbm, "every pengungkit area ≥ 75 %"));
    assert!(has(&wbbm, "already holds the Menuju WBK predicate"));
    let (wbk52, wbbm52) = (texts(1, "wbk"), texts(1, "wbbm"));
    assert!(has(&wbk52, "total score ≥ 75") && has(&wbbm52, "total score ≥ 85"));
    assert!(has(&wbbm52, "already holds the WBK predicate"));
    // The evaluation's list is the union of its predicates'.
    assert_eq!(h["hasil"][0]["not_judged"].as_array().unwrap().len(), wbk.len() + wbbm.len());
}

/// The shipped forms with IPKP at version 2 (one item reworded, so the version must change).
fn forms_with_ipkp_v2() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("integritas-forms-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/forms/ipkp.toml")).unwrap();
    let v2 = text.replacen("version = 1", "version = 2", 1);
    assert_ne!(v2, text, "the shipped IPKP form is at version 1");
    std::fs::write(dir.join("ipkp.toml"), v2).unwrap();
    dir
}

/// Welch's comparison and pooling stay within one form version. A (v1, y = 2 ×6) precedes B and C
/// (v2: y = 3 ×6, then y = 4 ×3 and 3 ×3). B's change is null, naming A's version; C's change is
/// against B: 3.5 − 3 = 0.5. Pooled for the year, B and C join (v2) and A is left out with a note.
#[tokio::test]
async fn welch_and_pooling_stay_within_one_form_version() {
    let (url, _guard) = persistent_database().await;
    let dir = forms_with_ipkp_v2();
    let (u1, u2) = (url.clone(), url.clone());
    let v1 = spawn_app_with(move |env| {
        env.insert("INTEGRITAS_DATABASE_URL".into(), u1);
    })
    .await;
    let uid = v1.create_unit("unit-v").await["id"].as_str().unwrap().to_owned();
    let a = closed_campaign(&v1, &uid, "ipkp", "IPKP v1", &[2; 6], None).await;
    // The same database, served with IPKP version 2 as the current form.
    let v2 = spawn_app_with(move |env| {
        env.insert("INTEGRITAS_DATABASE_URL".into(), u2);
        env.insert("INTEGRITAS_FORMS_DIR".into(), dir.display().to_string());
        env.insert("INTEGRITAS_MIN_GROUP".into(), "5".into());
    })
    .await;
    let b = closed_campaign(&v2, &uid, "ipkp", "IPKP v2 a", &[3; 6], None).await;
    let c = closed_campaign(&v2, &uid, "ipkp", "IPKP v2 b", &[4, 4, 4, 3, 3, 3], None).await;
    let results = |id: String| {
        let app = &v2;
        async move { json_of(app.get(&format!("/api/v1/campaigns/{id}/results"), Some(&app.admin_key)).await).await }
    };
    let rb = results(b.clone()).await;
    assert_eq!(rb["form_version"], 2);
    assert_eq!(rb["change"], Value::Null);
    let why = rb["change_reason"].as_str().unwrap();
    assert!(why.contains(&a) && why.contains("version 1") && why.contains("version 2"), "{why}");
    let rc = results(c.clone()).await;
    assert_eq!(rc["change"]["previous_campaign_id"], b.as_str());
    assert!(close(rc["change"]["difference"].as_f64().unwrap(), 0.5));
    assert_eq!(rc["change_reason"], Value::Null);
    let ra = results(a.clone()).await;
    assert_eq!(ra["change"], Value::Null);
    assert_eq!(ra["change_reason"], "no earlier campaign of this form");

    let h = json_of(
        v2.get(&format!("/api/v1/units/{uid}/hasil?pooling=year"), Some(&v2.admin_key))
            .await,
    )
    .await;
    assert_eq!(h["what_if"], json!(["pooling"]));
    let ids: Vec<&str> = h["ipkp"]["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [c.as_str(), b.as_str()]);
    assert_eq!(h["ipkp"]["form_version"], 2);
    // (6 × 3 + 3 × 4 + 3 × 3) / 12 = 39/12 = 3.25.
    assert!(close(h["ipkp"]["value_0_4"].as_f64().unwrap(), 3.25));
    let other = h["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "other_version")
        .unwrap();
    assert_eq!(other["campaign_id"], a.as_str());
}

//! A unit's time zone (issue 13) through the real server on both databases: the date a response
//! is recorded under, the year a campaign counts for, the times its reports show, the setting's
//! audit trail; and the upgrade that gives existing units WIB and drops the campaign's rule.

use serde_json::{Value, json};

use crate::foundation::persistent_database;
use crate::hasil::{closed_campaign, json_of};
use crate::helpers::{assert_problem, spawn_app_with};

/// A unit's time zone: set at registration or later (audited), it decides the date a response is
/// recorded under, the year a campaign counts for and the times its reports show.
#[tokio::test]
async fn the_units_time_zone_decides_dates_years_and_report_times() {
    let app = spawn_app_with(|env| {
        // Campaigns of five or six responses: the smallest anonymity group lets them count.
        env.insert("INTEGRITAS_MIN_GROUP".into(), "5".into());
    })
    .await;
    let r = app
        .post_json(
            "/api/v1/units",
            Some(&app.admin_key),
            &json!({"slug": "kanim-jayapura", "name": "Kanim Jayapura", "instansi": "Imigrasi",
                    "service_types": ["Paspor"], "time_zone": "WIT"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let unit: Value = r.json().await.unwrap();
    assert_eq!(unit["time_zone"], "WIT");
    let uid = unit["id"].as_str().unwrap().to_owned();
    let wib = app.create_unit("kanim-jakarta").await;
    assert_eq!(wib["time_zone"], "WIB", "the default");
    let wib = wib["id"].as_str().unwrap().to_owned();
    for bad in [json!({"slug": "x-1", "name": "X", "instansi": "I", "service_types": ["A"], "time_zone": "UTC"})] {
        let p = assert_problem(app.post_json("/api/v1/units", Some(&app.admin_key), &bad).await, 422).await;
        assert!(p["errors"]["time_zone"].is_array());
    }

    // The date a response is recorded under is the unit's (UTC+9 here).
    let before = (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive();
    let c = closed_campaign(&app, &uid, "ipkp", "IPKP", &[3; 5], None).await;
    let after = (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive();
    let csv = app
        .get(&format!("/api/v1/campaigns/{c}/responses.csv"), Some(&app.admin_key))
        .await
        .text()
        .await
        .unwrap();
    for line in csv.lines().skip(1) {
        // The second column is the response's date.
        let d: chrono::NaiveDate = line.split(',').nth(1).unwrap().parse().unwrap();
        assert!(d == before || d == after, "{d} is not the date in WIT");
    }

    // The year a campaign counts for: it ended at 16:30 UTC on 31 December 2025 — 23:30 in
    // Jakarta (2025), 00:30 on New Year's Day in Makassar (WITA, 2026).
    let ended = chrono::DateTime::parse_from_rfc3339("2025-12-31T16:30:00Z").unwrap().to_utc();
    let late_wib = closed_campaign(&app, &wib, "ipak", "IPAK akhir tahun", &[4; 6], None).await;
    let patch = |body: Value| {
        let app = &app;
        let uid = uid.clone();
        async move {
            app.client
                .patch(app.url(&format!("/api/v1/units/{uid}")))
                .bearer_auth(&app.admin_key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let moved = json_of(patch(json!({"time_zone": "WITA"})).await).await;
    assert_eq!(moved["time_zone"], "WITA");
    assert_problem(patch(json!({"time_zone": "wita"})).await, 422).await;
    assert_problem(patch(json!([null, null])).await, 422).await;
    assert_problem(patch(json!({"zone": "WIT"})).await, 422).await;
    let late_wita = closed_campaign(&app, &uid, "ipak", "IPAK akhir tahun", &[4; 6], None).await;
    for id in [&late_wib, &late_wita] {
        let stmt = integritas::repo::stmt(
            &app.db,
            "UPDATE campaign SET closed_at = $1 WHERE id = $2",
            vec![ended.into(), uuid::Uuid::parse_str(id).unwrap().into()],
        );
        sea_orm::ConnectionTrait::execute_raw(&app.db, stmt).await.unwrap();
    }
    let ipak_of = |u: String, year: i32| {
        let app = &app;
        async move {
            json_of(app.get(&format!("/api/v1/units/{u}/hasil?year={year}"), Some(&app.admin_key)).await).await["ipak"]["campaign_id"]
                .clone()
        }
    };
    assert_eq!(ipak_of(wib.clone(), 2025).await, late_wib.as_str());
    assert_eq!(ipak_of(wib.clone(), 2026).await, Value::Null);
    assert_eq!(ipak_of(uid.clone(), 2026).await, late_wita.as_str());
    assert_eq!(ipak_of(uid.clone(), 2025).await, Value::Null);

    // Reports show times in the unit's zone, with its name.
    let s = crate::reports::logged_in(&app, &app.admin_key).await;
    let page = |id: String| {
        let s = s.clone();
        let app = &app;
        async move {
            s.get(app.url(&format!("/laporan/kampanye/{id}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert!(page(late_wib.clone()).await.contains("2025-12-31 23:30 WIB"));
    let wita = page(late_wita.clone()).await;
    assert!(wita.contains("2026-01-01 00:30 WITA") && wita.contains("WITA (UTC+8)"));
    assert!(!wita.contains(" UTC<"));

    // The change of zone is audited with old and new; setting it again records nothing.
    json_of(patch(json!({"time_zone": "WITA"})).await).await;
    let trail: Value = app
        .get(&format!("/api/v1/audit?unit_id={uid}"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    let updates: Vec<&Value> = trail.as_array().unwrap().iter().filter(|t| t["action"] == "unit.update").collect();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["detail"]["time_zone"], json!({"old": "WIT", "new": "WITA"}));
}

/// Upgrading: existing units get WIB (what every unit used before), the campaigns lose the
/// ignored `rule`, and the evaluation table is there.
#[tokio::test]
async fn upgrading_keeps_units_in_wib_and_drops_the_campaign_rule() {
    use migrations::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let (url, _guard) = persistent_database().await;
    let db = sea_orm::Database::connect(&url).await.unwrap();
    migrations::Migrator::up(&db, Some(6)).await.unwrap();
    let now = chrono::Utc::now();
    let (unit, campaign) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    for (sql, values) in [
        (
            "INSERT INTO unit (id, slug, name, instansi, service_types, default_rule, created_at) VALUES ($1, 'lama', 'Lama', 'K', '[]', 'permenpanrb-52-2014', $2)",
            vec![unit.into(), now.into()],
        ),
        (
            "INSERT INTO form_version (form_id, version, fingerprint, canonical, frozen_at) VALUES ('ipkp', 1, 'f', '{}', $1)",
            vec![now.into()],
        ),
        (
            "INSERT INTO campaign (id, unit_id, form_id, form_version, title, rule, created_at) VALUES ($1, $2, 'ipkp', 1, 'Lama', 'permenpanrb-90-2021', $3)",
            vec![campaign.into(), unit.into(), now.into()],
        ),
    ] {
        db.execute_raw(integritas::repo::stmt(&db, sql, values)).await.unwrap();
    }
    migrations::Migrator::up(&db, None).await.unwrap();
    let row = db
        .query_one_raw(integritas::repo::stmt(
            &db,
            "SELECT time_zone, default_rule FROM unit WHERE id = $1",
            vec![unit.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "time_zone").unwrap(), "WIB");
    assert_eq!(row.try_get::<String>("", "default_rule").unwrap(), "permenpanrb-52-2014");
    let c = db
        .query_one_raw(integritas::repo::stmt(
            &db,
            "SELECT * FROM campaign WHERE id = $1",
            vec![campaign.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(c.try_get::<String>("", "rule").is_err(), "the rule column is gone");
    assert_eq!(c.try_get::<String>("", "title").unwrap(), "Lama");
    let n = db
        .query_one_raw(integritas::repo::stmt(&db, "SELECT COUNT(*) AS n FROM evaluation", vec![]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.try_get::<i64>("", "n").unwrap(), 0);
    let _ = db.close().await;
}

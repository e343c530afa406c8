//! The citizen's survey, through the HTML form and the JSON API.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::campaigns::{open_link, unit_and_campaign};
use crate::helpers::{TestApp, assert_problem, captured_logs, spawn_app, spawn_app_with};

pub const IPKP: [&str; 8] = [
    "informasi",
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "sarana",
    "respons",
    "pengaduan",
];

/// A campaign with one open link; returns (campaign id, link code).
pub async fn survey(app: &TestApp) -> (String, String) {
    let (_, c) = unit_and_campaign(app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let l = open_link(app, &cid, json!({"label": "Loket 2"})).await;
    (cid, l["code"].as_str().unwrap().to_owned())
}

pub async fn render_token(app: &TestApp, code: &str) -> String {
    let r = app.get(&format!("/api/v1/respond/{code}"), None).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["render_token"].as_str().unwrap().to_owned()
}

pub async fn submit_json(app: &TestApp, code: &str, answers: Value, extra: Value) -> reqwest::Response {
    let token = render_token(app, code).await;
    let mut body = json!({"answers": answers, "render_token": token});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.post_json(&format!("/api/v1/respond/{code}"), None, &body).await
}

pub fn all(value: u8) -> Value {
    Value::Object(IPKP.iter().map(|i| (i.to_string(), json!(value))).collect())
}

/// The hidden render token from a rendered page.
pub(crate) fn hidden_token(html: &str) -> String {
    let at = html.find("name=\"render_token\"").expect("render_token input");
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

pub(crate) async fn post_form(app: &TestApp, code: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    app.client.post(app.url(&format!("/s/{code}"))).form(pairs).send().await.unwrap()
}

/// Submissions stored: sealed, or waiting in the inbox. One statement, so one snapshot: the sealer
/// may move an entry from the inbox into responses between two separate counts.
pub(crate) async fn responses(app: &TestApp) -> i64 {
    app.count("SELECT (SELECT COUNT(*) FROM response) + (SELECT COUNT(*) FROM inbox)")
        .await
}

#[tokio::test]
async fn the_form_page_is_small_accessible_and_bilingual() {
    let app = spawn_app().await;
    let (_, code) = survey(&app).await;
    let r = app.get(&format!("/s/{code}"), None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.len() < 30 * 1024, "{} bytes", html.len());
    assert!(html.contains("<html lang=\"id\""));
    for item in IPKP {
        assert!(html.contains(&format!("name=\"{item}\"")), "{item}");
    }
    // 8 items + the screening question + the group of optional demographics.
    assert_eq!(html.matches("<fieldset").count(), 10);
    assert_eq!(html.matches("<legend").count(), 10);
    assert!(html.contains("Paspor"), "layanan choices are the unit's service types");
    assert!(html.contains("anonim"));
    assert!(!html.contains("<script"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing fetched from another host"
    );
    let en = app.get(&format!("/s/{code}?lang=en"), None).await.text().await.unwrap();
    assert!(en.contains("<html lang=\"en\""));
    let by_header = app
        .client
        .get(app.url(&format!("/s/{code}")))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(by_header.text().await.unwrap().contains("<html lang=\"en\""));
}

#[tokio::test]
async fn a_valid_html_submission_redirects_to_thanks_and_is_stored_anonymously() {
    let app = spawn_app().await;
    let (cid, code) = survey(&app).await;
    let html = app.get(&format!("/s/{code}"), None).await.text().await.unwrap();
    let token = hidden_token(&html);
    let mut pairs: Vec<(&str, &str)> = IPKP.iter().map(|i| (*i, "3")).collect();
    pairs.extend([
        ("render_token", token.as_str()),
        ("website", ""),
        ("diarahkan", "tidak"),
        ("usia", "25-39"),
        ("layanan", "Visa"),
    ]);
    let r = post_form(&app, &code, &pairs).await;
    assert_eq!(r.status(), 303);
    let thanks = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(thanks, format!("/s/{code}/terima-kasih"));
    let page = app.get(&thanks, None).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Terima kasih"));
    assert_eq!(responses(&app).await, 1);
    app.close_campaign(&cid).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM answer").await, 8);
    assert_eq!(app.count("SELECT COUNT(*) FROM response_field").await, 3);
    let row: Value = row_json(&app, "SELECT submitted_on, channel, link_label FROM response").await;
    assert_eq!(row["channel"], "open_link");
    assert_eq!(row["link_label"], "Loket 2");
    // Reloading the thank-you page stores nothing more.
    app.get(&thanks, None).await;
    assert_eq!(responses(&app).await, 1);
}

/// One row as JSON text (portable across backends: reads each column as text or number).
async fn row_json(app: &TestApp, sql: &str) -> Value {
    use sea_orm::ConnectionTrait;
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    let mut out = serde_json::Map::new();
    for c in row.column_names() {
        let v = if let Ok(s) = row.try_get::<String>("", &c) {
            json!(s)
        } else if let Ok(b) = row.try_get::<bool>("", &c) {
            json!(b)
        } else if let Ok(d) = row.try_get::<chrono::NaiveDate>("", &c) {
            json!(d.to_string())
        } else {
            Value::Null
        };
        out.insert(c, v);
    }
    Value::Object(out)
}

#[tokio::test]
async fn invalid_html_answers_come_back_with_messages_and_kept_answers() {
    let app = spawn_app().await;
    let (_, code) = survey(&app).await;
    let html = app.get(&format!("/s/{code}"), None).await.text().await.unwrap();
    let token = hidden_token(&html);
    // `waktu` missing, `biaya` out of range; the others given.
    let mut pairs: Vec<(&str, &str)> = IPKP
        .iter()
        .filter(|i| **i != "waktu" && **i != "biaya")
        .map(|i| (*i, "4"))
        .collect();
    pairs.extend([("biaya", "9"), ("render_token", token.as_str()), ("usia", "40-54")]);
    let r = post_form(&app, &code, &pairs).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Mohon"), "Indonesian messages");
    assert!(page.contains("aria-describedby"), "messages are tied to their questions");
    assert!(page.matches("checked").count() >= 6, "given answers are kept");
    assert!(page.contains("selected"), "the chosen age band is kept");
    assert_eq!(responses(&app).await, 0, "nothing stored");
}

#[tokio::test]
async fn json_submission_and_validation() {
    let app = spawn_app().await;
    let (_, code) = survey(&app).await;
    let form: Value = app.get(&format!("/api/v1/respond/{code}"), None).await.json().await.unwrap();
    assert_eq!(form["form"]["id"], "ipkp");
    assert_eq!(form["campaign"]["title"], "Survei 2026");
    let r = submit_json(
        &app,
        &code,
        all(4),
        json!({"screening": {"diarahkan": "tidak"}, "demographics": {"layanan": "Paspor"}}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "accepted");
    assert_eq!(v["submitted_on"].as_str().unwrap().len(), 10, "a date, nothing more precise");

    let mut bad = all(3);
    bad["waktu"] = json!(2.5);
    bad["biaya"] = json!(0);
    bad["sarana"] = json!("abc");
    bad["unknown_item"] = json!(3);
    bad.as_object_mut().unwrap().remove("respons");
    let p = assert_problem(submit_json(&app, &code, bad, json!({})).await, 422).await;
    for f in ["waktu", "biaya", "sarana", "unknown_item", "respons"] {
        assert!(p["errors"][f].is_array(), "{f}: {p}");
    }
    // A duplicated item in the raw JSON is refused, not last-wins.
    let token = render_token(&app, &code).await;
    let raw = format!(
        "{{\"render_token\":\"{token}\",\"answers\":{{\"informasi\":4,\"informasi\":1,\"persyaratan\":3,\"prosedur\":3,\"waktu\":3,\"biaya\":3,\"sarana\":3,\"respons\":3,\"pengaduan\":3}}}}"
    );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/respond/{code}")))
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 422).await;
    assert!(p["errors"]["informasi"].is_array());
    let p = assert_problem(
        submit_json(&app, &code, all(3), json!({"demographics": {"layanan": "Bukan layanan"}})).await,
        422,
    )
    .await;
    assert!(p["errors"]["layanan"].is_array());
    assert_eq!(responses(&app).await, 1);
}

#[tokio::test]
async fn unknown_codes_are_404_pages_and_problems() {
    let app = spawn_app().await;
    for code in ["abcdefghjk", "nope", "AAAAAAAAAAAAAAAAAAAAAA"] {
        let r = app.get(&format!("/s/{code}"), None).await;
        assert_eq!(r.status(), 404);
        assert!(r.text().await.unwrap().contains("<html lang=\"id\""));
        assert_problem(app.get(&format!("/api/v1/respond/{code}"), None).await, 404).await;
    }
}

async fn expect_gone(app: &TestApp, code: &str, words: &str) {
    let r = app.get(&format!("/s/{code}"), None).await;
    assert_eq!(r.status(), 410, "{code}");
    let page = r.text().await.unwrap();
    assert!(page.to_lowercase().contains(words), "page should say `{words}`: {page}");
    assert_problem(app.get(&format!("/api/v1/respond/{code}"), None).await, 410).await;
}

#[tokio::test]
async fn used_revoked_expired_full_closed_and_not_yet_open_are_410() {
    let app = spawn_app().await;
    let (cid, code) = survey(&app).await;

    // A used token.
    let batch: Value = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens"),
            Some(&app.admin_key),
            &json!({"count": 2}),
        )
        .await
        .json()
        .await
        .unwrap();
    let t1 = batch["tokens"][0]["token"].as_str().unwrap().to_owned();
    let t2 = batch["tokens"][1]["token"].as_str().unwrap().to_owned();
    assert_eq!(submit_json(&app, &t1, all(4), json!({})).await.status(), 201);
    expect_gone(&app, &t1, "sudah").await;
    // A revoked batch.
    let bid = batch["batch_id"].as_str().unwrap();
    app.post_json(&format!("/api/v1/token-batches/{bid}/revoke"), Some(&app.admin_key), &json!({}))
        .await;
    expect_gone(&app, &t2, "").await;

    // A full link.
    let full = open_link(&app, &cid, json!({"label": "Satu saja", "max_responses": 1})).await;
    let full_code = full["code"].as_str().unwrap();
    assert_eq!(submit_json(&app, full_code, all(4), json!({})).await.status(), 201);
    expect_gone(&app, full_code, "").await;

    // A revoked link.
    let l = open_link(&app, &cid, json!({"label": "Dicabut"})).await;
    app.post_json(
        &format!("/api/v1/links/{}/revoke", l["id"].as_str().unwrap()),
        Some(&app.admin_key),
        &json!({}),
    )
    .await;
    expect_gone(&app, l["code"].as_str().unwrap(), "").await;

    // An expired link (expiry moved into the past behind the API).
    let l = open_link(
        &app,
        &cid,
        json!({"label": "Kedaluwarsa", "expires_at": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339()}),
    )
    .await;
    expire_link(&app, l["code"].as_str().unwrap()).await;
    expect_gone(&app, l["code"].as_str().unwrap(), "").await;

    // A campaign not open yet, and a closed one.
    let unit = app.create_unit("unit-later").await;
    let later = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let c: Value = app
        .post_json(
            &format!("/api/v1/units/{}/campaigns", unit["id"].as_str().unwrap()),
            Some(&app.admin_key),
            &json!({"form": "ipak", "title": "Nanti", "opens_at": later}),
        )
        .await
        .json()
        .await
        .unwrap();
    let l = open_link(&app, c["id"].as_str().unwrap(), json!({"label": "x"})).await;
    expect_gone(&app, l["code"].as_str().unwrap(), "belum").await;
    app.post_json(&format!("/api/v1/campaigns/{cid}/close"), Some(&app.admin_key), &json!({}))
        .await;
    expect_gone(&app, &code, "ditutup").await;
    // A submit to a closed campaign stores nothing.
    let before = responses(&app).await;
    let r = app
        .client
        .post(app.url(&format!("/s/{code}")))
        .form(&[("informasi", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert_eq!(responses(&app).await, before);
}

async fn expire_link(app: &TestApp, code: &str) {
    use sea_orm::ConnectionTrait;
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    let backend = app.db.get_database_backend();
    app.db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => "UPDATE open_link SET expires_at = $1 WHERE code = $2",
                _ => "UPDATE open_link SET expires_at = ? WHERE code = ?",
            },
            vec![past.into(), code.into()],
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn speeders_and_steered_respondents_are_flagged_not_dropped() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_MIN_SECONDS".into(), "60".into());
    })
    .await;
    let (cid, code) = survey(&app).await;
    assert_eq!(
        submit_json(&app, &code, all(4), json!({"screening": {"diarahkan": "ya"}}))
            .await
            .status(),
        201
    );
    assert_eq!(responses(&app).await, 1);
    app.close_campaign(&cid).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM response WHERE speeder = TRUE AND diarahkan = TRUE AND flagged = TRUE")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM answer WHERE flagged = TRUE").await, 8);
}

#[tokio::test]
async fn responses_keep_nothing_that_identifies_the_respondent() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_TRUST_PROXY".into(), "true".into());
    })
    .await;
    let (cid, _) = survey(&app).await;
    let batch: Value = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens"),
            Some(&app.admin_key),
            &json!({"count": 3}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = batch["tokens"][0]["token"].as_str().unwrap().to_owned();
    let rt = render_token(&app, &token).await;
    let ua = "Mozilla/5.0 (Linux; Android 9; UniquePhone-4242)";
    let ip = "203.0.113.77";
    let r = app
        .client
        .post(app.url(&format!("/api/v1/respond/{token}")))
        .header("user-agent", ua)
        .header("x-forwarded-for", ip)
        .json(&json!({"answers": all(3), "render_token": rt}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let page = app
        .client
        .get(app.url(&format!("/s/{token}/terima-kasih")))
        .header("x-forwarded-for", ip)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    // The response table has exactly these columns, none of them a token, batch, address or time.
    let dump = app.dump_database().await;
    let hash = integritas::domain::credentials::token_hash(&token);
    // The token's hash is stored exactly once: in its own row of the redemption ledger.
    assert_eq!(dump.matches(&hash).count(), 1, "the token hash appears outside the token table");
    assert!(!dump.contains(&token), "plaintext token stored");
    assert!(!dump.contains(ip), "client address stored");
    assert!(!dump.contains("UniquePhone-4242"), "user agent stored");
    let cols = response_columns(&app).await;
    assert_eq!(
        cols,
        [
            "campaign_id",
            "channel",
            "content_hash",
            "diarahkan",
            "flagged",
            "id",
            "link_label",
            "open_link_id",
            "score",
            // Whether the ledger has sealed it yet (a block covers thousands of responses).
            "sealed",
            "speeder",
            "submitted_on",
            "total"
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<HashSet<_>>()
    );
    assert!(!cols.iter().any(|c| c.contains("token")
        || c.contains("batch")
        || c.contains("ip")
        || c.contains("agent")
        || c.ends_with("_at")));
    // The token ledger has no column that points at a response.
    assert_eq!(app.count("SELECT COUNT(*) FROM token WHERE redeemed = TRUE").await, 1);
    // Response ids are random (v4).
    let ids = ids(&app).await;
    assert!(ids.iter().all(|id| id.get_version_num() == 4));
    // Logs carry neither the token nor the address.
    let logs = captured_logs();
    assert!(!logs.contains(&token), "token in logs");
    assert!(!logs.contains(ip), "address in logs");
}

async fn response_columns(app: &TestApp) -> HashSet<String> {
    use sea_orm::ConnectionTrait;
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'response'",
        _ => "SELECT name FROM pragma_table_info('response')",
    };
    app.db
        .query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect()
}

async fn ids(app: &TestApp) -> Vec<uuid::Uuid> {
    use sea_orm::EntityTrait;
    integritas::entities::response::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

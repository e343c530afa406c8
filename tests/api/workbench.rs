//! The workbench (`/kelola`) and the assessor's forms beside the reports, through HTTP as a
//! browser sends them: every form that changes something needs the session's CSRF token (missing
//! or wrong: 403 and the database unchanged), roles are checked on every page (the matrix below
//! is the pages' counterpart of `access::MATRIX`), a refused form keeps what was typed, and the
//! codes printed on slips work however they are typed.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

/// A browser's session: a cookie jar logged in with a key, and the session's CSRF token.
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\"").expect("a form with a csrf field");
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

/// Logs in with `key` as the login form does, and reads the CSRF token from the landing page.
pub async fn session(app: &TestApp, key: &str) -> Session {
    let client = crate::reports::logged_in(app, key).await;
    let home = client.get(app.url("/laporan")).send().await.unwrap();
    let to = home.headers()["location"].to_str().unwrap().to_owned();
    let html = client.get(app.url(&to)).send().await.unwrap().text().await.unwrap();
    Session {
        csrf: csrf_of(&html),
        client,
    }
}

impl Session {
    pub async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        self.client.get(app.url(path)).send().await.unwrap()
    }

    /// Posts a form with the session's token and these fields.
    pub async fn post(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        form.extend_from_slice(fields);
        self.client.post(app.url(path)).form(&form).send().await.unwrap()
    }

    /// Posts a form without the token, or with `csrf` set to something else.
    pub async fn post_raw(&self, app: &TestApp, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(app.url(path)).form(fields).send().await.unwrap()
    }
}

pub struct Fixture {
    pub unit: String,
    pub campaign: String,
    pub link: String,
    pub batch: String,
    pub response: String,
}

/// Two units with an operator each, an assessor, and in unit A a campaign with a desk, a token
/// batch and one response.
pub async fn fixture(app: &TestApp) -> (Fixture, Vec<(char, String)>) {
    let unit_a = app.create_unit("unit-a").await["id"].as_str().unwrap().to_owned();
    let unit_b = app.create_unit("unit-b").await["id"].as_str().unwrap().to_owned();
    let (_, op_a) = app.create_key("operator", Some(&unit_a)).await;
    let (_, op_b) = app.create_key("operator", Some(&unit_b)).await;
    let (_, assessor) = app.create_key("assessor", None).await;
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
    let campaign = c["id"].as_str().unwrap().to_owned();
    let link = crate::campaigns::open_link(app, &campaign, json!({"label": "Loket"})).await;
    let b: Value = app
        .post_json(
            &format!("/api/v1/campaigns/{campaign}/tokens"),
            Some(&app.admin_key),
            &json!({"count": 2}),
        )
        .await
        .json()
        .await
        .unwrap();
    let code = link["code"].as_str().unwrap();
    // Twice the group size, so the sealer seals one group while the campaign stays open.
    for _ in 0..20 {
        let r = crate::survey::submit_json(app, code, crate::survey::all(3), json!({})).await;
        assert_eq!(r.status(), 201);
    }
    integritas::repo::ledger::seal_all(&app.db, 10, None).await.unwrap();
    let response = crate::helpers::first_id(app, "response").await;
    let f = Fixture {
        unit: unit_a,
        campaign,
        link: link["id"].as_str().unwrap().to_owned(),
        batch: b["batch_id"].as_str().unwrap().to_owned(),
        response,
    };
    let keys = vec![('A', app.admin_key.clone()), ('O', op_a), ('X', op_b), ('S', assessor)];
    (f, keys)
}

/// Fills a workbench path template with ids that exist.
pub async fn concrete(app: &TestApp, f: &Fixture, template: &str) -> String {
    let mut p = template
        .replace("{unit}", &f.unit)
        .replace("{campaign}", &f.campaign)
        .replace("{link}", &f.link)
        .replace("{batch}", &f.batch)
        .replace("{response}", &f.response);
    if p.contains("{key}") {
        // A throwaway key each time, so revoking it hurts no other row.
        let (id, _) = app.create_key("assessor", None).await;
        p = p.replace("{key}", &id);
    }
    assert!(!p.contains('{'), "no id for {template}");
    p
}

#[tokio::test]
async fn every_form_without_the_sessions_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let (f, keys) = fixture(&app).await;
    let admin = session(&app, &keys[0].1).await;
    let (_, other_admin) = app.create_key("admin", None).await;
    // The fields each form needs to succeed, so that only the token decides.
    let (victim, _) = app.create_key("assessor", None).await;
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/kelola/unit".into(),
            vec![("slug", "baru"), ("name", "Baru"), ("instansi", "K"), ("service_types", "A\nB")],
        ),
        (format!("/kelola/unit/{}/ubah", f.unit), vec![("service_types", "Satu\nDua")]),
        (
            format!("/kelola/unit/{}/kampanye/baru", f.unit),
            vec![("form", "ipak"), ("title", "T")],
        ),
        ("/kelola/kunci".into(), vec![("name", "n"), ("role", "assessor")]),
        (format!("/kelola/kunci/{victim}/cabut"), vec![]),
        (format!("/kelola/kampanye/{}/meja", f.campaign), vec![("label", "Loket 9")]),
        (
            format!("/kelola/kampanye/{}/kupon", f.campaign),
            vec![("count", "3"), ("format", "csv")],
        ),
        (format!("/kelola/meja/{}/cabut", f.link), vec![]),
        (format!("/kelola/kupon/{}/cabut", f.batch), vec![]),
        (
            format!("/laporan/respons/{}/keluarkan", f.response),
            vec![("reason", "tidak sah sama sekali")],
        ),
        (
            format!("/laporan/respons/{}/masukkan", f.response),
            vec![("reason", "ternyata sah juga")],
        ),
        (
            format!("/laporan/unit/{}/evaluasi/2026", f.unit),
            vec![("tlhp_percent", "80"), ("kinerja", "B")],
        ),
        (format!("/kelola/kampanye/{}/tutup", f.campaign), vec![]),
    ];
    for (path, fields) in &forms {
        // Another admin's session (logging in records it, so before the snapshot).
        let other = session(&app, &other_admin).await;
        let before = app.dump_database().await;
        let missing = admin.post_raw(&app, path, fields).await;
        assert_eq!(missing.status(), 403, "{path} without csrf");
        assert!(missing.text().await.unwrap().contains("Formulir kedaluwarsa"));
        let mut forged: Vec<(&str, &str)> = vec![("csrf", "forged-token")];
        forged.extend_from_slice(fields);
        assert_eq!(admin.post_raw(&app, path, &forged).await.status(), 403, "{path} with a wrong csrf");
        // Another session's token is wrong for this one.
        let mut theirs: Vec<(&str, &str)> = vec![("csrf", &other.csrf)];
        theirs.extend_from_slice(fields);
        assert_eq!(
            admin.post_raw(&app, path, &theirs).await.status(),
            403,
            "{path} with another session's csrf"
        );
        assert_eq!(app.dump_database().await, before, "{path}: nothing changed");
        // With the token, the same form goes through.
        let ok = admin.post(&app, path, fields).await;
        assert!(matches!(ok.status().as_u16(), 201 | 303), "{path} with csrf: {}", ok.status());
        assert_ne!(app.dump_database().await, before, "{path}: the change was made");
    }
}

#[tokio::test]
async fn a_refused_form_keeps_what_was_typed_and_says_why_beside_each_field() {
    let app = spawn_app().await;
    let unit = app.create_unit("unit-a").await["id"].as_str().unwrap().to_owned();
    let admin = session(&app, &app.admin_key).await;
    let r = admin
        .post(
            &app,
            "/kelola/unit",
            &[
                ("slug", "Bukan Slug!"),
                ("name", "Kantor <b>Baru</b>"),
                ("instansi", ""),
                ("service_types", "Paspor\n\nVisa"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Bukan Slug!\""), "typed slug kept");
    assert!(
        html.contains("value=\"Kantor &#60;b&#62;Baru&#60;/b&#62;\"") || html.contains("value=\"Kantor &lt;b&gt;Baru&lt;/b&gt;\""),
        "typed name kept, escaped"
    );
    assert!(html.contains("id=\"slug-err\"") && html.contains("id=\"instansi-err\""));
    assert!(!html.contains("id=\"name-err\""), "no message for a good field");
    assert!(html.contains("<a href=\"#instansi\">"), "the summary links to the field");
    assert_eq!(app.count("SELECT COUNT(*) FROM unit").await, 1, "nothing stored");

    // A campaign: the required sample is computed from the population typed, without creating.
    let path = format!("/kelola/unit/{unit}/kampanye/baru");
    let r = admin
        .post(
            &app,
            &path,
            &[
                ("form", "ipkp"),
                ("title", "Semester I"),
                ("population", "500"),
                ("action", "sample"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<strong>217</strong> responden"), "Krejcie–Morgan S(500) = 217");
    assert!(html.contains("value=\"Semester I\""));
    assert_eq!(app.count("SELECT COUNT(*) FROM campaign").await, 0);
    let r = admin
        .post(
            &app,
            &path,
            &[
                ("form", "ipkp"),
                ("title", ""),
                ("population", "banyak"),
                ("closes_at", "2020-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"population-err\""), "{html}");
    assert!(html.contains("value=\"banyak\""));
    let r = admin
        .post(&app, &path, &[("form", "ipkp"), ("title", ""), ("closes_at", "2020-01-01")])
        .await;
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"title-err\"") && html.contains("id=\"closes_at-err\""),
        "every field's message at once"
    );
    assert!(html.contains("value=\"2020-01-01\""));
    let r = admin
        .post(
            &app,
            &path,
            &[
                ("form", "ipkp"),
                ("title", "Semester I"),
                ("population", "1.000"),
                ("closes_at", "2099-06-30"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let c: Value = app
        .get(&format!("/api/v1/units/{unit}/campaigns"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c[0]["population"], 1000);
    assert_eq!(c[0]["required_n"], 278);
    assert_eq!(c[0]["closes_at"], "2099-06-30T17:00:00Z", "the end of the closing day in WIB");
}

#[tokio::test]
async fn slips_carry_codes_a_citizen_can_type() {
    let app = spawn_app().await;
    let (_, c) = crate::campaigns::unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap();
    let admin = session(&app, &app.admin_key).await;
    let r = admin
        .post(
            &app,
            &format!("/kelola/kampanye/{cid}/kupon"),
            &[("count", "3"), ("label", "Loket 1"), ("format", "html")],
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("Unit unit-"), "the unit's name");
    let codes: Vec<String> = html
        .split("<p class=\"code\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_owned())
        .collect();
    assert_eq!(codes.len(), 3);
    assert!(html.contains("/kode"), "where to type it");
    // Typed from paper: lower case, without dashes, with spaces — all the same code.
    let typed = codes[0].to_lowercase().replace('-', " ");
    let r = app.get(&format!("/kode?kode={}", typed.replace(' ', "+")), None).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/s/{}", codes[0]).as_str());
    let r = app.get(&format!("/s/{}", codes[0].to_lowercase().replace('-', "")), None).await;
    assert_eq!(r.status(), 200, "the survey opens with the code in any form");
    let r = crate::survey::submit_json(&app, &codes[0].to_lowercase(), crate::survey::all(4), json!({})).await;
    assert_eq!(r.status(), 201);
    let again = app.get(&format!("/s/{}", codes[0].replace('-', "")), None).await;
    assert_eq!(again.status(), 410, "used once, however it is typed");
    // Junk is refused on the page, with what was typed.
    let r = app.get("/kode?kode=bukan+kode+0OIl", None).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("value=\"bukan kode 0OIl\""));
    assert_eq!(app.get("/kode", None).await.status(), 200);
    // Open-link codes can be typed too.
    let link = crate::campaigns::open_link(&app, cid, json!({"label": "Loket 2"})).await;
    let code = link["code"].as_str().unwrap();
    let r = app.get(&format!("/kode?kode={}", code.to_uppercase()), None).await;
    assert_eq!(r.headers()["location"], format!("/s/{code}").as_str());
}

#[tokio::test]
async fn legacy_22_character_tokens_keep_working() {
    let app = spawn_app().await;
    let (_, c) = crate::campaigns::unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap();
    let b: Value = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens"),
            Some(&app.admin_key),
            &json!({"count": 1}),
        )
        .await
        .json()
        .await
        .unwrap();
    // A token as issued before the typeable codes: 22 URL-safe base64 characters, hashed as is.
    let legacy = "Ab3-_xYz0123456789LmNo";
    use sea_orm::ActiveModelTrait;
    integritas::entities::token::ActiveModel {
        token_hash: sea_orm::Set(integritas::domain::credentials::hash_secret(legacy)),
        batch_id: sea_orm::Set(b["batch_id"].as_str().unwrap().parse().unwrap()),
        redeemed: sea_orm::Set(false),
        settled: sea_orm::Set(false),
    }
    .insert(&app.db)
    .await
    .unwrap();
    assert_eq!(app.get(&format!("/s/{legacy}"), None).await.status(), 200);
    assert_eq!(
        app.get(&format!("/s/{}", legacy.to_lowercase()), None).await.status(),
        404,
        "read exactly as issued"
    );
    let r = app.get(&format!("/kode?kode={legacy}"), None).await;
    assert_eq!(r.headers()["location"], format!("/s/{legacy}").as_str());
    let r = crate::survey::submit_json(&app, legacy, crate::survey::all(3), json!({})).await;
    assert_eq!(r.status(), 201);
}

#[tokio::test]
async fn closing_below_the_required_sample_asks_first() {
    let app = spawn_app().await;
    let (unit, c) = crate::campaigns::unit_and_campaign(&app, "ipkp").await;
    let (uid, cid) = (unit["id"].as_str().unwrap(), c["id"].as_str().unwrap());
    let (_, op) = app.create_key("operator", Some(uid)).await;
    let s = session(&app, &op).await;
    let html = s.get(&app, &format!("/kelola/kampanye/{cid}/tutup")).await.text().await.unwrap();
    // Population 250: S(250) = 152 required, none yet.
    assert!(html.contains("0 dari 152 responden yang dibutuhkan"), "{html}");
    assert!(html.contains("Tetap tutup"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM campaign WHERE closed_at IS NOT NULL").await,
        0,
        "the warning closes nothing"
    );
    let r = s.post(&app, &format!("/kelola/kampanye/{cid}/tutup"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], format!("/kelola/unit/{uid}?selesai=ditutup").as_str());
    assert_eq!(app.count("SELECT COUNT(*) FROM campaign WHERE closed_at IS NOT NULL").await, 1);
    let html = s.get(&app, &format!("/kelola/kampanye/{cid}/tutup")).await.text().await.unwrap();
    assert!(html.contains("sudah ditutup"));
}

//! Issue 16, sessions and secrets: the signing keys come from outside the database (configured or
//! a key file made at first start, mode 0600), one per purpose; sessions are recorded, so logout
//! and key revocation end them at once; the login form refuses other sites and bad `next` values.

use std::collections::HashMap;

use integritas::config::Settings;
use integritas::domain::credentials::{CSRF_KEY, RENDER_KEY, SESSION_KEY, csrf_token, derive_key, sign_session};
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::{TEST_SECRET, TestApp, spawn_app};
use crate::reports::logged_in;

async fn status(c: &reqwest::Client, app: &TestApp, path: &str) -> u16 {
    c.get(app.url(path)).send().await.unwrap().status().as_u16()
}

async fn db_text(app: &TestApp) -> String {
    app.dump_database().await
}

#[tokio::test]
async fn a_copy_of_the_database_forges_no_session() {
    let app = spawn_app().await;
    let dump = db_text(&app).await;
    for purpose in [RENDER_KEY, SESSION_KEY, CSRF_KEY] {
        let key = hex::encode(derive_key(TEST_SECRET.as_bytes(), purpose));
        assert!(!dump.contains(&key), "the {purpose} key is not in the database");
    }
    assert!(!dump.contains(TEST_SECRET));
    // What the database holds about a session is the hash of its id: a cookie made from it, or
    // signed with anything but the session key, opens nothing.
    let c = logged_in(&app, &app.admin_key).await;
    assert_eq!(status(&c, &app, "/laporan/nasional").await, 200);
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(backend, "SELECT id_hash FROM session"))
        .await
        .unwrap()
        .unwrap();
    let id_hash: String = row.try_get("", "id_hash").unwrap();
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for forged in [
        sign_session(&derive_key(TEST_SECRET.as_bytes(), RENDER_KEY), &id_hash),
        sign_session(&derive_key(b"a guessed secret", SESSION_KEY), &id_hash),
        format!("{id_hash}.{}", csrf_token(&derive_key(TEST_SECRET.as_bytes(), CSRF_KEY), &id_hash)),
    ] {
        let r = plain
            .get(app.url("/laporan/nasional"))
            .header("cookie", format!("integritas_session={forged}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "to the login page");
    }
}

#[tokio::test]
async fn logout_and_key_revocation_end_sessions_at_once() {
    let app = spawn_app().await;
    let (id, key) = app.create_key("assessor", None).await;
    let s = logged_in(&app, &key).await;
    // The cookie as a thief would keep it, beyond the browser's logout.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = r
        .post(app.url("/masuk"))
        .form(&[("key", key.as_str()), ("next", "/laporan")])
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let with_cookie = |path: &str| r.get(app.url(path)).header("cookie", cookie.clone()).send();
    assert_eq!(with_cookie("/laporan/nasional").await.unwrap().status(), 200);
    let html = with_cookie("/laporan/nasional").await.unwrap().text().await.unwrap();
    let at = html.find("name=\"csrf\"").unwrap();
    let v = html[at..].find("value=\"").unwrap() + at + 7;
    let csrf = &html[v..v + html[v..].find('"').unwrap()];
    let out = r
        .post(app.url("/keluar"))
        .header("cookie", cookie.clone())
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(
        with_cookie("/laporan/nasional").await.unwrap().status(),
        303,
        "the kept cookie is dead"
    );
    assert_eq!(status(&s, &app, "/laporan/nasional").await, 200, "another session lives on");
    // Revoking the key ends its remaining sessions.
    assert_eq!(app.delete(&format!("/api/v1/keys/{id}"), Some(&app.admin_key)).await.status(), 204);
    assert_eq!(status(&s, &app, "/laporan/nasional").await, 303);
    let revoked = app.count("SELECT COUNT(*) FROM session WHERE revoked = TRUE").await;
    assert_eq!(revoked, 2, "both sessions are marked ended");
}

#[tokio::test]
async fn the_login_form_refuses_other_sites_and_bad_next_values() {
    let app = spawn_app().await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |headers: &[(&str, &str)], next: &str| {
        let mut r = c.post(app.url("/masuk")).form(&[("key", app.admin_key.as_str()), ("next", next)]);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send()
    };
    let refused: [&[(&str, &str)]; 3] = [
        &[("origin", "https://evil.example")],
        &[("sec-fetch-site", "cross-site"), ("origin", "null")],
        &[("sec-fetch-site", "same-site")],
    ];
    for h in refused {
        assert_eq!(post(h, "/laporan").await.unwrap().status(), 403, "{h:?}");
    }
    // A browser under `Referrer-Policy: no-referrer` sends `Origin: null` even to its own site;
    // `Sec-Fetch-Site` says where the form came from.
    let accepted: [&[(&str, &str)]; 4] = [
        &[("origin", &app.address)],
        &[("sec-fetch-site", "same-origin"), ("origin", "null")],
        &[("sec-fetch-site", "none")],
        &[],
    ];
    for h in accepted {
        assert_eq!(post(h, "/laporan").await.unwrap().status(), 303, "{h:?}");
    }
    let referer = c
        .post(app.url("/masuk"))
        .header("referer", "https://evil.example/page")
        .form(&[("key", app.admin_key.as_str()), ("next", "/laporan")])
        .send()
        .await
        .unwrap();
    assert_eq!(referer.status(), 403);
    for next in [
        "/laporan\r\nSet-Cookie: x=1",
        "/laporan\n",
        "https://evil.example/",
        "//evil.example",
        "/laporan/\\evil",
        "/elsewhere",
    ] {
        assert_eq!(post(&[], next).await.unwrap().status(), 400, "{next:?}");
        let q = serde_urlencoded::to_string([("next", next)]).unwrap();
        assert_eq!(
            c.get(app.url(&format!("/masuk?{q}"))).send().await.unwrap().status(),
            400,
            "{next:?}"
        );
    }
}

#[tokio::test]
async fn the_key_file_is_made_once_with_mode_0600_and_shared_by_replicas() {
    let dir = std::env::temp_dir().join(format!("integritas-keyfile-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("integritas.key");
    let settings = |extra: &[(&str, &str)]| {
        let mut env: HashMap<String, String> = HashMap::new();
        env.insert("INTEGRITAS_KEY_FILE".into(), file.display().to_string());
        for (k, v) in extra {
            env.insert((*k).into(), (*v).into());
        }
        Settings::from_lookup(|k| env.get(k).cloned()).unwrap()
    };
    let first = integritas::startup::master_secret(&settings(&[])).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "readable by the service's user only");
    }
    let again = integritas::startup::master_secret(&settings(&[])).unwrap();
    assert_eq!(first, again, "a restart (or a replica with the same file) signs alike");
    // A configured secret wins over the file.
    let configured = integritas::startup::master_secret(&settings(&[("INTEGRITAS_SECRET", TEST_SECRET)])).unwrap();
    assert_eq!(configured, TEST_SECRET);
    // A weak file is refused with the path named.
    std::fs::write(&file, "aaaaaaaa\n").unwrap();
    let e = integritas::startup::master_secret(&settings(&[])).unwrap_err().to_string();
    assert!(e.contains("INTEGRITAS_KEY_FILE") && e.contains("integritas.key"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

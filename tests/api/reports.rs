//! The operators' and assessors' HTML pages behind a login session.

use serde_json::{Value, json};

use crate::access::SESSION_PAGES;
use crate::campaigns::open_link;
use crate::helpers::{TestApp, spawn_app};
use crate::survey::{all, submit_json};

/// A client with a cookie jar, logged in with `key`.
pub async fn logged_in(app: &TestApp, key: &str) -> reqwest::Client {
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c
        .post(app.url("/masuk"))
        .form(&[("key", key), ("next", "/laporan")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains(key), "the key itself is never put in the cookie");
    c
}

async fn campaign_with_data(app: &TestApp) -> (String, String) {
    let (unit, c) = crate::campaigns::unit_and_campaign(app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let code = open_link(app, &cid, json!({"label": "Loket 1"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..12 {
        let r = submit_json(
            app,
            &code,
            all(if i % 3 == 0 { 4 } else { 3 }),
            json!({"demographics": {"layanan": "Paspor"}}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    // The report shows the final results: closing seals every response.
    app.close_campaign(&cid).await;
    (unit["id"].as_str().unwrap().to_owned(), cid)
}

#[tokio::test]
async fn pages_need_a_session_and_follow_the_roles() {
    let app = spawn_app().await;
    let (uid, cid) = campaign_with_data(&app).await;
    // No session: every page sends to the login form, keeping where it was going.
    for p in SESSION_PAGES {
        let path = p
            .replace("/unit/{id}", &format!("/unit/{uid}"))
            .replace("/kampanye/{id}", &format!("/kampanye/{cid}"));
        let r = app.get(&path, None).await;
        assert_eq!(r.status(), 303, "{path}");
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/masuk?next="), "{path}");
    }
    assert_eq!(app.get("/masuk", None).await.status(), 200);
    // A wrong key is refused politely.
    let c = reqwest::Client::new();
    let r = c
        .post(app.url("/masuk"))
        .form(&[("key", "itg_wrong"), ("next", "/laporan")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // An assessor sees everything, and the numbers of the API.
    let (aid, assessor) = app.create_key("assessor", None).await;
    let s = logged_in(&app, &assessor).await;
    let results: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&assessor))
        .await
        .json()
        .await
        .unwrap();
    let page = s.get(app.url(&format!("/laporan/kampanye/{cid}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let value = format!("{:.2}", results["index"]["value"].as_f64().unwrap());
    assert!(html.contains(&value), "report shows the index {value}");
    assert!(html.contains("<svg"), "charts are server-rendered SVG");
    assert!(!html.contains("<script"));
    for path in ["/laporan/nasional", &format!("/laporan/unit/{uid}"), "/laporan/nasional?sort=ipkp"] {
        assert_eq!(s.get(app.url(path)).send().await.unwrap().status(), 200, "{path}");
    }
    // The session also opens the downloads (GET only).
    let csv = s
        .get(app.url(&format!("/api/v1/campaigns/{cid}/responses.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let xlsx = s.get(app.url("/api/v1/hasil?format=xlsx")).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    // …but never a change: a session cookie without the bearer header cannot POST to the API.
    let r = s
        .post(app.url(&format!("/api/v1/campaigns/{cid}/close")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // Revoking the key ends the session on the next request.
    app.delete(&format!("/api/v1/keys/{aid}"), Some(&app.admin_key)).await;
    let r = s.get(app.url("/laporan/nasional")).send().await.unwrap();
    assert_eq!(r.status(), 303);

    // An operator sees its own unit, not another's, and not the national table.
    let (_, op) = app.create_key("operator", Some(&uid)).await;
    let o = logged_in(&app, &op).await;
    assert_eq!(
        o.get(app.url(&format!("/laporan/kampanye/{cid}"))).send().await.unwrap().status(),
        200
    );
    assert_eq!(o.get(app.url("/laporan/nasional")).send().await.unwrap().status(), 403);
    let other = app.create_unit("lain").await;
    assert_eq!(
        o.get(app.url(&format!("/laporan/unit/{}", other["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let home = o.get(app.url("/laporan")).send().await.unwrap();
    assert_eq!(home.headers()["location"], format!("/laporan/unit/{uid}").as_str());
}

#[tokio::test]
async fn logout_needs_the_csrf_token_and_login_redirects_only_locally() {
    let app = spawn_app().await;
    let (_, key) = app.create_key("assessor", None).await;
    let s = logged_in(&app, &key).await;
    let html = s.get(app.url("/laporan/nasional")).send().await.unwrap().text().await.unwrap();
    let at = html.find("name=\"csrf\"").expect("logout form carries a csrf token");
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    let csrf = rest[v..v + rest[v..].find('"').unwrap()].to_owned();
    let r = s.post(app.url("/keluar")).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        s.get(app.url("/laporan/nasional")).send().await.unwrap().status(),
        200,
        "still logged in"
    );
    let r = s.post(app.url("/keluar")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        s.get(app.url("/laporan/nasional")).send().await.unwrap().status(),
        303,
        "logged out"
    );

    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Another site is refused outright (400), a local page is followed.
    for next in ["https://evil.example/", "//evil.example/"] {
        let r = c
            .post(app.url("/masuk"))
            .form(&[("key", key.as_str()), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{next}");
    }
    let r = c
        .post(app.url("/masuk"))
        .form(&[("key", key.as_str()), ("next", "/laporan/nasional")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/laporan/nasional");
}

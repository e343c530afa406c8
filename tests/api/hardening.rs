//! Issue 16, the rate limiter under attack: junk codes never become keys and the limiter's size
//! is bounded whatever the traffic; the client is the rightmost untrusted `X-Forwarded-For` hop
//! (a spoofed leftmost entry buys nothing); IPv6 clients share their /64's budget; a refused
//! citizen gets the form back with the answers typed.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};
use crate::survey::{IPKP, all, hidden_token, post_form, render_token, survey};

/// The limiter's size, as `/metrics` reports it.
pub(crate) async fn limiter_keys(app: &TestApp) -> i64 {
    let m = app.get("/metrics", Some(&app.admin_key)).await.text().await.unwrap();
    m.lines()
        .find_map(|l| l.strip_prefix("integritas_rate_limit_keys "))
        .map_or(0, |v| v.trim().parse().unwrap())
}

async fn submit_from(app: &TestApp, code: &str, forwarded: &str) -> u16 {
    let rt = render_token(app, code).await;
    app.client
        .post(app.url(&format!("/api/v1/respond/{code}")))
        .header("x-forwarded-for", forwarded)
        .json(&json!({"answers": all(3), "render_token": rt}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn junk_codes_never_become_limiter_keys_and_its_size_is_bounded() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_RATE_LIMIT".into(), "2/hour".into());
        env.insert("INTEGRITAS_RATE_LIMIT_KEYS".into(), "50".into());
        env.insert("INTEGRITAS_TRUST_PROXY".into(), "1".into());
    })
    .await;
    let (_, code) = survey(&app).await;
    // A few thousand random 30 KB codes, through the page and the API.
    let body = json!({"answers": all(3), "render_token": "x"});
    for i in 0..2_000u32 {
        let junk: String = format!("{i:08}").repeat(30_000 / 8);
        let r = if i % 2 == 0 {
            app.client
                .post(app.url(&format!("/s/{junk}")))
                .form(&[("informasi", "3")])
                .send()
                .await
                .unwrap()
        } else {
            app.post_json(&format!("/api/v1/respond/{junk}"), None, &body).await
        };
        assert!(r.status() == 404 || r.status() == 414 || r.status() == 431, "{}", r.status());
    }
    // Well-formed codes that open nothing are not keys either.
    for _ in 0..200 {
        let unknown = integritas::domain::credentials::new_link_code();
        assert_eq!(
            app.post_json(&format!("/api/v1/respond/{unknown}"), None, &body).await.status(),
            404
        );
    }
    assert_eq!(limiter_keys(&app).await, 0, "no code that opens nothing is counted");
    // Many clients on a real link: the map stays within its bound.
    for i in 0..300u32 {
        let status = submit_from(&app, &code, &format!("198.51.{}.{}", i / 250, i % 250)).await;
        assert_eq!(status, 201);
        assert!(limiter_keys(&app).await <= 50);
    }
    assert!(limiter_keys(&app).await > 0, "the gauge counts real keys");
}

#[tokio::test]
async fn a_spoofed_forwarded_for_buys_no_submissions_and_ipv6_shares_its_64() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_RATE_LIMIT".into(), "2/hour".into());
        env.insert("INTEGRITAS_TRUST_PROXY".into(), "true".into());
    })
    .await;
    let (_, code) = survey(&app).await;
    // The client writes a new leftmost entry each time; the proxy appends what it saw.
    let mut accepted = 0;
    for i in 0..20 {
        if submit_from(&app, &code, &format!("203.0.113.{i}, 198.51.100.7")).await == 201 {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 2, "20 spoofed entries, one client, its budget of 2");
    // Addresses of one /64 are one client; another /64 is another.
    let mut accepted = 0;
    for i in 1..=6 {
        if submit_from(&app, &code, &format!("2001:db8:1:2::{i:x}")).await == 201 {
            accepted += 1;
        }
    }
    assert_eq!(accepted, 2, "one /64, one budget");
    assert_eq!(submit_from(&app, &code, "2001:db8:1:3::1").await, 201);
    // A list of proxy networks: hops inside them are skipped, from the right.
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_RATE_LIMIT".into(), "1/hour".into());
        env.insert("INTEGRITAS_TRUST_PROXY".into(), "127.0.0.0/8, 10.0.0.0/8".into());
    })
    .await;
    let (_, code) = survey(&app).await;
    assert_eq!(submit_from(&app, &code, "1.1.1.1, 198.51.100.9, 10.1.2.3").await, 201);
    assert_eq!(submit_from(&app, &code, "2.2.2.2, 198.51.100.9, 10.9.9.9").await, 429);
}

#[tokio::test]
async fn a_refused_citizen_gets_the_form_back_with_the_answers_typed() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_RATE_LIMIT".into(), "1/hour".into());
    })
    .await;
    let (_, code) = survey(&app).await;
    let send = |token: String| {
        let mut pairs: Vec<(String, String)> = IPKP.iter().map(|i| ((*i).to_owned(), "4".to_owned())).collect();
        pairs.push(("render_token".into(), token));
        pairs.push(("usia".into(), "40-54".into()));
        pairs
    };
    let html = app.get(&format!("/s/{code}"), None).await.text().await.unwrap();
    let pairs = send(hidden_token(&html));
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(post_form(&app, &code, &borrowed).await.status(), 303);
    let html = app.get(&format!("/s/{code}"), None).await.text().await.unwrap();
    let pairs = send(hidden_token(&html));
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = post_form(&app, &code, &borrowed).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    let page = r.text().await.unwrap();
    assert!(page.contains("name=\"render_token\""), "the form itself, not an empty page");
    assert!(page.matches("checked").count() >= IPKP.len(), "every answer is kept");
    assert!(page.contains("selected"), "the age band is kept");
    assert!(page.contains("Jawaban Anda masih ada"), "and it says so");
    let v: Value = app.get(&format!("/api/v1/respond/{code}"), None).await.json().await.unwrap();
    assert!(v["render_token"].is_string(), "the link itself still opens");
}

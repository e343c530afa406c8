//! The citizen's survey under abuse: one token raced fifty times, the per-link rate limit and
//! forwarded addresses, the honeypot and the render token. Each refusal stores nothing.

use serde_json::{Value, json};

use crate::helpers::{assert_problem, captured_logs, render_key, spawn_app, spawn_app_with};
use crate::survey::{IPKP, all, hidden_token, post_form, render_token, responses, submit_json, survey};

#[tokio::test]
async fn fifty_concurrent_submissions_with_one_token_give_exactly_one_201() {
    let app = spawn_app().await;
    let (cid, _) = survey(&app).await;
    let batch: Value = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens"),
            Some(&app.admin_key),
            &json!({"count": 1}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = batch["tokens"][0]["token"].as_str().unwrap().to_owned();
    let rt = render_token(&app, &token).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/respond/{token}"));
        let body = json!({"answers": all(4), "render_token": rt});
        tasks.push(tokio::spawn(async move {
            client.post(url).json(&body).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 410), "{statuses:?}");
    assert_eq!(responses(&app).await, 1);
    app.close_campaign(&cid).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM answer").await, 8, "no half-stored response");
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_RATE_LIMIT".into(), "2/hour".into());
    })
    .await;
    let (_, code) = survey(&app).await;
    for _ in 0..2 {
        assert_eq!(submit_json(&app, &code, all(3), json!({})).await.status(), 201);
    }
    let r = submit_json(&app, &code, all(3), json!({})).await;
    assert!(r.headers().get("retry-after").is_some());
    assert_problem(r, 429).await;
    let r = app
        .client
        .post(app.url(&format!("/s/{code}")))
        .form(&[("informasi", "3")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    assert!(r.text().await.unwrap().contains("<html"));
    assert_eq!(responses(&app).await, 2);
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_RATE_LIMIT".into(), "1/hour".into());
        env.insert("INTEGRITAS_TRUST_PROXY".into(), "true".into());
    })
    .await;
    let (_, code) = survey(&app).await;
    for ip in ["198.51.100.7", "198.51.100.8"] {
        let rt = render_token(&app, &code).await;
        let r = app
            .client
            .post(app.url(&format!("/api/v1/respond/{code}")))
            .header("x-forwarded-for", ip)
            .json(&json!({"answers": all(2), "render_token": rt}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "each client has its own bucket");
    }
    assert!(!captured_logs().contains("198.51.100.7"), "no client address in the logs");
}

#[tokio::test]
async fn honeypot_and_render_token_refusals_store_nothing() {
    let app = spawn_app().await;
    let (_, code) = survey(&app).await;
    let html = app.get(&format!("/s/{code}"), None).await.text().await.unwrap();
    let token = hidden_token(&html);
    let mut pairs: Vec<(&str, &str)> = IPKP.iter().map(|i| (*i, "3")).collect();
    pairs.push(("render_token", &token));
    let mut with_honey = pairs.clone();
    with_honey.push(("website", "http://spam.example"));
    assert_eq!(post_form(&app, &code, &with_honey).await.status(), 400);
    // No render token, a forged one, a stale one.
    let no_token: Vec<(&str, &str)> = IPKP.iter().map(|i| (*i, "3")).collect();
    let r = post_form(&app, &code, &no_token).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains(&format!("/s/{code}")), "asks to reload the form");
    let forged = format!("{}.AAAA", chrono::Utc::now().timestamp());
    let mut f = no_token.clone();
    f.push(("render_token", &forged));
    assert_eq!(post_form(&app, &code, &f).await.status(), 400);
    let key = render_key();
    let stale = integritas::domain::credentials::sign_render_token(&key, &code, chrono::Utc::now().timestamp() - 3 * 3600);
    let mut s = no_token.clone();
    s.push(("render_token", &stale));
    assert_eq!(post_form(&app, &code, &s).await.status(), 400);
    // A token rendered for another link does not open this one.
    let other = integritas::domain::credentials::sign_render_token(&key, "zzzzzzzzzz", chrono::Utc::now().timestamp());
    let p = assert_problem(
        app.post_json(
            &format!("/api/v1/respond/{code}"),
            None,
            &json!({"answers": all(3), "render_token": other}),
        )
        .await,
        400,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("render_token"));
    assert_eq!(responses(&app).await, 0);
    // The fresh token still works.
    assert_eq!(post_form(&app, &code, &pairs).await.status(), 303);
}

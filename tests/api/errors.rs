//! Every error case of the contract answers problem+json with the right status.

use serde_json::json;

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn unknown_route_and_method_answer_problem_json() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/no-such-thing", None).await, 404).await;
    let r = app.client.patch(app.url("/api/v1/forms")).send().await.unwrap();
    let s = r.status().as_u16();
    assert!(s == 404 || s == 405, "{s}");
    assert_problem(r, s).await;
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = spawn_app().await;
    let big = "x".repeat(70 * 1024);
    let r = app.post_json("/api/v1/units", Some(&app.admin_key), &json!({"slug": big})).await;
    assert_problem(r, 413).await;
}

#[tokio::test]
async fn malformed_json_is_400_with_position() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&app.admin_key)
        .header("content-type", "application/json")
        .body("{\"slug\": \"x\",\n \"name\": }")
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, 400).await;
    let d = p["detail"].as_str().unwrap();
    assert!(d.contains("line 2") && d.contains("column"), "{d}");
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(app.url("/api/v1/units"))
        .bearer_auth(&app.admin_key)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415).await;
}

#[tokio::test]
async fn validation_is_422_with_per_field_messages() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/api/v1/units",
            Some(&app.admin_key),
            &json!({"slug": "NOT OK", "name": "", "service_types": []}),
        )
        .await;
    let p = assert_problem(r, 422).await;
    for field in ["slug", "name", "instansi", "service_types"] {
        assert!(p["errors"][field].as_array().is_some_and(|a| !a.is_empty()), "{field}: {p}");
    }
    // Nothing was stored.
    assert_eq!(app.count("SELECT COUNT(*) FROM unit").await, 0);
}

#[tokio::test]
async fn wrong_json_types_are_422() {
    let app = spawn_app().await;
    let r = app.post_json("/api/v1/units", Some(&app.admin_key), &json!({"slug": 5})).await;
    assert_problem(r, 422).await;
}

#[tokio::test]
async fn duplicate_slug_is_409() {
    let app = spawn_app().await;
    app.create_unit("dup").await;
    let r = app
        .post_json(
            "/api/v1/units",
            Some(&app.admin_key),
            &json!({"slug": "dup", "name": "x", "instansi": "y", "service_types": ["a"]}),
        )
        .await;
    assert_problem(r, 409).await;
}

#[tokio::test]
async fn bad_query_is_422() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/sample-size?population=-5", None).await, 422).await;
    assert_problem(app.get("/api/v1/sample-size?population=abc", None).await, 422).await;
}

#[tokio::test]
async fn malformed_ids_are_404() {
    let app = spawn_app().await;
    assert_problem(app.get("/api/v1/units/not-a-uuid", Some(&app.admin_key)).await, 404).await;
}

//! Every change is in the audit log, and exclusions move the results and back: the assessor's
//! trail of who changed what, and what a refused change leaves (nothing).

use serde_json::{Value, json};

use crate::campaigns::open_link;
use crate::helpers::{assert_problem, spawn_app};
use crate::integrity::{response_ids, sealed_campaign};
use crate::survey::{all, submit_json};

#[tokio::test]
async fn exclusion_and_reinclusion_move_the_results_and_are_audited() {
    let app = spawn_app().await;
    let (cid, ids) = sealed_campaign(&app, 6).await;
    crate::publication::close(&app, &cid).await;
    let before: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["n"], 6);
    let (_, assessor) = app.create_key("assessor", None).await;
    // The first response answered 1s: find it by its score through the export instead of assuming order.
    let csv = app
        .client
        .get(app.url(&format!("/api/v1/campaigns/{cid}/responses.csv")))
        .bearer_auth(&assessor)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let low = csv
        .lines()
        .skip(1)
        .find(|l| l.split(',').nth(4) == Some("1"))
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();

    assert_problem(
        app.post_json(
            &format!("/api/v1/responses/{low}/exclude"),
            Some(&assessor),
            &json!({"reason": "x"}),
        )
        .await,
        422,
    )
    .await;
    let r = app
        .post_json(
            &format!("/api/v1/responses/{low}/exclude"),
            Some(&assessor),
            &json!({"reason": "Isian ganda dari petugas"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_problem(
        app.post_json(
            &format!("/api/v1/responses/{low}/exclude"),
            Some(&assessor),
            &json!({"reason": "again, twice"}),
        )
        .await,
        409,
    )
    .await;
    let after: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&assessor))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["n"], 5);
    assert_eq!(after["flags"]["excluded"], 1);
    assert!(crate::results::close(after["index"]["value"].as_f64().unwrap(), 3.0));
    assert_eq!(after["items"][0]["distribution"]["1"], 0);
    // The breakdown cell loses the excluded response too (6 → 5 answers of Paspor, all 3s now).
    let paspor = |v: &Value| {
        v["breakdowns"]["layanan"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"] == "Paspor")
            .cloned()
            .unwrap()
    };
    assert_eq!(paspor(&before)["n"], 6);
    assert!(crate::results::close(paspor(&before)["index"].as_f64().unwrap(), 16.0 / 6.0));
    assert_eq!(paspor(&after)["n"], 5);
    assert!(crate::results::close(paspor(&after)["index"].as_f64().unwrap(), 3.0));
    // The excluded row is still exported, marked.
    let csv = app
        .client
        .get(app.url(&format!("/api/v1/campaigns/{cid}/responses.csv")))
        .bearer_auth(&assessor)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.lines().any(|l| l.starts_with(&low) && l.ends_with(",true")), "{csv}");

    let r = app
        .post_json(
            &format!("/api/v1/responses/{low}/include"),
            Some(&assessor),
            &json!({"reason": "Keliru, isian sah"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let back: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&assessor))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(back["n"], 6);
    assert_eq!(back["index"], before["index"]);
    assert_eq!(back["breakdowns"], before["breakdowns"]);
    assert_problem(
        app.post_json(
            &format!("/api/v1/responses/{low}/include"),
            Some(&assessor),
            &json!({"reason": "not excluded now"}),
        )
        .await,
        409,
    )
    .await;

    // Operators cannot exclude; the trail names who and why.
    let unit_id = before["unit_id"].as_str().unwrap();
    let (_, op) = app.create_key("operator", Some(unit_id)).await;
    assert_problem(
        app.post_json(
            &format!("/api/v1/responses/{low}/exclude"),
            Some(&op),
            &json!({"reason": "menaikkan nilai"}),
        )
        .await,
        403,
    )
    .await;
    let trail: Value = app
        .get(&format!("/api/v1/audit?unit_id={unit_id}"), Some(&assessor))
        .await
        .json()
        .await
        .unwrap();
    let trail: Vec<&Value> = trail.as_array().unwrap().iter().filter(|e| e["entity"] == "response").collect();
    let actions: Vec<&str> = trail.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["response.include", "response.exclude"], "newest first");
    assert_eq!(trail[1]["reason"], "Isian ganda dari petugas");
    assert_eq!(trail[1]["actor_role"], "assessor");
    assert_eq!(ids.len(), 6);
}

#[tokio::test]
async fn a_refused_or_empty_change_leaves_no_audit_entry() {
    let app = spawn_app().await;
    let (cid, ids) = sealed_campaign(&app, 2).await;
    let rid = ids[0];
    let reason = json!({"reason": "uji coba"});
    let (exclude, include) = (
        format!("/api/v1/responses/{rid}/exclude"),
        format!("/api/v1/responses/{rid}/include"),
    );
    let key = Some(app.admin_key.as_str());
    assert_eq!(app.post_json(&exclude, key, &reason).await.status(), 200);
    // The second exclusion fails inside the transaction: neither it nor its entry is stored.
    assert_problem(app.post_json(&exclude, key, &reason).await, 409).await;
    // Putting back what is not excluded fails after its delete found nothing: no entry either.
    assert_eq!(app.post_json(&include, key, &reason).await.status(), 200);
    assert_problem(app.post_json(&include, key, &reason).await, 409).await;
    // A unit whose slug is taken is refused by the database: no second unit.create.
    let unit = app.create_unit("sekali").await;
    let again = app
        .post_json(
            "/api/v1/units",
            Some(&app.admin_key),
            &json!({"slug": "sekali", "name": "Lagi", "instansi": "K", "service_types": ["Paspor"]}),
        )
        .await;
    assert_problem(again, 409).await;
    // Closing twice changes nothing the second time, and says nothing the second time.
    for _ in 0..2 {
        let r = app
            .post_json(&format!("/api/v1/campaigns/{cid}/close"), Some(&app.admin_key), &json!({}))
            .await;
        assert_eq!(r.status(), 200);
    }
    let trail: Value = app
        .get("/api/v1/audit?limit=1000", Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    let count = |action: &str, id: &str| {
        trail
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action && e["entity_id"] == id)
            .count()
    };
    let rid = rid.to_string();
    assert_eq!(count("response.exclude", &rid), 1, "{trail}");
    assert_eq!(count("response.include", &rid), 1, "{trail}");
    assert_eq!(count("unit.create", unit["id"].as_str().unwrap()), 1);
    let units = trail.as_array().unwrap().iter().filter(|e| e["action"] == "unit.create").count();
    assert_eq!(units, 2, "the campaign's unit and `sekali`, nothing for the refused one: {trail}");
    assert_eq!(count("campaign.close", &cid), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM exclusion").await, 0);
}

#[tokio::test]
async fn every_mutating_route_leaves_an_audit_entry() {
    let app = spawn_app().await;
    let unit = app.create_unit("audited").await;
    let uid = unit["id"].as_str().unwrap();
    let (kid, _) = app.create_key("operator", Some(uid)).await;
    app.delete(&format!("/api/v1/keys/{kid}"), Some(&app.admin_key)).await;
    let c: Value = app
        .post_json(
            &format!("/api/v1/units/{uid}/campaigns"),
            Some(&app.admin_key),
            &json!({"form": "ipkp", "title": "A"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let cid = c["id"].as_str().unwrap();
    let l = open_link(&app, cid, json!({"label": "L"})).await;
    app.post_json(
        &format!("/api/v1/links/{}/revoke", l["id"].as_str().unwrap()),
        Some(&app.admin_key),
        &json!({}),
    )
    .await;
    let b: Value = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens"),
            Some(&app.admin_key),
            &json!({"count": 2}),
        )
        .await
        .json()
        .await
        .unwrap();
    app.post_json(
        &format!("/api/v1/token-batches/{}/revoke", b["batch_id"].as_str().unwrap()),
        Some(&app.admin_key),
        &json!({}),
    )
    .await;
    let code = open_link(&app, cid, json!({"label": "M"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    submit_json(&app, &code, all(3), json!({})).await;
    // Closing seals the response, so it can be excluded.
    app.post_json(&format!("/api/v1/campaigns/{cid}/close"), Some(&app.admin_key), &json!({}))
        .await;
    let rid = response_ids(&app, cid).await[0];
    app.post_json(
        &format!("/api/v1/responses/{rid}/exclude"),
        Some(&app.admin_key),
        &json!({"reason": "uji coba"}),
    )
    .await;
    app.post_json(
        &format!("/api/v1/responses/{rid}/include"),
        Some(&app.admin_key),
        &json!({"reason": "uji coba"}),
    )
    .await;
    let r = app
        .client
        .put(app.url(&format!("/api/v1/units/{uid}/evaluations/2026")))
        .bearer_auth(&app.admin_key)
        .json(&json!({"kinerja": "B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = app
        .client
        .patch(app.url(&format!("/api/v1/units/{uid}")))
        .bearer_auth(&app.admin_key)
        .json(&json!({"time_zone": "WIT"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let trail: Value = app
        .get("/api/v1/audit?limit=1000", Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = trail.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in [
        "key.bootstrap",
        "unit.create",
        "key.create",
        "key.revoke",
        "campaign.create",
        "link.create",
        "link.revoke",
        "tokens.create",
        "tokens.revoke",
        "response.exclude",
        "response.include",
        "campaign.close",
        "evaluation.create",
        "unit.update",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    assert!(
        trail
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["at"].is_string() && e["actor_role"].is_string())
    );
    // Filters by time.
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let none: Value = app
        .client
        .get(app.url("/api/v1/audit"))
        .query(&[("from", future.as_str())])
        .bearer_auth(&app.admin_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(none.as_array().unwrap().is_empty());
    assert_problem(app.get("/api/v1/audit?limit=0", Some(&app.admin_key)).await, 422).await;
}

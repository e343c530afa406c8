//! Data the assessor can trust: the ledger catches tampering behind the API, every change is in
//! the audit log, exclusions move the results and back, and exports match the API.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::campaigns::open_link;
use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with};
use crate::survey::{all, submit_json};

/// Runs raw SQL written with `$n` placeholders on either backend.
pub async fn exec(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) {
    app.db.execute_raw(integritas::repo::stmt(&app.db, sql, values)).await.unwrap();
}

/// A campaign with `n` responses (each answering 3 to all, the first one 1s), closed and so sealed.
pub async fn sealed_campaign(app: &TestApp, n: usize) -> (String, Vec<uuid::Uuid>) {
    let (_, c) = crate::campaigns::unit_and_campaign(app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let code = open_link(app, &cid, json!({"label": "L"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..n {
        let r = submit_json(
            app,
            &code,
            all(if i == 0 { 1 } else { 3 }),
            json!({"demographics": {"layanan": "Paspor"}}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    app.close_campaign(&cid).await;
    let ids = response_ids(app, &cid).await;
    (cid, ids)
}

async fn response_ids(app: &TestApp, cid: &str) -> Vec<uuid::Uuid> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let c: uuid::Uuid = cid.parse().unwrap();
    integritas::entities::response::Entity::find()
        .filter(integritas::entities::response::Column::CampaignId.eq(c))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// The ledger view after forgetting the campaign's verified head, so the call re-checks every
/// block as the full re-check does: these tamperings are with blocks verified before, which the
/// incremental check leaves to `verify_full` (tests/api/ledger_verify.rs shows the difference).
async fn ledger(app: &TestApp, cid: &str) -> Value {
    let c: uuid::Uuid = cid.parse().unwrap();
    exec(app, "DELETE FROM ledger_verified WHERE campaign_id = $1", vec![c.into()]).await;
    let r = app.get(&format!("/api/v1/campaigns/{cid}/ledger"), Some(&app.admin_key)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn broken_blocks(v: &Value) -> Vec<(i64, String)> {
    v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["ok"] == false)
        .map(|b| (b["seq"].as_i64().unwrap(), b["problems"].to_string()))
        .collect()
}

#[tokio::test]
async fn the_ledger_names_the_block_behind_each_tampering() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_MIN_GROUP".into(), "5".into());
    })
    .await;

    // Untouched: ten responses closed into two chained blocks of five; verifies, and the head is
    // in the results.
    let (cid, ids) = sealed_campaign(&app, 10).await;
    let v = ledger(&app, &cid).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["head"]["sealed"], 10);
    assert_eq!(v["head"]["unsealed"], 0);
    let results: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(results["ledger"]["head"], v["head"]["head"]);
    assert_eq!(v["blocks"].as_array().unwrap().len(), 2);
    assert_eq!(v["blocks"][1]["prev_hash"], v["blocks"][0]["hash"]);

    // 1. A changed answer.
    exec(
        &app,
        "UPDATE answer SET value = 4 WHERE response_id = $1 AND item = 'informasi'",
        vec![ids[0].into()],
    )
    .await;
    let v = ledger(&app, &cid).await;
    assert_eq!(v["ok"], false);
    let broken = broken_blocks(&v);
    assert_eq!(broken.len(), 1, "{v}");
    assert!(broken[0].1.contains(&ids[0].to_string()) && broken[0].1.contains("changed"), "{v}");

    // 2. A deleted response.
    let (cid2, ids2) = sealed_campaign(&app, 3).await;
    for t in ["answer", "response_field"] {
        exec(&app, &format!("DELETE FROM {t} WHERE response_id = $1"), vec![ids2[1].into()]).await;
    }
    exec(&app, "DELETE FROM response WHERE id = $1", vec![ids2[1].into()]).await;
    let v = ledger(&app, &cid2).await;
    let broken = broken_blocks(&v);
    assert_eq!(broken.len(), 1);
    assert!(broken[0].1.contains("deleted"), "{v}");

    // 3. Inserted rows: an extra answer in a sealed response, and a new response behind the API.
    let (cid3, ids3) = sealed_campaign(&app, 3).await;
    let c3: uuid::Uuid = cid3.parse().unwrap();
    exec(
        &app,
        "INSERT INTO answer (response_id, campaign_id, item, value, flagged) VALUES ($1, $2, 'bonus', 4, FALSE)",
        vec![ids3[2].into(), c3.into()],
    )
    .await;
    let v = ledger(&app, &cid3).await;
    let broken = broken_blocks(&v);
    assert_eq!(broken.len(), 1);
    assert!(broken[0].1.contains(&ids3[2].to_string()), "{v}");
    let forged = uuid::Uuid::new_v4();
    exec(
        &app,
        "INSERT INTO response (id, campaign_id, submitted_on, channel, open_link_id, link_label, score, total, speeder, diarahkan, flagged, content_hash) \
         VALUES ($1, $2, $3, 'open_link', NULL, 'L', 4.0, 32, FALSE, FALSE, FALSE, 'forged')",
        vec![forged.into(), c3.into(), chrono::Utc::now().date_naive().into()],
    )
    .await;
    let v = ledger(&app, &cid3).await;
    assert!(v["problems"].to_string().contains(&forged.to_string()), "{v}");

    // 4. What the statistics read beyond the hashed content: the block's tallies (the results
    //    add those up instead of the answers), the `sealed` marks, and the derived columns.
    let (cid4, ids4) = sealed_campaign(&app, 6).await;
    // Closed, so the results are the exact ones (while open: the published snapshot).
    crate::publication::close(&app, &cid4).await;
    let c4: uuid::Uuid = cid4.parse().unwrap();
    let before = results_of(&app, &cid4).await;
    assert_eq!(before["n"], 6);
    assert_eq!(ledger(&app, &cid4).await["ok"], true);
    exec(
        &app,
        "UPDATE ledger_tally SET n = n + 50 WHERE campaign_id = $1 AND kind = 'response'",
        vec![c4.into()],
    )
    .await;
    assert_eq!(results_of(&app, &cid4).await["n"], 56, "forged tallies move the results");
    let v = ledger(&app, &cid4).await;
    let broken = broken_blocks(&v);
    assert_eq!(broken.len(), 1, "{v}");
    assert!(broken[0].1.contains("tallies do not match"), "{v}");
    exec(
        &app,
        "UPDATE ledger_tally SET n = n - 50 WHERE campaign_id = $1 AND kind = 'response'",
        vec![c4.into()],
    )
    .await;
    assert_eq!(ledger(&app, &cid4).await["ok"], true);
    assert_eq!(results_of(&app, &cid4).await, before);
    // The desk tallies (the desk figures add those up) are checked the same way.
    assert_eq!(before["desks"].as_array().map(Vec::len), Some(1), "{before}");
    exec(
        &app,
        "UPDATE ledger_tally SET n = n + 50 WHERE campaign_id = $1 AND kind = 'desk'",
        vec![c4.into()],
    )
    .await;
    assert_eq!(
        results_of(&app, &cid4).await["desks"][0]["n"],
        56,
        "forged desk tallies move the desk"
    );
    let v = ledger(&app, &cid4).await;
    assert!(broken_blocks(&v)[0].1.contains("tallies do not match"), "{v}");
    exec(
        &app,
        "UPDATE ledger_tally SET n = n - 50 WHERE campaign_id = $1 AND kind = 'desk'",
        vec![c4.into()],
    )
    .await;
    assert_eq!(ledger(&app, &cid4).await["ok"], true);
    assert_eq!(results_of(&app, &cid4).await, before);

    // An unmarked sealed response: the results read the tallies alone, the ledger names it.
    exec(&app, "UPDATE response SET sealed = FALSE WHERE id = $1", vec![ids4[5].into()]).await;
    assert_eq!(results_of(&app, &cid4).await["n"], 6);
    let v = ledger(&app, &cid4).await;
    assert!(
        broken_blocks(&v)[0]
            .1
            .contains(&format!("response {} is in this block but not marked sealed", ids4[5])),
        "{v}"
    );
    exec(&app, "UPDATE response SET sealed = TRUE WHERE id = $1", vec![ids4[5].into()]).await;

    // Derived columns: a response's score, the score copied onto its demographic row, an
    // answer's flag copy.
    exec(&app, "UPDATE response SET score = 4.0 WHERE id = $1", vec![ids4[0].into()]).await;
    exec(
        &app,
        "UPDATE response_field SET score = 4.0 WHERE response_id = $1",
        vec![ids4[1].into()],
    )
    .await;
    exec(
        &app,
        "UPDATE answer SET flagged = TRUE WHERE response_id = $1 AND item = 'informasi'",
        vec![ids4[2].into()],
    )
    .await;
    let v = ledger(&app, &cid4).await;
    assert_eq!(v["ok"], false);
    let broken = broken_blocks(&v);
    assert_eq!(broken.len(), 1, "{v}");
    for id in &ids4[..3] {
        assert!(broken[0].1.contains(&format!("{id}: score, total or flags")), "{v}");
    }
    for id in &ids4[3..] {
        assert!(!broken[0].1.contains(&id.to_string()), "{v}");
    }
}

/// While a campaign is open the count is live and the rest moves only with whole sealed groups;
/// at close everything is sealed and the results are complete, exclusions included.
#[tokio::test]
async fn results_move_in_sealed_groups_and_are_complete_at_close() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_SEAL_SECONDS".into(), "86400".into());
        env.insert("INTEGRITAS_MIN_GROUP".into(), "5".into());
    })
    .await;
    let (_, c) = crate::campaigns::unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let code = open_link(&app, &cid, json!({"label": "L"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..20 {
        submit_varied(&app, &code, i).await;
    }
    let waiting = results_of(&app, &cid).await;
    assert_eq!(
        (waiting["n"].as_i64(), waiting["ledger"]["unsealed"].as_i64()),
        (Some(20), Some(20))
    );
    assert_eq!(waiting["flags"]["diarahkan"], 0, "nothing answer-derived before a group is sealed");
    // Open: whole groups of five, and five stay waiting.
    assert_eq!(integritas::repo::ledger::seal_all(&app.db, 5, None).await.unwrap(), 15);
    let partial = results_of(&app, &cid).await;
    assert_eq!(
        (
            partial["n"].as_i64(),
            partial["ledger"]["unsealed"].as_i64(),
            partial["ledger"]["blocks"].as_i64()
        ),
        (Some(20), Some(5), Some(3))
    );
    // The figures are the published snapshot's: the three sealed groups (docs/anonymity.md).
    assert_eq!(partial["snapshot_n"], 15);
    for i in 20..33 {
        submit_varied(&app, &code, i).await;
    }
    // Closed: the 18 waiting go in blocks of 5, 5 and 8.
    app.close_campaign(&cid).await;
    let sealed = results_of(&app, &cid).await;
    assert_eq!(
        (sealed["ledger"]["unsealed"].as_i64(), sealed["ledger"]["blocks"].as_i64()),
        (Some(0), Some(6))
    );
    assert_eq!(sealed["n"], 33);
    assert_eq!(sealed["flags"]["diarahkan"], 4, "respondents 0, 9, 18 and 27 were steered");
    assert!(!sealed["breakdowns"]["usia"][0]["suppressed"].as_bool().unwrap());
    let rid = response_ids(&app, &cid).await[0];
    let r = app
        .post_json(
            &format!("/api/v1/responses/{rid}/exclude"),
            Some(&app.admin_key),
            &json!({"reason": "Isian uji coba petugas"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let excluded = results_of(&app, &cid).await;
    assert_eq!(
        (excluded["n"].as_i64(), excluded["flags"]["excluded"].as_i64()),
        (Some(32), Some(1))
    );
    let v = ledger(&app, &cid).await;
    assert_eq!(v["ok"], true, "{v}");
}

/// Answers that vary with `i`, every ninth respondent steered, three age groups.
async fn submit_varied(app: &TestApp, code: &str, i: usize) {
    let answers: serde_json::Map<String, Value> = crate::survey::IPKP
        .iter()
        .enumerate()
        .map(|(j, item)| (item.to_string(), json!((i * 7 + j * 3) % 4 + 1)))
        .collect();
    let steered = if i.is_multiple_of(9) { "ya" } else { "tidak" };
    let usia = ["<25", "25-39", "40-54"][i % 3];
    let r = submit_json(
        app,
        code,
        Value::Object(answers),
        json!({"screening": {"diarahkan": steered}, "demographics": {"usia": usia, "layanan": "Paspor"}}),
    )
    .await;
    assert_eq!(r.status(), 201);
}

async fn results_of(app: &TestApp, cid: &str) -> Value {
    let r = app.get(&format!("/api/v1/campaigns/{cid}/results"), Some(&app.admin_key)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn the_responses_export_names_every_column_once() {
    let app = spawn_app().await;
    let (_, c) = crate::campaigns::unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let code = open_link(&app, &cid, json!({"label": "L"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = submit_json(&app, &code, all(3), json!({"screening": {"diarahkan": "ya"}})).await;
    assert_eq!(r.status(), 201);
    // The export lists sealed responses: closing seals it.
    app.close_campaign(&cid).await;
    let csv = app
        .get(&format!("/api/v1/campaigns/{cid}/responses.csv"), Some(&app.admin_key))
        .await
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let unique: std::collections::HashSet<&&str> = header.iter().collect();
    assert_eq!(unique.len(), header.len(), "duplicate column names: {header:?}");
    // The screening answer and the flag the service concluded from it are different columns.
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| {
        row[header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"))]
    };
    assert_eq!(at("diarahkan"), "ya");
    assert_eq!(at("flag_diarahkan"), "true");
    assert_eq!(header[header.len() - 3..], ["flag_speeder", "flag_diarahkan", "excluded"]);
    // The workbook's Respons sheet has the same columns.
    use calamine::{Reader, Xlsx};
    let bytes = app
        .get(&format!("/api/v1/campaigns/{cid}/results.xlsx"), Some(&app.admin_key))
        .await
        .bytes()
        .await
        .unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("Respons").unwrap();
    let xlsx_header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(xlsx_header, header);
}

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

#[tokio::test]
async fn the_xlsx_workbook_matches_the_api() {
    use calamine::{DataType, Reader, Xlsx};
    let app = spawn_app().await;
    let (cid, _) = sealed_campaign(&app, 7).await;
    crate::publication::close(&app, &cid).await;
    let results: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .get(&format!("/api/v1/campaigns/{cid}/results.xlsx"), Some(&app.admin_key))
        .await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Ringkasan", "Item", "Rincian", "Respons"]);
    let summary = wb.worksheet_range("Ringkasan").unwrap();
    let find = |k: &str| -> f64 {
        summary
            .rows()
            .find(|row| row[0] == k)
            .and_then(|row| row[1].get_float())
            .unwrap_or(f64::NAN)
    };
    assert!(crate::results::close(find("index"), results["index"]["value"].as_f64().unwrap()));
    assert!(crate::results::close(find("ci_low"), results["index"]["ci_low"].as_f64().unwrap()));
    assert!(crate::results::close(find("alpha"), results["alpha"].as_f64().unwrap_or(f64::NAN)) || results["alpha"].is_null());
    assert_eq!(find("n"), 7.0);
    let items = wb.worksheet_range("Item").unwrap();
    let first = items.rows().nth(1).unwrap();
    assert_eq!(first[0].to_string(), results["items"][0]["id"].as_str().unwrap());
    assert!(crate::results::close(
        first[2].get_float().unwrap(),
        results["items"][0]["mean"].as_f64().unwrap()
    ));
    let responses = wb.worksheet_range("Respons").unwrap();
    assert_eq!(responses.rows().count(), 8, "header + 7 responses");
    let rcsv = app
        .get(&format!("/api/v1/campaigns/{cid}/results.csv"), Some(&app.admin_key))
        .await
        .text()
        .await
        .unwrap();
    assert!(rcsv.lines().nth(1).unwrap().starts_with("responses,,7,"), "{rcsv}");
    assert!(rcsv.lines().nth(2).unwrap().starts_with("index,IPKP,7,"), "{rcsv}");
}

/// Seeds `n` responses straight into the database (the export's input; no HTTP needed).
pub async fn seed(db: &sea_orm::DatabaseConnection, cid: &str, n: usize) {
    let c: uuid::Uuid = cid.parse().unwrap();
    let items = crate::survey::IPKP;
    let date = chrono::Utc::now().date_naive();
    let per = 500;
    let mut done = 0;
    while done < n {
        let k = per.min(n - done);
        let mut rs = String::from(
            "INSERT INTO response (id, campaign_id, submitted_on, channel, open_link_id, link_label, score, total, speeder, diarahkan, flagged, content_hash) VALUES ",
        );
        let mut ans = String::from("INSERT INTO answer (response_id, campaign_id, item, value, flagged) VALUES ");
        let mut rv: Vec<sea_orm::Value> = Vec::new();
        let mut av: Vec<sea_orm::Value> = Vec::new();
        for i in 0..k {
            let id = uuid::Uuid::new_v4();
            let v = ((done + i) % 4 + 1) as i16;
            if i > 0 {
                rs.push(',');
            }
            let b = rv.len();
            rs.push_str(&format!(
                "(${}, ${}, ${}, 'open_link', NULL, 'Loket', ${}, ${}, FALSE, FALSE, FALSE, 'seed')",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5
            ));
            rv.extend([id.into(), c.into(), date.into(), (v as f64).into(), (v as i32 * 8).into()]);
            for (j, item) in items.iter().enumerate() {
                if i > 0 || j > 0 {
                    ans.push(',');
                }
                let b = av.len();
                ans.push_str(&format!("(${}, ${}, ${}, ${}, FALSE)", b + 1, b + 2, b + 3, b + 4));
                av.extend([id.into(), c.into(), (*item).into(), v.into()]);
            }
        }
        db.execute_raw(integritas::repo::stmt(db, &rs, rv)).await.unwrap();
        db.execute_raw(integritas::repo::stmt(db, &ans, av)).await.unwrap();
        done += k;
    }
}

/// Resident memory of a process, in kB.
fn rss_kb_of(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The export streams page by page: the real server binary, alone in its process, exports
/// 100,000 rows while its resident memory is sampled at every chunk received.
#[tokio::test]
async fn a_hundred_thousand_row_csv_export_streams_in_flat_memory() {
    use crate::helpers::ADMIN_KEY;
    use crate::reliability::ChildServer;
    let (url, _guard) = crate::foundation::persistent_database().await;
    let log = std::env::temp_dir().join(format!("integritas-export-{}.log", uuid::Uuid::new_v4().simple()));
    let mut server = ChildServer::start(&url, &log);
    let base = format!("http://127.0.0.1:{}", server.port);
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(std::time::Instant::now() < deadline, "the server did not become ready");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let post = |path: String, body: Value| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.post(format!("{base}{path}"))
                .bearer_auth(ADMIN_KEY)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let unit = post(
        "/api/v1/units".into(),
        json!({"slug": "ekspor", "name": "Ekspor", "instansi": "K", "service_types": ["A"]}),
    )
    .await;
    let c = post(
        format!("/api/v1/units/{}/campaigns", unit["id"].as_str().unwrap()),
        json!({"form": "ipkp", "title": "Ekspor"}),
    )
    .await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let small = post(
        format!("/api/v1/units/{}/campaigns", unit["id"].as_str().unwrap()),
        json!({"form": "ipkp", "title": "Kecil"}),
    )
    .await;
    let small_id = small["id"].as_str().unwrap().to_owned();
    let db = sea_orm::Database::connect(&url).await.unwrap();
    let t = std::time::Instant::now();
    seed(&db, &small_id, 20_000).await;
    seed(&db, &cid, 100_000).await;
    println!("seeded 120,000 responses in {:?}", t.elapsed());
    let _ = db.close().await;
    let pid = server.child.id();
    // Streams one export, sampling the server's RSS at every chunk: (rows, MB, peak RSS kB, time).
    let export = |id: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let t = std::time::Instant::now();
            let mut r = http
                .get(format!("{base}/api/v1/campaigns/{id}/responses.csv"))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let (mut bytes, mut lines, mut peak) = (0usize, 0usize, rss_kb_of(pid));
            while let Some(chunk) = r.chunk().await.unwrap() {
                bytes += chunk.len();
                lines += chunk.iter().filter(|b| **b == b'\n').count();
                peak = peak.max(rss_kb_of(pid));
            }
            (lines, bytes as f64 / 1_048_576.0, peak, t.elapsed())
        }
    };
    let before = rss_kb_of(pid);
    let (lines_small, mb_small, peak_small, t_small) = export(small_id).await;
    let (lines, mb, peak, t_big) = export(cid).await;
    server.alive().unwrap();
    assert_eq!(lines_small, 20_001);
    assert_eq!(lines, 100_001, "header + 100,000 rows");
    let mib = |kb: u64| kb as f64 / 1024.0;
    println!(
        "server RSS {:.1} MB before; 20,000 rows ({mb_small:.1} MB, {t_small:?}) → peak {:.1} MB; 100,000 rows ({mb:.1} MB, {t_big:?}) → peak {:.1} MB",
        mib(before),
        mib(peak_small),
        mib(peak)
    );
    assert!(mb > 8.0);
    // Flat: five times the rows costs no more than a few MB over the small export's peak (the
    // first export warms the pool's connections, SQLite's page caches and the allocator).
    let grew = mib(peak.saturating_sub(peak_small));
    assert!(grew < 8.0, "memory grew {grew:.1} MB more for 5× the rows");
    let _ = std::fs::remove_file(log);
}

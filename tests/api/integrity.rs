//! Data the assessor can trust: the ledger catches tampering behind the API, and the results move
//! only with sealed groups. The audit trail is tests/api/audit.rs, the exports tests/api/exports.rs.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::campaigns::open_link;
use crate::helpers::{TestApp, spawn_app_with};
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

pub(crate) async fn response_ids(app: &TestApp, cid: &str) -> Vec<uuid::Uuid> {
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
pub(crate) async fn ledger(app: &TestApp, cid: &str) -> Value {
    let c: uuid::Uuid = cid.parse().unwrap();
    exec(app, "DELETE FROM ledger_verified WHERE campaign_id = $1", vec![c.into()]).await;
    let r = app.get(&format!("/api/v1/campaigns/{cid}/ledger"), Some(&app.admin_key)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

pub(crate) fn broken_blocks(v: &Value) -> Vec<(i64, String)> {
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

pub(crate) async fn results_of(app: &TestApp, cid: &str) -> Value {
    let r = app.get(&format!("/api/v1/campaigns/{cid}/results"), Some(&app.admin_key)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

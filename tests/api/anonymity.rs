//! Anonymity against the unit being surveyed (issue 12), and the group commit that stores
//! submissions (issue 17): results move only in sealed groups of k, storage keeps no arrival order,
//! and no redeemed token keeps a transaction id next to a stored response's.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::campaigns::{open_link, unit_and_campaign};
use crate::helpers::{TestApp, spawn_app_with};
use crate::survey::{IPKP, all, render_token, submit_json};

fn with_group(k: &'static str) -> impl FnOnce(&mut std::collections::HashMap<String, String>) {
    move |env| {
        env.insert("INTEGRITAS_MIN_GROUP".into(), k.into());
        // The test seals when it wants to, not on a timer.
        env.insert("INTEGRITAS_SEAL_SECONDS".into(), "86400".into());
    }
}

async fn tokens(app: &TestApp, cid: &str, count: usize) -> Vec<String> {
    let b: Value = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens"),
            Some(&app.admin_key),
            &json!({"count": count}),
        )
        .await
        .json()
        .await
        .unwrap();
    b["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["token"].as_str().unwrap().to_owned())
        .collect()
}

/// The results document without what stays live (the count and what follows from it).
fn answer_derived(mut v: Value) -> Value {
    for k in ["n", "adequate", "ledger"] {
        v.as_object_mut().unwrap().remove(k);
    }
    // The note names the live count beside the snapshot's size.
    v["publication"].as_object_mut().unwrap().remove("note");
    v
}

#[tokio::test]
async fn the_handed_slip_the_operators_view_moves_only_after_k_more() {
    let app = spawn_app_with(with_group("5")).await;
    let (unit, c) = unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let (_, operator) = app.create_key("operator", unit["id"].as_str()).await;
    let code = open_link(&app, &cid, json!({"label": "Loket 1"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..10 {
        assert_eq!(
            submit_json(&app, &code, all(if i % 2 == 0 { 3 } else { 4 }), json!({}))
                .await
                .status(),
            201
        );
    }
    let seal = || integritas::repo::ledger::seal_all(&app.db, 5, None);
    assert_eq!(seal().await.unwrap(), 5);
    let results = || async {
        let r = app.get(&format!("/api/v1/campaigns/{cid}/results"), Some(&operator)).await;
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()
    };
    let before = results().await;
    // The slip "antrean 12": one token, handed over, used with answers unlike anyone else's.
    let slip = tokens(&app, &cid, 1).await.remove(0);
    assert_eq!(submit_json(&app, &slip, all(1), json!({})).await.status(), 201);
    assert_eq!(seal().await.unwrap(), 0, "one more is not a group");
    let after = results().await;
    assert_eq!(after["n"], before["n"].as_u64().unwrap() + 1, "the count is live");
    assert_eq!(
        answer_derived(after.clone()),
        answer_derived(before.clone()),
        "nothing but the count moved"
    );
    // k − 1 more still keep it hidden; the k-th moves the results by a whole group.
    for _ in 0..3 {
        assert_eq!(submit_json(&app, &code, all(4), json!({})).await.status(), 201);
    }
    assert_eq!(seal().await.unwrap(), 0);
    assert_eq!(answer_derived(results().await), answer_derived(before.clone()));
    assert_eq!(submit_json(&app, &code, all(4), json!({})).await.status(), 201);
    assert_eq!(seal().await.unwrap(), 5);
    let moved = results().await;
    assert_ne!(answer_derived(moved.clone()), answer_derived(before));
    assert_eq!(moved["ledger"]["unsealed"], 5, "k stay waiting");
}

/// Spearman's rho of a sequence of distinct ranks against its positions.
fn spearman(ranks: &[usize]) -> f64 {
    let n = ranks.len() as f64;
    let d2: f64 = ranks.iter().enumerate().map(|(i, r)| (i as f64 - *r as f64).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[tokio::test]
async fn storage_keeps_no_arrival_order() {
    let app = spawn_app_with(with_group("10")).await;
    let (_, c) = unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let code = open_link(&app, &cid, json!({"label": "Loket 1"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    // Submission i answers its number in base 4 on the first three items.
    for i in 0..60usize {
        let mut a = all(2);
        for (d, item) in IPKP.iter().take(3).enumerate() {
            a[*item] = json!(i / 4usize.pow(d as u32) % 4 + 1);
        }
        assert_eq!(submit_json(&app, &code, a, json!({})).await.status(), 201);
    }
    app.close_campaign(&cid).await;
    let backend = app.db.get_database_backend();
    if backend == sea_orm::DbBackend::Sqlite {
        for t in ["inbox", "response", "answer", "response_field", "ledger_entry", "exclusion"] {
            let row = app
                .db
                .query_one_raw(Statement::from_string(
                    backend,
                    format!("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{t}'"),
                ))
                .await
                .unwrap()
                .unwrap();
            let sql: String = row.try_get("", "sql").unwrap();
            assert!(sql.to_uppercase().contains("WITHOUT ROWID"), "{t} keeps a rowid: {sql}");
        }
    }
    // In the stored order (by key: the physical order of a WITHOUT ROWID table), which submission
    // is each response?
    let rows = app
        .db
        .query_all_raw(integritas::repo::stmt(
            &app.db,
            "SELECT a.response_id AS id, a.item AS item, a.value AS value FROM answer a \
             WHERE a.item IN ('informasi', 'persyaratan', 'prosedur') ORDER BY a.response_id",
            vec![],
        ))
        .await
        .unwrap();
    let mut order: Vec<(uuid::Uuid, usize)> = Vec::new();
    for r in rows {
        let id: uuid::Uuid = r.try_get("", "id").unwrap();
        let item: String = r.try_get("", "item").unwrap();
        let value: i16 = r.try_get("", "value").unwrap();
        let d = IPKP.iter().position(|x| *x == item).unwrap() as u32;
        if order.last().is_none_or(|(last, _)| *last != id) {
            order.push((id, 0));
        }
        order.last_mut().unwrap().1 += (value as usize - 1) * 4usize.pow(d);
    }
    let ranks: Vec<usize> = order.iter().map(|(_, i)| *i).collect();
    let mut sorted = ranks.clone();
    sorted.sort();
    assert_eq!(sorted, (0..60).collect::<Vec<_>>(), "every submission stored once");
    let rho = spearman(&ranks);
    assert!(rho.abs() < 0.5, "stored order follows arrival order: rho {rho}");
}

#[tokio::test]
async fn no_redeemed_token_neighbours_a_stored_responses_transaction() {
    let app = spawn_app_with(with_group("5")).await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        // SQLite has no transaction ids on rows; its side is `storage_keeps_no_arrival_order`.
        return;
    }
    let (_, c) = unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    for (i, t) in tokens(&app, &cid, 17).await.iter().enumerate() {
        assert_eq!(submit_json(&app, t, all(1 + (i % 4) as u8), json!({})).await.status(), 201);
        if i % 6 == 5 {
            // Sealing while open too: tokens redeemed before and after a seal.
            app.get(&format!("/api/v1/campaigns/{cid}/results"), Some(&app.admin_key)).await;
            integritas::repo::ledger::seal_all(&app.db, 5, None).await.unwrap();
        }
    }
    app.close_campaign(&cid).await;
    let xmins = |sql: &'static str| {
        let db = &app.db;
        async move {
            db.query_all_raw(Statement::from_string(sea_orm::DbBackend::Postgres, sql))
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<i64>("", "x").unwrap())
                .collect::<Vec<i64>>()
        }
    };
    let tokens = xmins("SELECT xmin::text::bigint AS x FROM token WHERE redeemed = TRUE").await;
    assert_eq!(tokens.len(), 17);
    let mut stored = xmins("SELECT xmin::text::bigint AS x FROM response").await;
    stored.extend(xmins("SELECT xmin::text::bigint AS x FROM answer").await);
    stored.extend(xmins("SELECT xmin::text::bigint AS x FROM response_field").await);
    assert_eq!(app.count("SELECT COUNT(*) FROM response").await, 17);
    for t in &tokens {
        for s in &stored {
            assert!((t - s).abs() > 1, "a redeemed token's xmin {t} is at or next to a stored row's {s}");
        }
    }
}

#[tokio::test]
async fn group_commit_refuses_each_refused_submission_alone() {
    let app = spawn_app_with(with_group("5")).await;
    let (_, a) = unit_and_campaign(&app, "ipkp").await;
    let (_, b) = unit_and_campaign(&app, "ipkp").await;
    let (a, b) = (a["id"].as_str().unwrap().to_owned(), b["id"].as_str().unwrap().to_owned());
    let link = open_link(&app, &a, json!({"label": "Loket 1"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let closed_link = open_link(&app, &b, json!({"label": "Loket 9"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let slips = tokens(&app, &a, 5).await;
    // Through the API: 30 by the link, each of 5 tokens twice, 10 to a campaign closed meanwhile.
    let mut jobs: Vec<(String, String, &'static str)> = Vec::new();
    for _ in 0..30 {
        jobs.push((link.clone(), render_token(&app, &link).await, "link"));
    }
    for t in &slips {
        for _ in 0..2 {
            jobs.push((t.clone(), render_token(&app, t).await, "token"));
        }
    }
    for _ in 0..10 {
        jobs.push((closed_link.clone(), render_token(&app, &closed_link).await, "closed"));
    }
    app.close_campaign(&b).await;
    let mut tasks = Vec::new();
    for (code, rt, kind) in jobs {
        let (client, url) = (app.client.clone(), app.url(&format!("/api/v1/respond/{code}")));
        tasks.push(tokio::spawn(async move {
            let body = json!({"answers": all(3), "render_token": rt});
            (kind, client.post(url).json(&body).send().await.unwrap().status().as_u16())
        }));
    }
    let mut got = std::collections::BTreeMap::new();
    for t in tasks {
        let (kind, status) = t.await.unwrap();
        *got.entry((kind, status)).or_insert(0) += 1;
    }
    assert_eq!(
        got,
        [(("closed", 410), 10), (("link", 201), 30), (("token", 201), 5), (("token", 410), 5)].into(),
        "{got:?}"
    );
    let pending = |ids: Vec<String>| {
        let db = app.db.clone();
        async move {
            let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.parse().unwrap()).collect();
            integritas::repo::inbox::pending_counts(&db, &ids).await.unwrap()
        }
    };
    assert_eq!(pending(vec![a.clone()]).await.get(&a.parse().unwrap()), Some(&35));

    // Straight through the writer, past the checks the API makes first: in one batch, a closed
    // campaign's and a used token's submissions are refused inside the transaction, alone.
    let writer = integritas::group_commit::GroupCommit::start(app.db.clone(), None);
    let entry = |link: Option<uuid::Uuid>| integritas::domain::inbox::Waiting {
        channel: if link.is_some() { "open_link" } else { "token" }.into(),
        open_link_id: link,
        link_label: None,
        submitted_on: chrono::Utc::now().date_naive(),
        answers: IPKP.iter().map(|i| (i.to_string(), 3)).collect(),
        fields: vec![],
        score: 3.0,
        total: 24,
        speeder: false,
        diarahkan: false,
    };
    let used = integritas::domain::credentials::token_hash(&slips[0]);
    let fresh = tokens(&app, &a, 1).await.remove(0);
    let landings = vec![
        (a.clone(), None, entry(None)),
        (b.clone(), None, entry(None)),
        (a.clone(), Some(used), entry(None)),
        (a.clone(), Some(integritas::domain::credentials::token_hash(&fresh)), entry(None)),
        (a.clone(), None, entry(None)),
    ];
    let outcomes = futures_util::future::join_all(landings.into_iter().map(|(cid, token_hash, entry)| {
        let w = writer.clone();
        async move {
            w.land(integritas::repo::inbox::Landing {
                campaign_id: cid.parse().unwrap(),
                entry,
                token_hash,
                link_cap: None,
            })
            .await
            .unwrap()
        }
    }))
    .await;
    use integritas::repo::inbox::Landed;
    assert_eq!(
        outcomes,
        [
            Landed::Accepted,
            Landed::CampaignClosed,
            Landed::TokenUsed,
            Landed::Accepted,
            Landed::Accepted
        ]
    );
    let pending = pending(vec![a.clone(), b.clone()]).await;
    assert_eq!(pending.get(&a.parse().unwrap()), Some(&38));
    assert_eq!(pending.get(&b.parse().unwrap()), None);
}

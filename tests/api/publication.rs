//! The read side of anonymity (issue 12, docs/anonymity.md): while a campaign is open every reader
//! sees figures that move only in steps of at least k responses, cells under k show no figures,
//! complementary suppression keeps a small cell from being worked out from the totals, and after
//! close the figures are exact. The assertions are properties of what a reader sees, so they hold
//! whether the sealer seals everything every few seconds or only whole groups of k; where a test
//! needs sealed blocks it seals explicitly, and the exact expectations that need every response
//! sealed are checked only when nothing is waiting (`n` equals the sealed count).

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::campaigns::{open_link, unit_and_campaign};
use crate::helpers::{TestApp, spawn_app_with};
use crate::survey::{all, submit_json};

const K: u64 = 5;

/// The test server with k = 5. The tests seal explicitly (what the sealer would do), so the
/// background sealer is slowed down: two sealers at once race for a block's `seq`.
async fn app_with_k() -> TestApp {
    spawn_app_with(|env| {
        env.insert("INTEGRITAS_MIN_GROUP".into(), K.to_string());
        env.insert("INTEGRITAS_SEAL_SECONDS".into(), "3600".into());
    })
    .await
}

/// Closes a campaign (as admin); closing seals what is still waiting.
pub async fn close(app: &TestApp, cid: &str) {
    let r = app
        .post_json(&format!("/api/v1/campaigns/{cid}/close"), Some(&app.admin_key), &json!({}))
        .await;
    assert!(r.status().is_success(), "closing {cid}: {}", r.status());
}

async fn seal(app: &TestApp) {
    integritas::repo::ledger::seal_all(&app.db, K, None).await.unwrap();
}

async fn results(app: &TestApp, cid: &str, key: &str) -> Value {
    let r = app.get(&format!("/api/v1/campaigns/{cid}/results"), Some(key)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Nothing is waiting to be sealed: every stored response is in a block.
fn all_sealed(r: &Value) -> bool {
    r["n"] == r["ledger"]["sealed"]
}

/// A campaign with desks (open links) by label; returns its id, its unit's id and the desks' codes.
async fn campaign_with_desks(app: &TestApp, labels: &[&str]) -> (String, String, HashMap<String, String>) {
    let (unit, c) = unit_and_campaign(app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let mut codes = HashMap::new();
    for l in labels {
        let link = open_link(app, &cid, json!({"label": l})).await;
        codes.insert(l.to_string(), link["code"].as_str().unwrap().to_owned());
    }
    (cid, unit["id"].as_str().unwrap().to_owned(), codes)
}

async fn answer(app: &TestApp, code: &str, value: u8, layanan: &str) {
    let r = submit_json(app, code, all(value), json!({"demographics": {"layanan": layanan}})).await;
    assert_eq!(r.status(), 201);
}

fn desk<'a>(r: &'a Value, label: &str) -> Option<&'a Value> {
    r["desks"].as_array().unwrap().iter().find(|c| c["value"] == label)
}

/// Every cell of every dimension: (dimension, value, cell).
fn cells(r: &Value) -> Vec<(String, String, Value)> {
    let mut out: Vec<(String, String, Value)> = r["desks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| ("desk".to_owned(), c["value"].as_str().unwrap().to_owned(), c.clone()))
        .collect();
    for (dim, list) in r["breakdowns"].as_object().unwrap() {
        for c in list.as_array().unwrap() {
            out.push((dim.clone(), c["value"].as_str().unwrap().to_owned(), c.clone()));
        }
    }
    out
}

/// The properties every open view has: nothing under k shown, the snapshot 0 or at least k, and
/// per dimension the snapshot minus the shown cells 0 or at least k.
fn check_view(r: &Value) {
    let snapshot = r["snapshot_n"].as_u64().unwrap();
    assert!(snapshot == 0 || snapshot >= K, "snapshot {snapshot}");
    assert!(snapshot <= r["n"].as_u64().unwrap());
    let mut shown: HashMap<String, u64> = HashMap::new();
    for (dim, value, c) in cells(r) {
        shown.entry(dim.clone()).or_default();
        if c["suppressed"] == true {
            assert_eq!(c["n"], Value::Null, "{dim}={value}");
            assert_eq!(c["index"], Value::Null, "{dim}={value}");
            assert!(
                c["reason"]["id"].is_string() && c["reason"]["en"].is_string(),
                "{dim}={value} says why"
            );
        } else {
            let n = c["n"].as_u64().unwrap();
            assert!(n >= K, "{dim}={value} shown with {n}");
            *shown.entry(dim).or_default() += n;
        }
    }
    for (dim, n) in shown {
        let rest = snapshot - n;
        assert!(rest == 0 || rest >= K, "{dim}: the rest of {rest} responses could be worked out");
    }
}

#[tokio::test]
async fn one_more_answer_at_a_desk_does_not_change_that_desks_figures() {
    let app = app_with_k().await;
    let (cid, uid, codes) = campaign_with_desks(&app, &["Loket X", "Loket Y", "Loket Z"]).await;
    let (_, operator) = app.create_key("operator", Some(&uid)).await;
    for (d, v) in [("Loket X", 4), ("Loket Y", 3), ("Loket Z", 2)] {
        for _ in 0..2 * K {
            answer(&app, &codes[d], v, "Paspor").await;
        }
    }
    seal(&app).await;
    let before = results(&app, &cid, &operator).await;
    check_view(&before);
    let strict = all_sealed(&before);
    let x = desk(&before, "Loket X").cloned();
    if strict {
        assert_eq!(x.as_ref().unwrap()["n"], 2 * K, "{before}");
    }
    // The citizen handed a slip at desk X answers; the operator watches desk X.
    for i in 1..K {
        answer(&app, &codes["Loket X"], 1, "Paspor").await;
        seal(&app).await;
        let now = results(&app, &cid, &operator).await;
        check_view(&now);
        let now_x = desk(&now, "Loket X").cloned();
        if strict {
            assert_eq!(now_x, x, "desk X after {i} more answers there");
        }
        let step =
            now_x.as_ref().and_then(|c| c["n"].as_u64()).unwrap_or(0) as i64 - x.as_ref().and_then(|c| c["n"].as_u64()).unwrap_or(0) as i64;
        assert!(step == 0 || step >= K as i64, "desk X moved by {step}");
    }
    // k answers at desk X (and as many elsewhere): now it moves, by at least k.
    for _ in 0..2 * K {
        answer(&app, &codes["Loket X"], 1, "Paspor").await;
        answer(&app, &codes["Loket Y"], 1, "Paspor").await;
    }
    seal(&app).await;
    let after = results(&app, &cid, &operator).await;
    check_view(&after);
    if all_sealed(&after) {
        let n = desk(&after, "Loket X").unwrap()["n"].as_u64().unwrap();
        assert!(n >= 2 * K + K, "desk X published {n}");
        assert_ne!(desk(&after, "Loket X").unwrap()["index"], x.unwrap()["index"]);
    }
}

#[tokio::test]
async fn every_view_moves_in_steps_of_k_in_json_report_and_export() {
    let app = app_with_k().await;
    let (cid, _, codes) = campaign_with_desks(&app, &["A", "B", "C"]).await;
    let (_, assessor) = app.create_key("assessor", None).await;
    let desks = ["A", "A", "B", "A", "C", "B", "A"];
    let layanan = ["Paspor", "Visa", "Paspor", "Izin Tinggal", "Paspor"];
    let mut last_snapshot = 0;
    let mut last_index: Option<Value> = None;
    let mut last_shown: HashMap<(String, String), u64> = HashMap::new();
    for i in 0..36usize {
        answer(&app, &codes[desks[i % desks.len()]], 1 + (i % 4) as u8, layanan[i % layanan.len()]).await;
        if i % 3 == 2 {
            seal(&app).await;
        }
        let r = results(&app, &cid, &assessor).await;
        check_view(&r);
        let snapshot = r["snapshot_n"].as_u64().unwrap();
        let step = snapshot - last_snapshot;
        assert!(step == 0 || step >= K, "the snapshot moved by {step}");
        if let Some(last) = last_index.as_ref().filter(|_| step == 0) {
            assert_eq!(&r["index"], last, "same snapshot, same index");
        }
        if snapshot < K {
            assert_eq!(r["index"]["value"], Value::Null);
            assert_eq!(r["items"][0]["distribution"], json!({}));
        }
        for (dim, value, c) in cells(&r) {
            if let Some(n) = c["n"].as_u64() {
                let before = last_shown.insert((dim.clone(), value.clone()), n).unwrap_or(0);
                let step = n as i64 - before as i64;
                assert!(step == 0 || step >= K as i64, "{dim}={value} moved by {step}");
            }
        }
        // The aggregated export carries the same published figures.
        let csv = app
            .get(&format!("/api/v1/campaigns/{cid}/results.csv"), Some(&assessor))
            .await
            .text()
            .await
            .unwrap();
        let index_row = csv.lines().find(|l| l.starts_with("index,")).unwrap();
        assert_eq!(index_row.split(',').nth(2).unwrap(), snapshot.to_string(), "{index_row}");
        for row in csv.lines().filter(|l| l.starts_with("breakdown,")) {
            let n = row.split(',').nth(2).unwrap();
            match n.parse::<u64>() {
                Ok(n) => assert!(n >= K, "{row}"),
                Err(_) => assert!(n.contains("responden"), "a suppressed cell says why: {row}"),
            }
        }
        // The report page says what the figures were computed on, and why cells are hidden.
        if i % 6 == 5 {
            // A fresh session each time: an idle pooled connection may have been closed meanwhile.
            let page = crate::reports::logged_in(&app, &assessor).await;
            let html = page
                .get(app.url(&format!("/laporan/kampanye/{cid}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(html.contains(&format!("{snapshot} respons")), "snapshot size on the page");
            if cells(&r).iter().any(|(_, _, c)| c["suppressed"] == true) {
                assert!(html.contains(&format!("kurang dari {K} responden")));
            }
        }
        last_snapshot = snapshot;
        last_index = Some(r["index"].clone());
    }
    // After close: exact and complete.
    close(&app, &cid).await;
    let r = results(&app, &cid, &assessor).await;
    assert_eq!(r["publication"]["exact"], true);
    assert_eq!(r["n"], 36);
    assert_eq!(r["snapshot_n"], 36);
    assert_eq!(r["items"][0]["distribution"].as_object().unwrap().len(), 4);
    let a = desk(&r, "A").unwrap();
    assert_eq!(a["n"], 36 / 7 * 4 + 1, "desk A, exact");
    assert_eq!(r["publication"]["note"], Value::Null);
}

#[tokio::test]
async fn a_dimension_with_one_small_cell_hides_a_second_one() {
    let app = app_with_k().await;
    let (cid, _, codes) = campaign_with_desks(&app, &["A", "B", "C"]).await;
    for (d, n) in [("A", 8), ("B", 6), ("C", 2)] {
        for _ in 0..n {
            answer(&app, &codes[d], 3, "Paspor").await;
        }
    }
    seal(&app).await;
    let r = results(&app, &cid, &app.admin_key).await;
    check_view(&r);
    if all_sealed(&r) {
        assert_eq!(r["snapshot_n"], 16);
        let c = desk(&r, "C").unwrap();
        assert_eq!(c["suppressed"], true);
        assert_eq!(
            c["reason"],
            json!({"id": "kurang dari 5 responden", "en": "fewer than 5 respondents"})
        );
        // Shown, A and B would give C's two answers away (16 − 8 − 6); B, the smaller, goes too.
        let b = desk(&r, "B").unwrap();
        assert_eq!(b["suppressed"], true, "{r}");
        assert!(b["reason"]["en"].as_str().unwrap().contains("worked out from the totals"));
        assert_eq!(desk(&r, "A").unwrap()["n"], 8);
    }
    // After close the exact figures, only the minimum sample rule hiding C.
    close(&app, &cid).await;
    let r = results(&app, &cid, &app.admin_key).await;
    assert_eq!(desk(&r, "B").unwrap()["n"], 6);
    assert_eq!(desk(&r, "A").unwrap()["n"], 8);
    assert_eq!(desk(&r, "C").unwrap()["suppressed"], true);
}

/// The hasil reads an open campaign (named as a what-if, or in the record) through its published
/// snapshot, like its results, not its exact figures. They differ once a response is excluded: its
/// block then holds fewer than k, the snapshot stays behind it, and the exact figures would move
/// by that one response.
#[tokio::test]
async fn the_hasil_of_an_open_campaign_reads_its_published_snapshot() {
    use sea_orm::ConnectionTrait;
    let app = app_with_k().await;
    let (cid, uid, codes) = campaign_with_desks(&app, &["Loket H"]).await;
    let (_, operator) = app.create_key("operator", Some(&uid)).await;
    // 3k answers: while open the sealer keeps k waiting, so two blocks of k are sealed.
    for _ in 0..3 * K {
        answer(&app, &codes["Loket H"], 3, "Paspor").await;
    }
    seal(&app).await;
    let path = format!("/api/v1/units/{uid}/hasil?ipkp={cid}");
    let hasil = || async {
        let r = app.get(&path, Some(&operator)).await;
        assert_eq!(r.status(), 200);
        r.json::<Value>().await.unwrap()
    };
    let before = hasil().await;
    assert_eq!(before["ipkp"]["campaign_id"], cid.as_str(), "{before}");
    assert_eq!(before["ipkp"]["n"], 2 * K, "{before}");

    // One response of the second block excluded.
    let c: uuid::Uuid = cid.parse().unwrap();
    let row = app
        .db
        .query_one_raw(integritas::repo::stmt(
            &app.db,
            "SELECT e.response_id AS id FROM ledger_entry e JOIN ledger_block b ON b.id = e.block_id \
             WHERE b.campaign_id = $1 AND b.seq = 2",
            vec![c.into()],
        ))
        .await
        .unwrap()
        .expect("a second block");
    let rid: uuid::Uuid = row.try_get("", "id").unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/responses/{rid}/exclude"),
            Some(&app.admin_key),
            &json!({"reason": "Isian uji coba petugas"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let published = results(&app, &cid, &operator).await;
    assert_eq!(published["snapshot_n"].as_u64(), Some(K), "{published}");
    let after = hasil().await;
    assert_eq!(after["ipkp"]["n"], K, "the hasil reads the snapshot: {after}");

    // After close the hasil reads every response, exact.
    close(&app, &cid).await;
    let closed = hasil().await;
    assert_eq!(closed["ipkp"]["n"], 3 * K - 1, "{closed}");
}

//! Incremental ledger verification (issue 16): the ledger view re-checks only blocks sealed since
//! the verified head stored per campaign; tampering with an older block is left to the full
//! re-check (`service::ledger::verify_full`, the background job, `integritas ledger verify`),
//! which still names it; a rewritten head makes the view check everything again.

use serde_json::{Value, json};

use crate::campaigns::open_link;
use crate::helpers::{TEST_SECRET, TestApp, spawn_app_with};
use crate::integrity::{exec, sealed_campaign};
use crate::survey::{all, submit_json};

async fn ledger(app: &TestApp, cid: &str) -> Value {
    let r = app.get(&format!("/api/v1/campaigns/{cid}/ledger"), Some(&app.admin_key)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn submit(app: &TestApp, code: &str, n: usize) {
    for _ in 0..n {
        let r = submit_json(app, code, all(3), json!({"demographics": {"layanan": "Paspor"}})).await;
        assert_eq!(r.status(), 201);
    }
    integritas::repo::ledger::seal_all(&app.db, 5, None).await.unwrap();
}

async fn stored_head(app: &TestApp, cid: uuid::Uuid) -> (i64, bool) {
    let v = integritas::repo::ledger_check::verified(&app.db, cid)
        .await
        .unwrap()
        .expect("a stored head");
    (v.head_seq, v.ok)
}

/// Every answer row of the campaign's first block (the oldest) gets another value.
async fn tamper_first_block(app: &TestApp, cid: uuid::Uuid) -> uuid::Uuid {
    #[derive(sea_orm::FromQueryResult)]
    struct Id {
        response_id: uuid::Uuid,
    }
    use sea_orm::FromQueryResult;
    let first = Id::find_by_statement(integritas::repo::stmt(
        &app.db,
        "SELECT e.response_id FROM ledger_entry e JOIN ledger_block b ON b.id = e.block_id \
         WHERE b.campaign_id = $1 AND b.seq = 1 ORDER BY e.position LIMIT 1",
        vec![cid.into()],
    ))
    .one(&app.db)
    .await
    .unwrap()
    .unwrap()
    .response_id;
    exec(
        app,
        "UPDATE answer SET value = 1 WHERE response_id = $1 AND item = 'informasi'",
        vec![first.into()],
    )
    .await;
    first
}

#[tokio::test]
async fn the_ledger_view_checks_only_new_blocks_and_the_full_recheck_catches_old_tampering() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_MIN_GROUP".into(), "5".into());
        // Sealed by the test alone, so it knows which blocks are new.
        env.insert("INTEGRITAS_SEAL_SECONDS".into(), "3600".into());
    })
    .await;
    let (_, c) = crate::campaigns::unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let c: uuid::Uuid = cid.parse().unwrap();
    let code = open_link(&app, &cid, json!({"label": "L"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();

    submit(&app, &code, 10).await;
    let v = ledger(&app, &cid).await;
    let first = v["head"]["blocks"].as_i64().unwrap();
    assert!(first >= 1, "{v}");
    assert_eq!((v["ok"].clone(), v["checked_blocks"].as_i64()), (json!(true), Some(first)), "{v}");
    assert_eq!(stored_head(&app, c).await, (first, true));

    // Nothing new: nothing re-read, every block still listed.
    let v = ledger(&app, &cid).await;
    assert_eq!(v["checked_blocks"], 0, "{v}");
    assert_eq!(v["blocks"].as_array().unwrap().len() as i64, first);

    // More blocks: only those are checked, and they continue the chain from the stored head.
    submit(&app, &code, 10).await;
    let v = ledger(&app, &cid).await;
    let now = v["head"]["blocks"].as_i64().unwrap();
    assert!(now > first, "{v}");
    assert_eq!(
        (v["ok"].clone(), v["checked_blocks"].as_i64()),
        (json!(true), Some(now - first)),
        "{v}"
    );
    assert_eq!(v["blocks"].as_array().unwrap().len() as i64, now);
    assert_eq!(stored_head(&app, c).await, (now, true));

    // An old block changed behind the API: the view does not re-read it, the full re-check does,
    // stores the failure, and the view reports the stored failure from then on.
    let changed = tamper_first_block(&app, c).await;
    assert_eq!(ledger(&app, &cid).await["checked_blocks"], 0);
    let full = integritas::service::ledger::verify_full(&app.state, c).await.unwrap();
    assert!(!full.ok);
    assert_eq!(full.checked_blocks, now);
    let broken: Vec<_> = full.blocks.iter().filter(|b| !b.ok).collect();
    assert_eq!(broken.len(), 1, "{full:?}");
    assert_eq!(broken[0].seq, 1);
    assert!(broken[0].problems.join(" ").contains(&format!("response {changed} was changed")));
    assert_eq!(stored_head(&app, c).await, (now, false));
    let v = ledger(&app, &cid).await;
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["checked_blocks"], 0, "{v}");
    assert!(v["blocks"][0]["problems"].to_string().contains(&changed.to_string()), "{v}");
    assert_eq!(v["blocks"][1]["ok"], true, "{v}");

    // A rewritten head (its hash no longer the stored one): the view checks every block again.
    exec(
        &app,
        "UPDATE ledger_block SET hash = $1 WHERE campaign_id = $2 AND seq = $3",
        vec!["f".repeat(64).into(), c.into(), now.into()],
    )
    .await;
    let v = ledger(&app, &cid).await;
    assert_eq!(v["checked_blocks"].as_i64(), Some(now), "{v}");
    assert_eq!(v["ok"], false);
    assert!(
        v["blocks"][now as usize - 1]["problems"]
            .to_string()
            .contains("block hash does not match"),
        "{v}"
    );
}

/// Runs `integritas ledger verify ARGS` against the database at `url`.
fn cli(url: &str, args: &[&str]) -> (bool, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_integritas"));
    for (k, _) in std::env::vars() {
        if k.starts_with("INTEGRITAS_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .args(["ledger", "verify"])
        .args(args)
        .env("INTEGRITAS_DATABASE_URL", url)
        .env("INTEGRITAS_SECRET", TEST_SECRET)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success(), format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn the_cli_rechecks_every_block_and_exits_1_on_old_tampering() {
    let dir = std::env::temp_dir().join(format!("integritas-verify-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("ledger.db").display());
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_MIN_GROUP".into(), "5".into());
        env.insert("INTEGRITAS_DATABASE_URL".into(), url.clone());
    })
    .await;
    let (cid, _) = sealed_campaign(&app, 10).await;
    let (other, _) = sealed_campaign(&app, 5).await;
    let c: uuid::Uuid = cid.parse().unwrap();
    assert_eq!(ledger(&app, &cid).await["ok"], true);

    let (ok, out) = cli(&url, &[]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("ok      {cid}: 2 blocks, 10 sealed")), "{out}");
    assert!(out.contains(&format!("ok      {other}:")), "{out}");

    // The view has verified both blocks already; the change to the first is for the CLI to find.
    let changed = tamper_first_block(&app, c).await;
    assert_eq!(ledger(&app, &cid).await["ok"], true);
    for args in [&[][..], &["--campaign", cid.as_str()][..]] {
        let (ok, out) = cli(&url, args);
        assert!(!ok, "{out}");
        assert!(out.contains(&format!("FAILED  {cid}")), "{out}");
        assert!(out.contains(&format!("block 1: response {changed} was changed")), "{out}");
        assert!(!out.contains(&format!("FAILED  {other}")), "{out}");
    }
    // The CLI's result is the stored head the view reports from.
    assert_eq!(ledger(&app, &cid).await["ok"], false);

    // A campaign that cannot be checked at all (its form version is not installed here) is
    // reported, and the others are still checked.
    {
        use sea_orm::ConnectionTrait;
        // Behind the service's back, past the foreign key (one connection, so the pragma holds).
        let one = sea_orm::Database::connect(sea_orm::ConnectOptions::new(url.clone()).max_connections(1).to_owned())
            .await
            .unwrap();
        one.execute_unprepared("PRAGMA foreign_keys = OFF").await.unwrap();
        one.execute_unprepared(&format!(
            "UPDATE campaign SET form_version = 99 WHERE id = x'{}'",
            other.replace('-', "")
        ))
        .await
        .unwrap();
        let _ = one.close().await;
    }
    let (ok, out) = cli(&url, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains(&format!("ERROR   {other}: could not be checked")), "{out}");
    assert!(out.contains(&format!("FAILED  {cid}")), "{out}");
    assert!(out.contains("the ledger of 2 of "), "{out}");
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
}

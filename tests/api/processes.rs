//! Three service processes on one PostgreSQL database (issue 17): concurrent submissions through
//! all three, each with its group commit and its 1-second sealer, and the campaign closed through
//! one of them while the others seal. Every acknowledged submission is stored and sealed, the close
//! answers 200, the campaign has one verified chain, every process gives the same results, and no
//! process logs an error.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::helpers::ADMIN_KEY;
use crate::reliability::{Api, ChildServer, FreshDb, scalar, tag};

#[tokio::test]
async fn three_processes_close_a_campaign_while_the_others_seal() {
    let db = FreshDb::new().await;
    if !matches!(db, FreshDb::Postgres { .. }) {
        // Several processes share PostgreSQL only (docs/operations.md); SQLite is one process.
        return;
    }
    let logs: Vec<_> = (0..3)
        .map(|i| std::env::temp_dir().join(format!("integritas-procs-{}-{i}.log", tag())))
        .collect();
    // The first migrates; the others start on the migrated database.
    let mut servers = vec![ChildServer::start(&db.url(), &logs[0])];
    let first = Api::new(servers[0].port);
    first.wait_ready(Duration::from_secs(30), || servers[0].alive()).await;
    for log in &logs[1..] {
        servers.push(ChildServer::start(&db.url(), log));
    }
    let apis: Vec<Api> = servers.iter().map(|s| Api::new(s.port)).collect();
    for (api, server) in apis.iter().zip(servers.iter_mut()) {
        api.wait_ready(Duration::from_secs(30), || server.alive()).await;
    }
    let (cid, link, tokens) = apis[0].survey_setup(120).await;
    let tokens = Arc::new(tokens);

    // 12 clients, each on its own process in turn, half the time with a token.
    let next = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..12usize {
        let (apis, tokens, link) = (apis.clone(), tokens.clone(), link.clone());
        let (next, closed, acknowledged) = (next.clone(), closed.clone(), acknowledged.clone());
        clients.push(tokio::spawn(async move {
            let mut unexpected = Vec::new();
            for round in 0usize.. {
                if closed.load(Ordering::SeqCst) && round > 2 {
                    break;
                }
                let api = &apis[(c + round) % 3];
                let code = if round % 2 == 0 {
                    match tokens.get(next.fetch_add(1, Ordering::SeqCst)) {
                        Some(t) => t.clone(),
                        None => link.clone(),
                    }
                } else {
                    link.clone()
                };
                let Ok(rt) = api.render_token(&code).await else {
                    continue; // closed meanwhile: the form no longer opens
                };
                let status = api.submit(&code, &rt, 3).send().await.unwrap().status().as_u16();
                match status {
                    201 => {
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    410 => {}
                    other => unexpected.push(other),
                }
            }
            unexpected
        }));
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // Close through the second process while the sealers of all three run.
    let r = apis[1]
        .client
        .post(apis[1].url(&format!("/api/v1/campaigns/{cid}/close")))
        .bearer_auth(ADMIN_KEY)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "close: {}", r.text().await.unwrap_or_default());
    closed.store(true, Ordering::SeqCst);
    for c in clients {
        assert_eq!(c.await.unwrap(), Vec::<u16>::new(), "only 201 or 410");
    }
    let acknowledged = acknowledged.load(Ordering::SeqCst);
    assert!(acknowledged > 20, "the load ran ({acknowledged})");

    let conn = sea_orm::Database::connect(db.url()).await.unwrap();
    assert_eq!(scalar(&conn, "SELECT COUNT(*) FROM inbox").await, 0, "everything sealed at close");
    assert_eq!(scalar(&conn, "SELECT COUNT(*) FROM response").await as usize, acknowledged);
    let _ = conn.close().await;
    let mut heads = HashSet::new();
    let mut results = HashSet::new();
    for api in &apis {
        let v = api.admin_get(&format!("/api/v1/campaigns/{cid}/ledger")).await;
        assert_eq!(v["ok"], true, "{v}");
        assert_eq!(v["head"]["sealed"].as_u64(), Some(acknowledged as u64));
        heads.insert(v["head"]["head"].to_string());
        results.insert(api.admin_get(&format!("/api/v1/campaigns/{cid}/results")).await.to_string());
    }
    assert_eq!(heads.len(), 1, "one chain");
    assert_eq!(results.len(), 1, "the same results from every process");
    for (server, log) in servers.iter().zip(&logs) {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        assert!(!text.contains("ERROR"), "a process logged an error:\n{}", server.log_tail());
        let _ = std::fs::remove_file(log);
    }
}

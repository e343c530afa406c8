//! Time to issue a batch of 10,000 single-use tokens (issue 3), through the real server, beside
//! the raw insert of the same rows (the batch row + 10,000 token rows in one transaction, in the
//! same 2,000-row statements) in the same run, on SQLite and on PostgreSQL.
//!
//!     cargo bench --bench tokens                 # SQLite, and PostgreSQL at BENCH_PG_URL
//!                                                # (default postgres://postgres@127.0.0.1:5432/postgres)

use std::collections::HashMap;
use std::time::{Duration, Instant};

use integritas::config::Settings;
use integritas::domain::credentials::new_token;
use integritas::startup::Application;
use sea_orm::{ConnectionTrait, TransactionTrait, Value as DbValue};
use serde_json::{Value, json};

const ADMIN_KEY: &str = "bench-admin-key-0123456789abcdefghijkl";
const RUNS: usize = 7;

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

async fn one_database(label: &str, url: String) {
    let mut env: HashMap<&str, String> = HashMap::new();
    env.insert("INTEGRITAS_LISTEN", "127.0.0.1:0".into());
    env.insert("INTEGRITAS_FORMS_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/forms").into());
    env.insert("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY.into());
    env.insert("INTEGRITAS_DATABASE_URL", url);
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("bench settings");
    let app = Application::build(settings).await.expect("the server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let post = |path: String, body: Value| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            let r = client.post(url).bearer_auth(ADMIN_KEY).json(&body).send().await.unwrap();
            assert_eq!(r.status(), 201);
            r.json::<Value>().await.unwrap()
        }
    };
    let unit = post(
        "/api/v1/units".into(),
        json!({"slug": "bench", "name": "Bench", "instansi": "B", "service_types": ["A"]}),
    )
    .await;
    let campaign = post(
        format!("/api/v1/units/{}/campaigns", unit["id"].as_str().unwrap()),
        json!({"form": "ipak", "title": "Bench"}),
    )
    .await;
    let cid = campaign["id"].as_str().unwrap().to_owned();
    let cuuid: uuid::Uuid = cid.parse().unwrap();

    let (mut service, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        let v = post(format!("/api/v1/campaigns/{cid}/tokens"), json!({"count": 10000})).await;
        service.push(t.elapsed());
        assert_eq!(v["tokens"].as_array().unwrap().len(), 10000);

        // The raw insert of the same rows, hashes generated beforehand (not timed).
        let hashes: Vec<String> = (0..10000).map(|_| new_token().1).collect();
        let t = Instant::now();
        let txn = db.begin().await.unwrap();
        let batch = uuid::Uuid::new_v4();
        txn.execute_raw(integritas::repo::stmt(
            &txn,
            "INSERT INTO token_batch (id, campaign_id, label, issued, expires_at, revoked_at, created_at) VALUES ($1, $2, NULL, 10000, NULL, NULL, $3)",
            vec![batch.into(), cuuid.into(), integritas::domain::now().into()],
        ))
        .await
        .unwrap();
        for chunk in hashes.chunks(2000) {
            let mut sql = String::from("INSERT INTO token (token_hash, batch_id, redeemed) VALUES ");
            let mut values: Vec<DbValue> = Vec::with_capacity(chunk.len() * 2);
            for (i, h) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("(${}, ${}, FALSE)", values.len() + 1, values.len() + 2));
                values.push(h.clone().into());
                values.push(batch.into());
            }
            txn.execute_raw(integritas::repo::stmt(&txn, &sql, values)).await.unwrap();
        }
        txn.commit().await.unwrap();
        raw.push(t.elapsed());
    }
    let (s, r) = (median(service), median(raw));
    println!(
        "| {label} | {:.0} ms | {:.0} ms | {:.2}× |",
        s.as_secs_f64() * 1000.0,
        r.as_secs_f64() * 1000.0,
        s.as_secs_f64() / r.as_secs_f64()
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        println!("| database | service: POST …/tokens {{count: 10000}} (median of {RUNS}) | raw insert of the same rows | ratio |");
        println!("|---|---:|---:|---:|");
        let file = std::env::temp_dir().join(format!("integritas-bench-tokens-{}.db", uuid::Uuid::new_v4().simple()));
        one_database(
            "SQLite (file, WAL, synchronous=FULL)",
            format!("sqlite://{}?mode=rwc", file.display()),
        )
        .await;
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", file.display()));
        }
        let admin = std::env::var("BENCH_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        if let Ok(conn) = sea_orm::Database::connect(&admin).await {
            let name = format!("integritas_bench_{}", uuid::Uuid::new_v4().simple());
            conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            let url = match admin.rfind('/') {
                Some(i) => format!("{}/{name}", &admin[..i]),
                None => admin.clone(),
            };
            one_database("PostgreSQL 15", url).await;
            let _ = conn
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        } else {
            println!("(PostgreSQL at {admin} not reachable: skipped)");
        }
    });
}

//! Reliability: the server killed with SIGKILL in the middle of a load of submissions (the outage
//! test is `reliability_outage`), and the child-server helpers other tests share. Figures are
//! printed; run with `cargo test --test api reliability -- --nocapture` to see them.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use integritas::domain::credentials::token_hash;
use sea_orm::{AccessMode, ConnectionTrait, IsolationLevel, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, replace_db_name};
use crate::survey::{IPKP, all};

/// The pool's acquire timeout (`startup::connect`).
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Scheduling slack on a busy 2-core machine on top of the acquire timeout.
pub(crate) const SLACK: Duration = Duration::from_millis(1500);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

pub(crate) fn tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

// ---------------------------------------------------------------------------------------------
// A tiny HTTP client for a server at some address.

#[derive(Clone)]
pub(crate) struct Api {
    base: String,
    pub(crate) client: reqwest::Client,
}

impl Api {
    pub(crate) fn new(port: u16) -> Api {
        Api {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                // Long enough never to mistake a slow answer for a hang: hangs show in the timings.
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) async fn admin_post(&self, path: &str, body: Value) -> Value {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "POST {path}");
        r.json().await.unwrap()
    }

    pub(crate) async fn admin_get(&self, path: &str) -> Value {
        let r = self.client.get(self.url(path)).bearer_auth(ADMIN_KEY).send().await.unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    /// A unit, an ipkp campaign, an open link and `tokens` single-use tokens:
    /// (campaign id, link code, tokens).
    pub(crate) async fn survey_setup(&self, tokens: usize) -> (String, String, Vec<String>) {
        let unit = self
            .admin_post(
                "/api/v1/units",
                json!({"slug": format!("unit-{}", tag()), "name": "Kantor Imigrasi Contoh",
                       "instansi": "Kementerian Contoh", "service_types": ["Paspor", "Visa"]}),
            )
            .await;
        let uid = unit["id"].as_str().unwrap();
        let c = self
            .admin_post(
                &format!("/api/v1/units/{uid}/campaigns"),
                json!({"form": "ipkp", "title": "Survei 2026", "population": 250}),
            )
            .await;
        let cid = c["id"].as_str().unwrap().to_owned();
        let link = self
            .admin_post(&format!("/api/v1/campaigns/{cid}/links"), json!({"label": "Loket 1"}))
            .await;
        let code = link["code"].as_str().unwrap().to_owned();
        let batch = self
            .admin_post(&format!("/api/v1/campaigns/{cid}/tokens"), json!({"count": tokens}))
            .await;
        let tokens: Vec<String> = batch["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["token"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(tokens.len(), tokens.iter().collect::<HashSet<_>>().len());
        (cid, code, tokens)
    }

    pub(crate) async fn render_token(&self, code: &str) -> Result<String, String> {
        let r = self
            .client
            .get(self.url(&format!("/api/v1/respond/{code}")))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status() != 200 {
            return Err(format!("GET respond: {}", r.status()));
        }
        let v: Value = r.json().await.map_err(|e| e.to_string())?;
        Ok(v["render_token"].as_str().unwrap_or_default().to_owned())
    }

    pub(crate) fn submit(&self, code: &str, render_token: &str, value: u8) -> reqwest::RequestBuilder {
        self.client
            .post(self.url(&format!("/api/v1/respond/{code}")))
            .json(&json!({"answers": all(value), "render_token": render_token}))
    }

    pub(crate) async fn wait_ready(&self, limit: Duration, mut alive: impl FnMut() -> Result<(), String>) -> Duration {
        let start = Instant::now();
        loop {
            if let Ok(r) = self.client.get(self.url("/readyz")).send().await
                && r.status() == 200
            {
                return start.elapsed();
            }
            if let Err(e) = alive() {
                panic!("the server is not running: {e}");
            }
            assert!(start.elapsed() < limit, "/readyz not 200 within {limit:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub(crate) async fn scalar(db: &impl ConnectionTrait, sql: &str) -> i64 {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

// ---------------------------------------------------------------------------------------------
// 1. Crash test: SIGKILL in the middle of the load.

/// A fresh database for the child server: a temp-file SQLite, or a new PostgreSQL database on
/// `TEST_DATABASE_URL`. Removed (dropped) when this goes out of scope.
pub(crate) enum FreshDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl FreshDb {
    pub(crate) async fn new() -> FreshDb {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("integritas_crash_{}", tag());
                let db = sea_orm::Database::connect(&admin_url).await.expect("TEST_DATABASE_URL reachable");
                db.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
                let _ = db.close().await;
                FreshDb::Postgres { admin_url, name }
            }
            _ => FreshDb::Sqlite(std::env::temp_dir().join(format!("integritas-crash-{}.db", tag()))),
        }
    }

    pub(crate) fn url(&self) -> String {
        match self {
            FreshDb::Sqlite(p) => format!("sqlite://{}?mode=rwc", p.display()),
            FreshDb::Postgres { admin_url, name } => replace_db_name(admin_url, name),
        }
    }

    fn backend(&self) -> &'static str {
        match self {
            FreshDb::Sqlite(_) => "SQLite (file, WAL, synchronous=FULL)",
            FreshDb::Postgres { .. } => "PostgreSQL",
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        match self {
            FreshDb::Sqlite(p) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            FreshDb::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    rt.block_on(async move {
                        if let Ok(db) = sea_orm::Database::connect(&admin_url).await {
                            let _ = db
                                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                                .await;
                            let _ = db.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// The real server binary as a child process; killed (SIGKILL) when dropped.
pub struct ChildServer {
    pub child: Child,
    pub port: u16,
    log: PathBuf,
}

impl ChildServer {
    pub fn start(database_url: &str, log: &Path) -> ChildServer {
        let port = free_port();
        let out = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_integritas"));
        cmd.arg("serve");
        for (k, _) in std::env::vars() {
            if k.starts_with("INTEGRITAS_") {
                cmd.env_remove(k);
            }
        }
        let child = cmd
            .env("INTEGRITAS_DATABASE_URL", database_url)
            .env("INTEGRITAS_LISTEN", format!("127.0.0.1:{port}"))
            .env("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY)
            .env("INTEGRITAS_SECRET", crate::helpers::TEST_SECRET)
            .env("INTEGRITAS_RATE_LIMIT", "off")
            .env("INTEGRITAS_MIN_SECONDS", "0")
            // The ledger sealer runs every second, so the kill also lands beside sealing.
            .env("INTEGRITAS_SEAL_SECONDS", "1")
            .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("the server binary starts");
        ChildServer {
            child,
            port,
            log: log.to_owned(),
        }
    }

    pub fn alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "exited with {status}; log:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// SIGKILL: no shutdown hook, no flush, no graceful drain.
    fn kill9(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        let status = self.child.wait().unwrap();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9),
            "the server should die of our SIGKILL, but it ended with {status}; log:\n{}",
            self.log_tail()
        );
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[derive(Default)]
struct Tally {
    /// POSTs sent.
    attempted: AtomicUsize,
    /// POSTs answered 201.
    acknowledged: AtomicUsize,
    acknowledged_open: AtomicUsize,
    /// POSTs sent whose answer never came (the connection died with the server).
    unanswered: AtomicUsize,
    in_flight: AtomicUsize,
    tokens_attempted: Mutex<Vec<String>>,
    tokens_acknowledged: Mutex<Vec<String>>,
    other_statuses: Mutex<BTreeMap<u16, usize>>,
    /// GET /api/v1/respond failures before the kill (there should be none).
    form_errors: Mutex<Vec<String>>,
}

const CLIENTS: usize = 16;
const TOKENS: usize = 300;
/// Upper bound on the load, in case the kill never comes.
const MAX_JOBS: usize = 20_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reliability_sigkill_under_load_loses_no_acknowledged_submission() {
    let test_start = Instant::now();
    let db = FreshDb::new().await;
    let log = std::env::temp_dir().join(format!("integritas-crash-{}.log", tag()));
    let mut server = ChildServer::start(&db.url(), &log);
    let api = Api::new(server.port);
    api.wait_ready(Duration::from_secs(30), || server.alive()).await;
    let (cid, link, tokens) = api.survey_setup(TOKENS).await;

    // The load: 16 clients; even jobs use the next token while tokens last, the rest the open link.
    let tally = Arc::new(Tally::default());
    let next = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let tokens = Arc::new(tokens);
    let load_start = Instant::now();
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (api, tally, next, killed, tokens, link) = (
            api.clone(),
            tally.clone(),
            next.clone(),
            killed.clone(),
            tokens.clone(),
            link.clone(),
        );
        clients.push(tokio::spawn(async move {
            loop {
                let k = next.fetch_add(1, Ordering::SeqCst);
                if k >= MAX_JOBS || killed.load(Ordering::SeqCst) {
                    break;
                }
                let token = (k % 2 == 0 && k / 2 < tokens.len()).then(|| tokens[k / 2].clone());
                let code = token.clone().unwrap_or_else(|| link.clone());
                let render = match api.render_token(&code).await {
                    Ok(r) => r,
                    Err(_) if killed.load(Ordering::SeqCst) => break,
                    Err(e) => {
                        tally.form_errors.lock().unwrap().push(e);
                        continue;
                    }
                };
                tally.attempted.fetch_add(1, Ordering::SeqCst);
                if let Some(t) = &token {
                    tally.tokens_attempted.lock().unwrap().push(t.clone());
                }
                tally.in_flight.fetch_add(1, Ordering::SeqCst);
                let r = api.submit(&code, &render, 1 + ((k + c) % 4) as u8).send().await;
                tally.in_flight.fetch_sub(1, Ordering::SeqCst);
                match r {
                    Ok(r) if r.status() == 201 => {
                        tally.acknowledged.fetch_add(1, Ordering::SeqCst);
                        match token {
                            Some(t) => tally.tokens_acknowledged.lock().unwrap().push(t),
                            None => {
                                tally.acknowledged_open.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                    Ok(r) => *tally.other_statuses.lock().unwrap().entry(r.status().as_u16()).or_default() += 1,
                    Err(_) => {
                        tally.unanswered.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }));
    }

    // Kill after 1–2 s of load, while tokens are still being redeemed.
    loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let t = load_start.elapsed();
        let acked = tally.acknowledged.load(Ordering::SeqCst);
        let tokens_started = tally.tokens_attempted.lock().unwrap().len();
        if acked >= 20 && t >= Duration::from_secs(1) && (t >= Duration::from_millis(1500) || tokens_started >= TOKENS / 2) {
            break;
        }
        assert!(t < Duration::from_secs(20), "the load made no progress: {acked} acknowledged");
        assert!(next.load(Ordering::SeqCst) < MAX_JOBS, "the load ended before the kill");
    }
    let in_flight_at_kill = tally.in_flight.load(Ordering::SeqCst);
    let acked_before_kill = tally.acknowledged.load(Ordering::SeqCst);
    killed.store(true, Ordering::SeqCst);
    server.kill9();
    let kill_after = load_start.elapsed();
    for c in clients {
        c.await.expect("a load client");
    }
    let attempted = tally.attempted.load(Ordering::SeqCst);
    let acknowledged = tally.acknowledged.load(Ordering::SeqCst);
    let acked_open = tally.acknowledged_open.load(Ordering::SeqCst);
    let unanswered = tally.unanswered.load(Ordering::SeqCst);
    let tokens_attempted: HashSet<String> = tally.tokens_attempted.lock().unwrap().iter().cloned().collect();
    let tokens_acked: HashSet<String> = tally.tokens_acknowledged.lock().unwrap().iter().cloned().collect();
    let others = tally.other_statuses.lock().unwrap().clone();
    let form_errors = tally.form_errors.lock().unwrap().clone();
    let before_restart = format!(
        "attempted {attempted}, acknowledged {acknowledged}, unanswered {unanswered}, other statuses {others:?}, \
         form errors {form_errors:?}; server log:\n{}",
        server.log_tail()
    );
    assert!(
        others.is_empty() && form_errors.is_empty(),
        "only 201 or no answer at all: {before_restart}"
    );
    assert_eq!(attempted, acknowledged + unanswered);

    // Restart on the same database.
    drop(server);
    let mut server = ChildServer::start(&db.url(), &log);
    let api = Api::new(server.port);
    let ready_after = api.wait_ready(Duration::from_secs(30), || server.alive()).await;

    let db_conn = sea_orm::Database::connect(db.url()).await.unwrap();
    // The restarted server seals while we count: every count reads one snapshot (a repeatable-read
    // transaction on PostgreSQL; a read transaction is one snapshot on SQLite), or an entry moved
    // from the inbox into responses between two counts would be counted twice.
    let conn = db_conn
        .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
        .await
        .unwrap();
    // Stored: sealed into responses, or waiting in the inbox (an entry holds one whole validated
    // submission as JSON; its open link, if any, also in a column of its own).
    let waiting = scalar(&conn, "SELECT COUNT(*) FROM inbox").await as usize;
    let waiting_open = scalar(&conn, "SELECT COUNT(*) FROM inbox WHERE open_link_id IS NOT NULL").await as usize;
    let stored = scalar(&conn, "SELECT COUNT(*) FROM response").await as usize + waiting;
    let stored_token = scalar(&conn, "SELECT COUNT(*) FROM response WHERE channel = 'token'").await as usize + waiting - waiting_open;
    let stored_open = scalar(&conn, "SELECT COUNT(*) FROM response WHERE channel = 'open_link'").await as usize + waiting_open;
    let half_stored = scalar(
        &conn,
        "SELECT COUNT(*) FROM response r WHERE (SELECT COUNT(*) FROM answer a WHERE a.response_id = r.id) <> 8",
    )
    .await;
    let orphans = scalar(
        &conn,
        "SELECT COUNT(*) FROM answer a WHERE NOT EXISTS (SELECT 1 FROM response r WHERE r.id = a.response_id)",
    )
    .await;
    let answers = scalar(&conn, "SELECT COUNT(*) FROM answer").await as usize + waiting * IPKP.len();
    let redeemed = scalar(&conn, "SELECT COUNT(*) FROM token WHERE redeemed = TRUE").await as usize;
    let backend = conn.get_database_backend();
    let redeemed_hashes: HashSet<String> = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT token_hash FROM token WHERE redeemed = TRUE",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "token_hash").unwrap())
        .collect();
    conn.commit().await.unwrap();
    let _ = db_conn.close().await;

    println!(
        "crash test on {}: {CLIENTS} clients; SIGKILL after {kill_after:.2?} of load\n  \
         submissions attempted {attempted} (tokens {}), acknowledged {acknowledged} (tokens {}, open link {acked_open}); \
         {acked_before_kill} acknowledged when the kill was decided\n  \
         in flight at the kill {in_flight_at_kill}; sent but never answered {unanswered}\n  \
         stored after restart {stored} (tokens {stored_token}, open link {stored_open}); answers {answers}; \
         redeemed tokens {redeemed}\n  restart: ready {ready_after:.2?} after start",
        db.backend(),
        tokens_attempted.len(),
        tokens_acked.len(),
    );

    // Every acknowledged submission is stored, nothing beyond what was sent.
    assert!(acknowledged > 0, "the load ran");
    assert!(stored >= acknowledged, "stored {stored} < acknowledged {acknowledged}");
    assert!(stored <= attempted, "stored {stored} > attempted {attempted}");
    assert!(stored_open >= acked_open && stored_token >= tokens_acked.len());
    assert!(
        stored - acknowledged <= unanswered,
        "only unanswered submissions may be stored unacknowledged"
    );
    // None is half-stored.
    assert_eq!(half_stored, 0, "responses without exactly 8 answers");
    assert_eq!(orphans, 0, "answers without a response");
    assert_eq!(answers, stored * IPKP.len());
    // Every redeemed token is backed by a stored token response, and the other way round.
    assert_eq!(redeemed, stored_token, "redeemed tokens == responses through a token");
    // Every acknowledged token is redeemed; only tokens that were sent can be redeemed.
    let hash_of = |t: &String| token_hash(t);
    for t in &tokens_acked {
        assert!(redeemed_hashes.contains(&hash_of(t)), "an acknowledged token is not redeemed");
    }
    let redeemed_ours = tokens.iter().filter(|t| redeemed_hashes.contains(&hash_of(t))).count();
    assert_eq!(redeemed_ours, redeemed);
    for t in tokens.iter().filter(|t| !tokens_attempted.contains(*t)) {
        assert!(!redeemed_hashes.contains(&hash_of(t)), "a token never sent is redeemed");
    }

    // Sent but unacknowledged tokens are either unused (the form opens: 200) or used (410), and the
    // used ones are exactly the stored token responses beyond the acknowledged ones.
    let (mut unused, mut used) = (0, 0);
    for t in tokens_attempted.difference(&tokens_acked) {
        let r = api.client.get(api.url(&format!("/api/v1/respond/{t}"))).send().await.unwrap();
        match r.status().as_u16() {
            200 => unused += 1,
            410 => used += 1,
            s => panic!("unacknowledged token: {s}"),
        }
        assert_eq!(r.status() == 410, redeemed_hashes.contains(&hash_of(t)));
    }
    assert_eq!(used, stored_token - tokens_acked.len());
    println!(
        "  unacknowledged tokens: {unused} unused, {used} redeemed with a stored response; \
         stored but unacknowledged: {}",
        stored - acknowledged
    );

    // The restarted server works on the same data: results count every stored response, the
    // ledger still verifies, and new submissions are taken.
    let results = api.admin_get(&format!("/api/v1/campaigns/{cid}/results")).await;
    assert_eq!(results["n"].as_u64(), Some(stored as u64));
    let render = api.render_token(&link).await.unwrap();
    assert_eq!(api.submit(&link, &render, 4).send().await.unwrap().status(), 201);
    if let Some(t) = tokens.iter().find(|t| !redeemed_hashes.contains(&hash_of(t))) {
        let render = api.render_token(t).await.unwrap();
        assert_eq!(api.submit(t, &render, 4).send().await.unwrap().status(), 201);
    }
    tokio::time::sleep(Duration::from_millis(1200)).await; // one sealing pass over the restarted data
    let ledger = api.admin_get(&format!("/api/v1/campaigns/{cid}/ledger")).await;
    assert_eq!(ledger["ok"], true, "{ledger}");

    server.alive().unwrap();
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.contains("panicked"), "a panic in the server log:\n{text}");
    assert!(!text.contains("internal error"), "an internal error in the server log:\n{text}");
    let _ = std::fs::remove_file(&log);
    println!("  whole test {:.1?}", test_start.elapsed());
    assert!(test_start.elapsed() < Duration::from_secs(60));
}

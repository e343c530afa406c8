//! Reliability: the server killed with SIGKILL in the middle of a load of submissions, and a
//! PostgreSQL outage (stopped and started again under a light load). Figures are printed; run with
//! `cargo test --test api reliability -- --nocapture` to see them.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use integritas::config::Settings;
use integritas::domain::credentials::token_hash;
use integritas::startup::Application;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, replace_db_name};
use crate::survey::{IPKP, all};

/// The pool's acquire timeout (`startup::connect`).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Scheduling slack on a busy 2-core machine on top of the acquire timeout.
const SLACK: Duration = Duration::from_millis(1500);

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

pub(crate) async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
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

    let conn = sea_orm::Database::connect(db.url()).await.unwrap();
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
    let _ = conn.close().await;

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

// ---------------------------------------------------------------------------------------------
// 2. Outage test: a private PostgreSQL instance, stopped and started under a light load.

/// A throwaway PostgreSQL instance of our own (never the shared one): stopped and removed on drop.
struct PrivatePg {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres_user: bool,
}

fn pg_bin_dir() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            ["initdb", "pg_ctl", "postgres"]
                .iter()
                .all(|b| bin.join(b).is_file())
                .then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "the outage test needs the PostgreSQL server binaries (initdb, pg_ctl, postgres) under \
             /usr/lib/postgresql/<version>/bin, and none were found; install them (Debian/Ubuntu: \
             `apt-get install postgresql`). This test does not skip."
        ),
    }
}

fn run(mut cmd: Command, what: &str) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl PrivatePg {
    fn start() -> PrivatePg {
        let bin = pg_bin_dir();
        let mut id = Command::new("id");
        id.arg("-u");
        let uid = run(id, "id -u");
        let as_postgres_user = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        let dir = std::env::temp_dir().join(format!("integritas-pg-{}", tag()));
        std::fs::create_dir(&dir).unwrap();
        let pg = PrivatePg {
            bin,
            dir,
            port: free_port(),
            as_postgres_user,
        };
        if as_postgres_user {
            // initdb refuses to run as root: the instance belongs to the `postgres` user.
            let mut chown = Command::new("chown");
            chown.arg("postgres:postgres").arg(&pg.dir);
            run(chown, "chown the data folder to the postgres user (does that user exist?)");
        }
        let mut initdb = pg.cmd("initdb");
        initdb
            .arg("-D")
            .arg(pg.dir.join("data"))
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
        run(initdb, "initdb");
        pg.ctl_start();
        pg
    }

    fn cmd(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut c = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        // The postgres user may not be allowed into the test's working directory.
        c.current_dir(&self.dir);
        c
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn ctl_start(&self) {
        let mut c = self.cmd("pg_ctl");
        c.arg("-D")
            .arg(self.dir.join("data"))
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60", "-o"])
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40",
                self.port,
                self.dir.display()
            ))
            .arg("start");
        let out = c.stdin(Stdio::null()).output().expect("run pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start failed:\n{}\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
        );
    }

    /// `immediate`: like a crash (backends killed, recovery at the next start); `fast`: the default
    /// of `pg_ctl stop` and of a service restart (sessions terminated with an error message).
    fn ctl_stop(&self, mode: &str) -> Output {
        let mut c = self.cmd("pg_ctl");
        c.arg("-D").arg(self.dir.join("data")).args(["-m", mode, "-w", "-t", "60", "stop"]);
        c.stdin(Stdio::null()).output().expect("run pg_ctl stop")
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = self.ctl_stop("immediate");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Panics on the server's threads (actix workers), recorded by a chained panic hook.
fn server_panics() -> &'static Mutex<Vec<String>> {
    static PANICS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    PANICS.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().unwrap_or("").to_owned();
            if name.starts_with("actix") {
                server_panics().lock().unwrap().push(format!("{name}: {info}"));
            }
            previous(info);
        }));
        Mutex::new(Vec::new())
    })
}

#[derive(Debug, Clone)]
struct Seen {
    what: &'static str,
    at: Duration,
    took: Duration,
    status: Option<u16>,
}

fn hidden_render_token(html: &str) -> String {
    let at = html.find("name=\"render_token\"").expect("render_token input");
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..v + rest[v..].find('"').unwrap()].to_owned()
}

async fn timed(what: &'static str, t0: Instant, req: reqwest::RequestBuilder) -> (Seen, Option<reqwest::Response>) {
    let start = Instant::now();
    let r = req.send().await;
    let seen = Seen {
        what,
        at: start - t0,
        took: start.elapsed(),
        status: r.as_ref().ok().map(|r| r.status().as_u16()),
    };
    (seen, r.ok())
}

async fn expect_problem_503(seen: &Seen, r: Option<reqwest::Response>) {
    let r = r.unwrap_or_else(|| panic!("{}: no answer", seen.what));
    assert_eq!(r.status(), 503, "{}", seen.what);
    assert_eq!(r.headers()["content-type"], "application/problem+json", "{}", seen.what);
    assert!(r.headers().contains_key("retry-after"), "{}", seen.what);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], 503, "{v}");
    assert_eq!(v["type"], "/problems/unavailable", "{v}");
}

async fn expect_try_again_page(seen: &Seen, r: Option<reqwest::Response>) {
    let r = r.unwrap_or_else(|| panic!("{}: no answer", seen.what));
    assert_eq!(r.status(), 503, "{}", seen.what);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/html"), "{}: {ct}", seen.what);
    let page = r.text().await.unwrap();
    assert!(page.contains("<html lang=\"id\""), "{}: Indonesian page", seen.what);
    assert!(
        page.contains("Coba lagi") && page.contains("belum tersimpan"),
        "{}: {page}",
        seen.what
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reliability_postgres_outage_gives_503_and_recovers_without_restart() {
    let test_start = Instant::now();
    server_panics();
    let pg = Arc::new(PrivatePg::start());

    let mut env: BTreeMap<&str, String> = BTreeMap::new();
    env.insert("INTEGRITAS_DATABASE_URL", pg.url());
    env.insert("INTEGRITAS_LISTEN", "127.0.0.1:0".into());
    env.insert("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY.into());
    env.insert("INTEGRITAS_SECRET", crate::helpers::TEST_SECRET.into());
    env.insert("INTEGRITAS_RATE_LIMIT", "off".into());
    env.insert("INTEGRITAS_MIN_SECONDS", "0".into());
    env.insert("INTEGRITAS_DB_POOL", "8".into());
    env.insert("INTEGRITAS_SEAL_SECONDS", "1".into());
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("settings");
    let app = Application::build(settings)
        .await
        .expect("the service starts on the private instance");
    let api = Api::new(app.port());
    tokio::spawn(app.run_until_stopped());
    api.wait_ready(Duration::from_secs(10), || Ok(())).await;

    let (cid, link, tokens) = api.survey_setup(5).await;
    let render = api.render_token(&link).await.unwrap();
    assert_eq!(api.submit(&link, &render, 3).send().await.unwrap().status(), 201);
    let page = api.client.get(api.url(&format!("/s/{link}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html_render = hidden_render_token(&page.text().await.unwrap());
    let mut form: Vec<(&str, &str)> = IPKP.iter().map(|i| (*i, "3")).collect();
    form.extend([("render_token", html_render.as_str()), ("website", "")]);
    let form = Arc::new(form.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect::<Vec<_>>());

    // A light load through the whole outage: 3 clients, each a JSON submit, a JSON form request and
    // the HTML form in turn, 50 ms apart. The render token is reused: it is not single-use.
    let t0 = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let mut load = Vec::new();
    for c in 0..3usize {
        let (api, stop, seen, link, render) = (api.clone(), stop.clone(), seen.clone(), link.clone(), render.clone());
        load.push(tokio::spawn(async move {
            let mut i = c;
            while !stop.load(Ordering::SeqCst) {
                let (what, req) = match i % 3 {
                    0 => ("load: POST /api/v1/respond", api.submit(&link, &render, 2)),
                    1 => (
                        "load: GET /api/v1/respond",
                        api.client.get(api.url(&format!("/api/v1/respond/{link}"))),
                    ),
                    _ => ("load: GET /s/{code}", api.client.get(api.url(&format!("/s/{link}")))),
                };
                let (s, _) = timed(what, t0, req).await;
                seen.lock().unwrap().push(s);
                i += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The database goes away, twice: as in a crash, then as in a service restart.
    let results_path = format!("/api/v1/campaigns/{cid}/results");
    let round = Round {
        api: &api,
        pg: &pg,
        t0,
        link: &link,
        render: &render,
        form: &form,
        results_path: &results_path,
    };
    let mut figures = Vec::new();
    for (i, mode) in ["immediate", "fast"].into_iter().enumerate() {
        figures.push(round.outage(mode, &tokens[i]).await);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for l in load {
        l.await.expect("a load client");
    }
    let results = api.admin_get(&results_path).await;
    let ledger = api.admin_get(&format!("/api/v1/campaigns/{cid}/ledger")).await;
    assert_eq!(ledger["ok"], true, "{ledger}");

    // Every request of the load finished (none hung) within the acquire timeout, and the only
    // 5xx is 503.
    let seen = seen.lock().unwrap().clone();
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    for s in &seen {
        let k = s.status.map(|c| c.to_string()).unwrap_or_else(|| "no answer".into());
        *by_status.entry(k).or_default() += 1;
        assert!(s.status.is_some(), "{s:?}");
        assert!(s.took <= ACQUIRE_TIMEOUT + SLACK, "{s:?}");
        assert!(
            matches!(s.status, Some(200 | 201 | 503)),
            "only 200, 201 or 503 under an outage: {s:?}"
        );
    }
    let outage: Vec<&Seen> = seen.iter().filter(|s| s.status == Some(503)).collect();
    assert!(!outage.is_empty(), "the load saw the outage");
    let first_503 = outage.iter().map(|s| s.at).min().unwrap();
    let last_503 = outage.iter().map(|s| s.at + s.took).max().unwrap();
    let load_max = seen.iter().map(|s| s.took).max().unwrap_or_default();
    let panics = server_panics().lock().unwrap().clone();
    assert!(panics.is_empty(), "panics on the server's threads: {panics:?}");

    println!(
        "outage test (private PostgreSQL on port {}, pool acquire timeout {ACQUIRE_TIMEOUT:?}):\n{}\n  \
         load through both outages: {} requests {by_status:?}, slowest {load_max:.2?}; 503s from {first_503:.2?} to \
         {last_503:.2?}; 5xx other than 503: 0; server panics: 0\n  \
         results n = {} afterwards; ledger verifies; whole test {:.1?}",
        pg.port,
        figures.join("\n"),
        seen.len(),
        results["n"],
        test_start.elapsed(),
    );
}

struct Round<'a> {
    api: &'a Api,
    pg: &'a Arc<PrivatePg>,
    t0: Instant,
    link: &'a str,
    render: &'a str,
    form: &'a Arc<Vec<(String, String)>>,
    results_path: &'a str,
}

impl Round<'_> {
    /// Stops the database in this mode, checks every kind of answer during the outage, starts it
    /// again and waits for the service to recover; returns the figures.
    async fn outage(&self, mode: &'static str, token: &str) -> String {
        let (api, t0, link, render, form) = (self.api, self.t0, self.link, self.render, self.form);
        let pg = self.pg.clone();
        let out = tokio::task::spawn_blocking(move || pg.ctl_stop(mode)).await.unwrap();
        assert!(
            out.status.success(),
            "pg_ctl stop -m {mode}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stopped_at = t0.elapsed();

        let (json_post, json_get, admin, html_get, html_post, ready, health) = tokio::join!(
            timed("POST /api/v1/respond", t0, api.submit(link, render, 4)),
            timed(
                "GET /api/v1/respond",
                t0,
                api.client.get(api.url(&format!("/api/v1/respond/{link}")))
            ),
            timed(
                "GET results (admin)",
                t0,
                api.client.get(api.url(self.results_path)).bearer_auth(ADMIN_KEY)
            ),
            timed("GET /s/{code}", t0, api.client.get(api.url(&format!("/s/{link}")))),
            timed("POST /s/{code}", t0, api.client.post(api.url(&format!("/s/{link}"))).form(&**form)),
            timed("GET /readyz", t0, api.client.get(api.url("/readyz"))),
            timed("GET /healthz", t0, api.client.get(api.url("/healthz"))),
        );
        expect_problem_503(&json_post.0, json_post.1).await;
        expect_problem_503(&json_get.0, json_get.1).await;
        expect_problem_503(&admin.0, admin.1).await;
        expect_try_again_page(&html_get.0, html_get.1).await;
        expect_try_again_page(&html_post.0, html_post.1).await;
        expect_problem_503(&ready.0, ready.1).await;
        assert_eq!(health.0.status, Some(200), "/healthz during the outage");
        assert!(health.0.took < Duration::from_secs(1), "/healthz took {:?}", health.0.took);
        let probes = [&json_post.0, &json_get.0, &admin.0, &html_get.0, &html_post.0, &ready.0, &health.0];
        for p in probes {
            assert!(p.took <= ACQUIRE_TIMEOUT + SLACK, "{} took {:?}", p.what, p.took);
        }
        let probe_list: Vec<String> = probes
            .iter()
            .map(|p| format!("{} {} in {:.2?}", p.what, p.status.unwrap_or(0), p.took))
            .collect();

        // The database comes back; the service recovers on its own, without a restart.
        let pg = self.pg.clone();
        let restart_issued = Instant::now();
        tokio::task::spawn_blocking(move || pg.ctl_start()).await.unwrap();
        let pg_up = restart_issued.elapsed();
        let up_at = Instant::now();
        let recovered = loop {
            let r = api.client.get(api.url("/readyz")).send().await.unwrap();
            if r.status() == 200 {
                break up_at.elapsed();
            }
            assert!(
                up_at.elapsed() < Duration::from_secs(15),
                "not ready 15 s after the database came back"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let submit_from = Instant::now();
        let r = api.submit(link, render, 4).send().await.unwrap();
        assert_eq!(r.status(), 201, "a submission after recovery");
        let first_submit = submit_from.elapsed();
        let render_t = api.render_token(token).await.unwrap();
        assert_eq!(api.submit(token, &render_t, 4).send().await.unwrap().status(), 201);
        let r = api.client.post(api.url(&format!("/s/{link}"))).form(&**form).send().await.unwrap();
        assert_eq!(r.status(), 303, "an HTML submission after recovery");
        format!(
            "  pg_ctl stop -m {mode} at {stopped_at:.2?}; during the outage: {}\n    \
             pg_ctl start took {pg_up:.2?}; readyz 200 {recovered:.2?} after the database was up; \
             first submission after recovery 201 in {first_submit:.2?}",
            probe_list.join(", ")
        )
    }
}

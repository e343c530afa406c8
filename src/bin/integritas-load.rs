//! `integritas-load`: a load generator for citizen submissions (issue 7, BENCHMARKS.md).
//!
//! Service mode drives the real HTTP API: with an admin key it creates a unit, a campaign, an open
//! link and single-use tokens, then submits complete, valid responses at a fixed concurrency —
//! open link and tokens, JSON (`POST /api/v1/respond/{code}` → 201) and HTML form posts
//! (`POST /s/{code}` → 303) mixed — and prints throughput, latency percentiles, errors by status
//! and the server's peak RSS. It ends by reading the campaign's results (`n`) and exits 1 unless
//! every acknowledged submission was stored.
//!
//! Baseline mode inserts the same rows with the same transaction shape as `repo::responses`
//! straight through the driver (no HTTP, no lookups), on a fresh database of the same kind with
//! the same pool settings: the limit for durable submissions on this machine.
//!
//! ```text
//! integritas-load --spawn --db sqlite --mode both --concurrency 32 --count 20000
//! integritas-load --spawn --db postgres://postgres@127.0.0.1:5432/postgres --mode both --seconds 30
//! integritas-load --url http://127.0.0.1:8080 --admin-key … --server-pid 1234 --count 5000
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use integritas::config::Settings;
use integritas::domain::credentials::new_token;
use integritas::domain::forms::{Form, RawSubmission, ValidSubmission, validate_submission};
use integritas::domain::ledger::{ResponseContent, content_hash};
use migrations::{Migrator, MigratorTrait};
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait, Value};
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Submissions over HTTP to the service.
    Service,
    /// The same rows straight through the database driver.
    Baseline,
    /// Service, then baseline, then their ratio.
    Both,
}

#[derive(Parser, Debug)]
#[command(name = "integritas-load", about = "Load generator for Integritas submissions (see BENCHMARKS.md)")]
struct Args {
    /// What to measure.
    #[arg(long, value_enum, default_value_t = Mode::Service)]
    mode: Mode,
    /// Base URL of a running service (ignored with --spawn).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An admin API key (generated when --spawn starts the server).
    #[arg(long, env = "INTEGRITAS_BOOTSTRAP_ADMIN_KEY", hide_env_values = true)]
    admin_key: Option<String>,
    /// Concurrent clients (service) or concurrent transactions (baseline).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Submissions to make (default 5000 unless --seconds is given).
    #[arg(long)]
    count: Option<u64>,
    /// Submit for this many seconds instead of a fixed count.
    #[arg(long)]
    seconds: Option<u64>,
    /// Single-use tokens to issue (default: half the submissions; 10000 with --seconds). When they
    /// run out, the remaining submissions use the open link.
    #[arg(long)]
    tokens: Option<u64>,
    /// The form of the campaign.
    #[arg(long, default_value = "ipkp")]
    form: String,
    /// Sample this process's memory (VmHWM, VmRSS) as the server's.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Start `--server-bin` on a fresh database (--db), rate limit off, speeder threshold 0.
    #[arg(long)]
    spawn: bool,
    /// The service binary for --spawn.
    #[arg(long, default_value = "target/release/integritas")]
    server_bin: PathBuf,
    /// With --spawn and for the baseline: `sqlite` (a fresh file in a temporary folder) or a
    /// PostgreSQL URL with rights to create databases (a fresh database is created and dropped).
    #[arg(long, default_value = "sqlite")]
    db: String,
    /// Database pool size, for the spawned service (INTEGRITAS_DB_POOL) and the baseline.
    #[arg(long, default_value_t = 16)]
    pool: u32,
    /// Extra environment for the spawned service, KEY=VALUE (repeatable).
    #[arg(long = "server-env", value_parser = parse_kv)]
    server_env: Vec<(String, String)>,
    /// The forms folder (baseline setup).
    #[arg(long, default_value = "forms")]
    forms_dir: PathBuf,
    /// Keep the temporary databases (and the server log) instead of removing them.
    #[arg(long)]
    keep: bool,
    /// Baseline: writes take turns on an in-process lock held from just after BEGIN to COMMIT (as
    /// the service does on SQLite) instead of contending through the busy timeout.
    #[arg(long)]
    baseline_lock: bool,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got `{s}`"))
}

// ---------------------------------------------------------------------------------------------
// Pure logic (unit-tested below).

/// How one submission is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    OpenLink,
    Token,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Html,
}

/// The i-th submission's channel and format: an even mix of all four combinations.
fn plan(i: u64) -> (Channel, Format) {
    match i % 4 {
        0 => (Channel::OpenLink, Format::Json),
        1 => (Channel::Token, Format::Html),
        2 => (Channel::OpenLink, Format::Html),
        _ => (Channel::Token, Format::Json),
    }
}

/// A complete, valid set of answers for a form.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answers {
    items: Vec<(String, u8)>,
    screening: Vec<(String, String)>,
    demographics: Vec<(String, String)>,
}

/// Every item answered on the form's scale; every screening question answered with a value that
/// does not flag (one response in ten does, as in real life); every demographic answered.
fn make_answers(form: &Form, service_types: &[String], rng: &mut impl Rng) -> Answers {
    let items = form
        .items
        .iter()
        .map(|i| (i.id.clone(), rng.random_range(1..=form.scale.max)))
        .collect();
    let flag = rng.random_range(0..10) == 0;
    let screening = form
        .screening
        .iter()
        .filter_map(|s| {
            let pick = s.options.iter().find(|o| s.flags(&o.value) == flag).or(s.options.first())?;
            Some((s.id.clone(), pick.value.clone()))
        })
        .collect();
    let demographics = form
        .demographics
        .iter()
        .filter_map(|d| {
            let choices = d.choices(service_types);
            if choices.is_empty() {
                return None;
            }
            let c = &choices[rng.random_range(0..choices.len())];
            Some((d.id.clone(), c.value.clone()))
        })
        .collect();
    Answers {
        items,
        screening,
        demographics,
    }
}

/// The JSON API body.
fn json_body(a: &Answers, render_token: &str) -> serde_json::Value {
    let obj = |pairs: &[(String, String)]| -> serde_json::Map<String, serde_json::Value> {
        pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect()
    };
    json!({
        "answers": a.items.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "screening": obj(&a.screening),
        "demographics": obj(&a.demographics),
        "render_token": render_token,
    })
}

/// The HTML form's fields, as a browser posts them (the honeypot `website` left empty).
fn form_pairs(a: &Answers, render_token: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = a.items.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
    out.extend(a.screening.iter().cloned());
    out.extend(a.demographics.iter().cloned());
    out.push(("render_token".into(), render_token.to_owned()));
    out.push(("website".into(), String::new()));
    out
}

/// The domain's view of the same answers (for the baseline rows).
fn raw_submission(a: &Answers) -> RawSubmission {
    RawSubmission {
        answers: a.items.iter().map(|(k, v)| (k.clone(), json!(v))).collect(),
        screening: a.screening.clone(),
        demographics: a.demographics.clone(),
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A `kB` field of /proc/<pid>/status (VmHWM, VmRSS), in kB.
fn status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// utime + stime (clock ticks) of /proc/<pid>/stat.
fn stat_ticks(stat: &str) -> Option<u64> {
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// (busy, total) jiffies of the first line of /proc/stat.
fn cpu_jiffies(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    let total: u64 = v.iter().sum();
    let idle = v.get(3)? + v.get(4).unwrap_or(&0);
    Some((total - idle, total))
}

/// The same PostgreSQL server, another database.
fn with_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// What a run measured.
#[derive(Default)]
struct Tally {
    /// Latency of each acknowledged submission, µs.
    latencies: Vec<u64>,
    /// Responses by status ("201", "303", "422", "error: …").
    statuses: BTreeMap<String, u64>,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.latencies.extend(o.latencies);
        for (k, v) in o.statuses {
            *self.statuses.entry(k).or_default() += v;
        }
    }
    fn acknowledged(&self) -> u64 {
        self.statuses.get("201").copied().unwrap_or(0) + self.statuses.get("303").copied().unwrap_or(0)
    }
    fn errors(&self) -> BTreeMap<&str, u64> {
        self.statuses
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "201" | "303"))
            .map(|(k, v)| (k.as_str(), *v))
            .collect()
    }
}

struct Summary {
    label: String,
    acknowledged: u64,
    elapsed: Duration,
    p50: u64,
    p95: u64,
    p99: u64,
    max: u64,
    errors: BTreeMap<String, u64>,
}

impl Summary {
    fn of(label: &str, mut t: Tally, elapsed: Duration) -> Summary {
        t.latencies.sort_unstable();
        Summary {
            label: label.to_owned(),
            acknowledged: t.acknowledged(),
            elapsed,
            p50: percentile(&t.latencies, 50.0),
            p95: percentile(&t.latencies, 95.0),
            p99: percentile(&t.latencies, 99.0),
            max: t.latencies.last().copied().unwrap_or(0),
            errors: t.errors().into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }
    fn rate(&self) -> f64 {
        self.acknowledged as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
    fn print(&self) {
        let ms = |us: u64| us as f64 / 1000.0;
        println!(
            "{:<9} {:>7} ok in {:>6.2} s = {:>8.1} submissions/s | latency ms p50 {:.2} p95 {:.2} p99 {:.2} max {:.2} | errors {}",
            self.label,
            self.acknowledged,
            self.elapsed.as_secs_f64(),
            self.rate(),
            ms(self.p50),
            ms(self.p95),
            ms(self.p99),
            ms(self.max),
            if self.errors.is_empty() {
                "none".to_owned()
            } else {
                self.errors.iter().map(|(k, v)| format!("{k}×{v}")).collect::<Vec<_>>().join(", ")
            }
        );
    }
}

/// Hands out submission numbers until the count or the time is up.
struct Work {
    next: AtomicU64,
    count: Option<u64>,
    deadline: Option<Instant>,
}

impl Work {
    fn take(&self) -> Option<u64> {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        match self.count {
            Some(n) if i >= n => None,
            _ => Some(i),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Databases and the spawned server.

/// A fresh database of the chosen kind; dropped (or its folder removed) by `cleanup`.
struct FreshDb {
    url: String,
    pg: Option<(String, String)>,
    file: Option<PathBuf>,
}

async fn fresh_db(kind: &str, tmp: &std::path::Path, name: &str) -> anyhow::Result<FreshDb> {
    if kind == "sqlite" {
        let file = tmp.join(format!("{name}.db"));
        return Ok(FreshDb {
            url: format!("sqlite://{}?mode=rwc", file.display()),
            pg: None,
            file: Some(file),
        });
    }
    if !(kind.starts_with("postgres://") || kind.starts_with("postgresql://")) {
        anyhow::bail!("--db must be `sqlite` or a postgres:// URL");
    }
    let db_name = format!("integritas_load_{}_{}", name, &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let admin = sea_orm::Database::connect(kind).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE \"{db_name}\"")).await?;
    let _ = admin.close().await;
    Ok(FreshDb {
        url: with_db_name(kind, &db_name),
        pg: Some((kind.to_owned(), db_name)),
        file: None,
    })
}

impl FreshDb {
    async fn cleanup(&self, keep: bool) {
        if keep {
            eprintln!("kept database {}", self.url);
            return;
        }
        if let Some((admin, name)) = &self.pg
            && let Ok(db) = sea_orm::Database::connect(admin.as_str()).await
        {
            let _ = db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            let _ = db.close().await;
        }
        if let Some(f) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }

    /// Commits and index scans so far (PostgreSQL only): transactions and lookups per submission.
    async fn pg_counters(&self) -> Option<(i64, i64)> {
        let (admin, name) = self.pg.as_ref()?;
        let db = sea_orm::Database::connect(admin.as_str()).await.ok()?;
        let b = db.get_database_backend();
        let _ = db.execute_unprepared("SELECT pg_stat_clear_snapshot()").await;
        let xact = db
            .query_one_raw(sea_orm::Statement::from_string(
                b,
                format!("SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = '{name}'"),
            ))
            .await
            .ok()??
            .try_get::<i64>("", "n")
            .ok()?;
        let _ = db.close().await;
        // Index scans are per database: read them from the database itself.
        let own = sea_orm::Database::connect(self.url.as_str()).await.ok()?;
        let scans = own
            .query_one_raw(sea_orm::Statement::from_string(
                b,
                "SELECT COALESCE(SUM(idx_scan), 0)::bigint AS n FROM pg_stat_user_tables",
            ))
            .await
            .ok()??
            .try_get::<i64>("", "n")
            .ok()?;
        let _ = own.close().await;
        Some((xact, scans))
    }
}

struct Spawned {
    child: Child,
    log: PathBuf,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

async fn spawn_server(args: &Args, db: &FreshDb, tmp: &std::path::Path, admin_key: &str) -> anyhow::Result<(Spawned, String)> {
    let port = free_port()?;
    let log = tmp.join("server.log");
    let out = std::fs::File::create(&log)?;
    let mut cmd = std::process::Command::new(&args.server_bin);
    cmd.env("INTEGRITAS_DATABASE_URL", &db.url)
        .env("INTEGRITAS_LISTEN", format!("127.0.0.1:{port}"))
        .env("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", admin_key)
        .env("INTEGRITAS_RATE_LIMIT", "off")
        .env("INTEGRITAS_MIN_SECONDS", "0")
        .env("INTEGRITAS_DB_POOL", args.pool.to_string())
        .env("INTEGRITAS_FORMS_DIR", &args.forms_dir)
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out);
    for (k, v) in &args.server_env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().map_err(|e| {
        anyhow::anyhow!(
            "cannot start {}: {e} (build it with `cargo build --release`)",
            args.server_bin.display()
        )
    })?;
    let mut s = Spawned { child, log };
    let url = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Some(status) = s.child.try_wait()? {
            anyhow::bail!(
                "the server exited ({status}) during start-up:\n{}",
                std::fs::read_to_string(&s.log).unwrap_or_default()
            );
        }
        if client
            .get(format!("{url}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok((s, url));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the server did not become ready within 30 s")
}

/// Peak memory of a process: VmHWM from the kernel, and the largest VmRSS sampled.
struct RssWatch {
    pid: u32,
    max_rss: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl RssWatch {
    fn start(pid: u32) -> RssWatch {
        let max_rss = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s) = (max_rss.clone(), stop.clone());
        tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                if let Some(kb) = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .ok()
                    .and_then(|t| status_kb(&t, "VmRSS"))
                {
                    m.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        RssWatch { pid, max_rss, stop }
    }
    fn cpu_ticks(&self) -> Option<u64> {
        stat_ticks(&std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?)
    }
    fn finish(&self) -> (Option<u64>, u64) {
        self.stop.store(true, Ordering::Relaxed);
        let hwm = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|t| status_kb(&t, "VmHWM"));
        (hwm, self.max_rss.load(Ordering::Relaxed))
    }
}

fn machine_cpu() -> Option<(u64, u64)> {
    cpu_jiffies(&std::fs::read_to_string("/proc/stat").ok()?)
}

fn own_cpu() -> Option<u64> {
    stat_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

// ---------------------------------------------------------------------------------------------
// The service run.

struct Setup {
    campaign_id: String,
    link: String,
    form: Form,
    service_types: Vec<String>,
    /// (token, its render token)
    tokens: Vec<(String, String)>,
    /// One render token for the open link per worker.
    link_render: Vec<String>,
}

async fn check(r: reqwest::Response, what: &str) -> anyhow::Result<serde_json::Value> {
    let status = r.status();
    let body = r.text().await?;
    if !status.is_success() {
        anyhow::bail!("{what}: HTTP {status}: {body}");
    }
    Ok(serde_json::from_str(&body)?)
}

async fn setup(client: &reqwest::Client, base: &str, key: &str, form: &str, tokens: u64, workers: usize) -> anyhow::Result<Setup> {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let unit = check(
        client
            .post(format!("{base}/api/v1/units"))
            .bearer_auth(key)
            .json(
                &json!({"slug": format!("load-{suffix}"), "name": format!("Unit uji beban {suffix}"),
                          "instansi": "Kementerian Contoh", "service_types": ["Paspor", "Visa", "Izin Tinggal"]}),
            )
            .send()
            .await?,
        "create unit",
    )
    .await?;
    let unit_id = unit["id"].as_str().unwrap_or_default();
    let campaign = check(
        client
            .post(format!("{base}/api/v1/units/{unit_id}/campaigns"))
            .bearer_auth(key)
            .json(&json!({"form": form, "title": "Uji beban", "population": 100000}))
            .send()
            .await?,
        "create campaign",
    )
    .await?;
    let campaign_id = campaign["id"].as_str().unwrap_or_default().to_owned();
    let link = check(
        client
            .post(format!("{base}/api/v1/campaigns/{campaign_id}/links"))
            .bearer_auth(key)
            .json(&json!({"label": "Loket beban"}))
            .send()
            .await?,
        "create open link",
    )
    .await?;
    let link = link["code"].as_str().unwrap_or_default().to_owned();
    let mut plain = Vec::with_capacity(tokens as usize);
    while (plain.len() as u64) < tokens {
        let n = (tokens - plain.len() as u64).min(10_000);
        let b = check(
            client
                .post(format!("{base}/api/v1/campaigns/{campaign_id}/tokens"))
                .bearer_auth(key)
                .json(&json!({"count": n, "label": "beban"}))
                .send()
                .await?,
            "issue tokens",
        )
        .await?;
        for t in b["tokens"].as_array().into_iter().flatten() {
            plain.push(t["token"].as_str().unwrap_or_default().to_owned());
        }
    }
    let survey = check(client.get(format!("{base}/api/v1/respond/{link}")).send().await?, "GET the form").await?;
    let form: Form = serde_json::from_value(survey["form"].clone())?;
    let service_types: Vec<String> = serde_json::from_value(survey["campaign"]["service_types"].clone())?;
    // Render tokens are signed for one code: one per worker for the open link, one per token
    // (fetched now, outside the timed run, as a citizen would have opened the form earlier).
    let render = |code: String| {
        let client = client.clone();
        let url = format!("{base}/api/v1/respond/{code}");
        async move {
            let v = check(client.get(url).send().await?, "GET a render token").await?;
            anyhow::Ok((code, v["render_token"].as_str().unwrap_or_default().to_owned()))
        }
    };
    use futures_util::StreamExt;
    let link_render: Vec<String> = futures_util::stream::iter((0..workers).map(|_| render(link.clone())))
        .buffer_unordered(16)
        .map(|r| r.map(|(_, t)| t))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let tokens: Vec<(String, String)> = futures_util::stream::iter(plain.into_iter().map(render))
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    Ok(Setup {
        campaign_id,
        link,
        form,
        service_types,
        tokens,
        link_render,
    })
}

async fn run_service(args: &Args, client: &reqwest::Client, base: &str, s: Arc<Setup>, work: Arc<Work>) -> Tally {
    let next_token = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for w in 0..args.concurrency {
        let (client, base, s, work, next_token) = (client.clone(), base.to_owned(), s.clone(), work.clone(), next_token.clone());
        handles.push(tokio::spawn(async move {
            let mut t = Tally::default();
            // ThreadRng is not Send; a seeded StdRng is.
            let mut rng = rand::rngs::StdRng::from_rng(&mut rand::rng());
            while let Some(i) = work.take() {
                let (channel, format) = plan(i);
                let (code, render) = match channel {
                    Channel::Token => match s.tokens.get(next_token.fetch_add(1, Ordering::Relaxed)) {
                        Some((tok, rt)) => (tok.as_str(), rt.as_str()),
                        None => (s.link.as_str(), s.link_render[w].as_str()),
                    },
                    Channel::OpenLink => (s.link.as_str(), s.link_render[w].as_str()),
                };
                let a = make_answers(&s.form, &s.service_types, &mut rng);
                let req = match format {
                    Format::Json => client.post(format!("{base}/api/v1/respond/{code}")).json(&json_body(&a, render)),
                    Format::Html => client.post(format!("{base}/s/{code}")).form(&form_pairs(&a, render)),
                };
                let started = Instant::now();
                let key = match req.send().await {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        // Read the body so the connection is reused.
                        let _ = r.bytes().await;
                        if status == 201 || status == 303 {
                            t.latencies.push(started.elapsed().as_micros() as u64);
                        }
                        status.to_string()
                    }
                    Err(e) => format!(
                        "error: {}",
                        if e.is_timeout() {
                            "timeout"
                        } else if e.is_connect() {
                            "connect"
                        } else {
                            "request"
                        }
                    ),
                };
                *t.statuses.entry(key).or_default() += 1;
            }
            t
        }));
    }
    let mut all = Tally::default();
    for h in handles {
        if let Ok(t) = h.await {
            all.merge(t);
        }
    }
    all
}

async fn stored_count(client: &reqwest::Client, base: &str, key: &str, campaign_id: &str) -> anyhow::Result<u64> {
    let v = check(
        client
            .get(format!("{base}/api/v1/campaigns/{campaign_id}/results"))
            .bearer_auth(key)
            .send()
            .await?,
        "GET results",
    )
    .await?;
    v["n"].as_u64().ok_or_else(|| anyhow::anyhow!("results carry no `n`: {v}"))
}

// ---------------------------------------------------------------------------------------------
// The raw baseline.

struct BaselineSetup {
    campaign_id: uuid::Uuid,
    link: (uuid::Uuid, String),
    form: Form,
    service_types: Vec<String>,
    token_hashes: Vec<String>,
}

async fn baseline_setup(db: &DatabaseConnection, args: &Args, tokens: u64) -> anyhow::Result<BaselineSetup> {
    use integritas::repo;
    Migrator::up(db, None).await?;
    let forms = integritas::startup::load_forms(&args.forms_dir)
        .map_err(|p| anyhow::anyhow!("forms: {}", p.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ")))?;
    let form = forms
        .into_iter()
        .map(|(_, f)| f)
        .find(|f| f.id == args.form)
        .ok_or_else(|| anyhow::anyhow!("no form `{}` in {}", args.form, args.forms_dir.display()))?;
    repo::form_versions::freeze(db, &form).await?;
    let service_types = vec!["Paspor".to_owned(), "Visa".to_owned(), "Izin Tinggal".to_owned()];
    let unit = repo::units::insert(
        db,
        repo::units::NewUnit {
            slug: "load-baseline".into(),
            name: "Unit uji beban".into(),
            instansi: "Kementerian Contoh".into(),
            service_types: service_types.clone(),
            default_rule: "permenpanrb-90-2021".into(),
        },
    )
    .await?;
    let campaign = repo::campaigns::insert(
        db,
        repo::campaigns::NewCampaign {
            unit_id: unit.id,
            form_id: form.id.clone(),
            form_version: form.version,
            title: "Uji beban".into(),
            opens_at: None,
            closes_at: None,
            population: Some(100_000),
            rule: "permenpanrb-90-2021".into(),
        },
    )
    .await?;
    let link = repo::links::insert(
        db,
        repo::links::NewLink {
            campaign_id: campaign.id,
            code: integritas::domain::credentials::new_link_code(),
            label: "Loket beban".into(),
            max_responses: None,
            expires_at: None,
        },
    )
    .await?;
    let token_hashes: Vec<String> = (0..tokens).map(|_| new_token().1).collect();
    repo::tokens::insert_batch(db, campaign.id, Some("beban".into()), None, &token_hashes).await?;
    Ok(BaselineSetup {
        campaign_id: campaign.id,
        link: (link.id, link.label),
        form,
        service_types,
        token_hashes,
    })
}

/// One submission as `repo::responses::insert` stores it: the same statements in one transaction.
async fn baseline_insert(
    db: &DatabaseConnection,
    campaign_id: uuid::Uuid,
    open_link: Option<(uuid::Uuid, &str)>,
    token_hash: Option<&str>,
    v: &ValidSubmission,
    turn: Option<&tokio::sync::Mutex<()>>,
) -> Result<bool, sea_orm::DbErr> {
    use integritas::repo::stmt;
    let id = uuid::Uuid::new_v4();
    let submitted_on = integritas::domain::respond::submission_date(integritas::domain::now());
    let channel = if token_hash.is_some() { "token" } else { "open_link" };
    let fields: Vec<(String, String, String)> = v
        .screening
        .iter()
        .map(|(k, x)| ("screening".to_owned(), k.clone(), x.clone()))
        .chain(v.demographics.iter().map(|(k, x)| ("demographic".to_owned(), k.clone(), x.clone())))
        .collect();
    let flagged = v.flagged_screening;
    let hash = content_hash(&ResponseContent {
        id: &id.to_string(),
        campaign_id: &campaign_id.to_string(),
        submitted_on: &submitted_on.to_string(),
        channel,
        link_label: open_link.map(|(_, l)| l),
        answers: &v.answers,
        fields: &fields,
        speeder: false,
        diarahkan: flagged,
    });
    let txn = db.begin().await?;
    let _turn = match turn {
        Some(m) => Some(m.lock().await),
        None => None,
    };
    if let Some(h) = token_hash {
        let r = txn
            .execute_raw(stmt(
                &txn,
                "UPDATE token SET redeemed = TRUE WHERE token_hash = $1 AND redeemed = FALSE",
                vec![h.to_owned().into()],
            ))
            .await?;
        if r.rows_affected() != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
    }
    txn.execute_raw(stmt(
        &txn,
        "INSERT INTO response (id, campaign_id, submitted_on, channel, open_link_id, link_label, score, total, speeder, diarahkan, flagged, content_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        vec![
            id.into(),
            campaign_id.into(),
            submitted_on.into(),
            channel.into(),
            open_link.map(|(l, _)| l).into(),
            open_link.map(|(_, l)| l.to_owned()).into(),
            v.score.into(),
            (v.total as i32).into(),
            false.into(),
            flagged.into(),
            flagged.into(),
            hash.into(),
        ],
    ))
    .await?;
    let mut sql = String::from("INSERT INTO answer (response_id, campaign_id, item, value, flagged) VALUES ");
    let mut values: Vec<Value> = Vec::new();
    for (i, (item, x)) in v.answers.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        let n = values.len();
        sql.push_str(&format!("(${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5));
        values.extend([
            id.into(),
            campaign_id.into(),
            item.clone().into(),
            (*x as i16).into(),
            flagged.into(),
        ]);
    }
    txn.execute_raw(stmt(&txn, &sql, values)).await?;
    if !fields.is_empty() {
        let mut sql = String::from("INSERT INTO response_field (response_id, campaign_id, kind, key, value, score) VALUES ");
        let mut values: Vec<Value> = Vec::new();
        for (i, (kind, key, x)) in fields.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let n = values.len();
            sql.push_str(&format!("(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
            values.extend([
                id.into(),
                campaign_id.into(),
                kind.clone().into(),
                key.clone().into(),
                x.clone().into(),
                v.score.into(),
            ]);
        }
        txn.execute_raw(stmt(&txn, &sql, values)).await?;
    }
    txn.commit().await?;
    Ok(true)
}

async fn run_baseline(args: &Args, db: &DatabaseConnection, s: Arc<BaselineSetup>, work: Arc<Work>) -> Tally {
    let next_token = Arc::new(AtomicUsize::new(0));
    let lock = args.baseline_lock.then(|| Arc::new(tokio::sync::Mutex::new(())));
    let mut handles = Vec::new();
    for _ in 0..args.concurrency {
        let (db, s, work, next_token, lock) = (db.clone(), s.clone(), work.clone(), next_token.clone(), lock.clone());
        handles.push(tokio::spawn(async move {
            let mut t = Tally::default();
            // ThreadRng is not Send; a seeded StdRng is.
            let mut rng = rand::rngs::StdRng::from_rng(&mut rand::rng());
            while let Some(i) = work.take() {
                let token = match plan(i).0 {
                    Channel::Token => s.token_hashes.get(next_token.fetch_add(1, Ordering::Relaxed)),
                    Channel::OpenLink => None,
                };
                let a = make_answers(&s.form, &s.service_types, &mut rng);
                let valid = match validate_submission(&s.form, &s.service_types, &raw_submission(&a)) {
                    Ok(v) => v,
                    Err(e) => {
                        eprintln!("generated answers are invalid: {e:?}");
                        *t.statuses.entry("invalid".into()).or_default() += 1;
                        continue;
                    }
                };
                let link = if token.is_none() {
                    Some((s.link.0, s.link.1.as_str()))
                } else {
                    None
                };
                let started = Instant::now();
                let key = match baseline_insert(&db, s.campaign_id, link, token.map(String::as_str), &valid, lock.as_deref()).await {
                    Ok(true) => {
                        t.latencies.push(started.elapsed().as_micros() as u64);
                        "201".to_owned()
                    }
                    Ok(false) => "token used".to_owned(),
                    Err(e) => {
                        let msg = e.to_string();
                        format!("error: {}", msg.chars().take(60).collect::<String>())
                    }
                };
                *t.statuses.entry(key).or_default() += 1;
            }
            t
        }));
    }
    let mut all = Tally::default();
    for h in handles {
        if let Ok(t) = h.await {
            all.merge(t);
        }
    }
    all
}

async fn baseline_stored(db: &DatabaseConnection, campaign_id: uuid::Uuid) -> anyhow::Result<u64> {
    let row = db
        .query_one_raw(integritas::repo::stmt(
            db,
            "SELECT COUNT(*) AS n FROM response WHERE campaign_id = $1",
            vec![campaign_id.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count"))?;
    Ok(row.try_get::<i64>("", "n")? as u64)
}

// ---------------------------------------------------------------------------------------------

fn work_for(args: &Args) -> Work {
    let count = match (args.count, args.seconds) {
        (None, None) => Some(5000),
        (c, _) => c,
    };
    Work {
        next: AtomicU64::new(0),
        count,
        deadline: args.seconds.map(|s| Instant::now() + Duration::from_secs(s)),
    }
}

fn tokens_for(args: &Args) -> u64 {
    args.tokens.unwrap_or(match (args.count, args.seconds) {
        (Some(c), _) => c / 2,
        (None, Some(_)) => 10_000,
        (None, None) => 2500,
    })
}

/// Load-generator CPU and machine CPU over a run.
struct CpuWatch {
    own: Option<u64>,
    machine: Option<(u64, u64)>,
    server: Option<u64>,
}

fn cpu_report(before: &CpuWatch, after: &CpuWatch, elapsed: Duration) {
    let hz = 100.0; // USER_HZ on Linux
    let secs = elapsed.as_secs_f64().max(1e-9);
    let mut parts = Vec::new();
    if let (Some(a), Some(b)) = (before.machine, after.machine) {
        let busy = (b.0 - a.0) as f64 / (b.1 - a.1).max(1) as f64;
        parts.push(format!("machine {:.0}% busy", busy * 100.0));
    }
    if let (Some(a), Some(b)) = (before.server, after.server) {
        parts.push(format!("server {:.2} cores", (b - a) as f64 / hz / secs));
    }
    if let (Some(a), Some(b)) = (before.own, after.own) {
        parts.push(format!("load generator {:.2} cores", (b - a) as f64 / hz / secs));
    }
    if !parts.is_empty() {
        println!("          cpu: {}", parts.join(", "));
    }
}

async fn service_mode(args: &Args, tmp: &std::path::Path) -> anyhow::Result<(Summary, bool)> {
    let mut key = args.admin_key.clone();
    let mut spawned = None;
    let mut db = None;
    let mut base = args.url.trim_end_matches('/').to_owned();
    if args.spawn {
        let k = key
            .get_or_insert_with(|| format!("load-admin-{}", uuid::Uuid::new_v4().simple()))
            .clone();
        let d = fresh_db(&args.db, tmp, "service").await?;
        let (s, url) = spawn_server(args, &d, tmp, &k).await?;
        println!(
            "spawned {} (pid {}) on {} ({})",
            args.server_bin.display(),
            s.child.id(),
            url,
            redact(&d.url)
        );
        base = url;
        spawned = Some(s);
        db = Some(d);
    }
    let key = key.ok_or_else(|| anyhow::anyhow!("an admin key is needed: --admin-key or INTEGRITAS_BOOTSTRAP_ADMIN_KEY"))?;
    let pid = spawned.as_ref().map(|s| s.child.id()).or(args.server_pid);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.concurrency * 2)
        .timeout(Duration::from_secs(60))
        .build()?;
    let result = async {
        let tokens = tokens_for(args);
        let t0 = Instant::now();
        let s = Arc::new(setup(&client, &base, &key, &args.form, tokens, args.concurrency).await?);
        println!(
            "service: campaign {} with an open link and {} tokens (setup {:.1} s); {} clients",
            s.campaign_id,
            s.tokens.len(),
            t0.elapsed().as_secs_f64(),
            args.concurrency
        );
        let watch = pid.map(RssWatch::start);
        let pg0 = match &db {
            Some(d) => d.pg_counters().await,
            None => None,
        };
        let cpu0 = CpuWatch {
            own: own_cpu(),
            machine: machine_cpu(),
            server: watch.as_ref().and_then(|w| w.cpu_ticks()),
        };
        let work = Arc::new(work_for(args));
        let started = Instant::now();
        let tally = run_service(args, &client, &base, s.clone(), work).await;
        let elapsed = started.elapsed();
        let cpu1 = CpuWatch {
            own: own_cpu(),
            machine: machine_cpu(),
            server: watch.as_ref().and_then(|w| w.cpu_ticks()),
        };
        let summary = Summary::of("service", tally, elapsed);
        summary.print();
        cpu_report(&cpu0, &cpu1, elapsed);
        if let Some(w) = &watch {
            let (hwm, max) = w.finish();
            println!(
                "          server pid {}: peak RSS (VmHWM) {} MB, largest sampled VmRSS {:.1} MB",
                w.pid,
                hwm.map(|k| format!("{:.1}", k as f64 / 1024.0)).unwrap_or_else(|| "?".into()),
                max as f64 / 1024.0
            );
        }
        if let (Some(d), Some((x0, i0))) = (&db, pg0) {
            // Statistics reach pg_stat_database with a short delay.
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if let Some((x1, i1)) = d.pg_counters().await {
                let n = summary.acknowledged.max(1) as f64;
                println!(
                    "          postgres: {:.2} commits and {:.2} index scans per acknowledged submission",
                    (x1 - x0) as f64 / n,
                    (i1 - i0) as f64 / n
                );
            }
        }
        let stored = stored_count(&client, &base, &key, &s.campaign_id).await?;
        let ok = stored == summary.acknowledged;
        println!(
            "          stored responses (results n): {stored}; acknowledged (201/303): {} → {}",
            summary.acknowledged,
            if ok { "none lost" } else { "MISMATCH" }
        );
        anyhow::Ok((summary, ok))
    }
    .await;
    if let (Err(_), Some(s)) = (&result, &spawned) {
        eprintln!("server log ({}):\n{}", s.log.display(), tail(&s.log, 30));
    }
    drop(spawned);
    if let Some(d) = db {
        d.cleanup(args.keep).await;
    }
    result
}

fn tail(p: &std::path::Path, n: usize) -> String {
    let t = std::fs::read_to_string(p).unwrap_or_default();
    let lines: Vec<&str> = t.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn redact(url: &str) -> String {
    integritas::config::redact_url(url)
}

async fn baseline_mode(args: &Args, tmp: &std::path::Path) -> anyhow::Result<(Summary, bool)> {
    let d = fresh_db(&args.db, tmp, "baseline").await?;
    let result = async {
        let env: BTreeMap<&str, String> = [
            ("INTEGRITAS_DATABASE_URL", d.url.clone()),
            ("INTEGRITAS_DB_POOL", args.pool.to_string()),
        ]
        .into_iter()
        .collect();
        let settings = Settings::from_lookup(|k| env.get(k).cloned())?;
        // The service's own connect: the same pool options, WAL, synchronous=FULL, busy timeout.
        let db = integritas::startup::connect(&settings).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let s = Arc::new(baseline_setup(&db, args, tokens_for(args)).await?);
        println!(
            "baseline: {} ({} tokens), pool {}, {} concurrent transactions{}",
            redact(&d.url),
            s.token_hashes.len(),
            args.pool,
            args.concurrency,
            if args.baseline_lock {
                ", one at a time (--baseline-lock)"
            } else {
                ""
            }
        );
        let pg0 = d.pg_counters().await;
        let cpu0 = CpuWatch {
            own: own_cpu(),
            machine: machine_cpu(),
            server: None,
        };
        let work = Arc::new(work_for(args));
        let started = Instant::now();
        let tally = run_baseline(args, &db, s.clone(), work).await;
        let elapsed = started.elapsed();
        let cpu1 = CpuWatch {
            own: own_cpu(),
            machine: machine_cpu(),
            server: None,
        };
        let summary = Summary::of("baseline", tally, elapsed);
        summary.print();
        cpu_report(&cpu0, &cpu1, elapsed);
        if let Some((x0, i0)) = pg0 {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if let Some((x1, i1)) = d.pg_counters().await {
                let n = summary.acknowledged.max(1) as f64;
                println!(
                    "          postgres: {:.2} commits and {:.2} index scans per acknowledged submission",
                    (x1 - x0) as f64 / n,
                    (i1 - i0) as f64 / n
                );
            }
        }
        let stored = baseline_stored(&db, s.campaign_id).await?;
        let ok = stored == summary.acknowledged;
        println!(
            "          stored responses: {stored}; committed: {} → {}",
            summary.acknowledged,
            if ok { "none lost" } else { "MISMATCH" }
        );
        let _ = db.close().await;
        anyhow::Ok((summary, ok))
    }
    .await;
    d.cleanup(args.keep).await;
    result
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.concurrency == 0 {
        eprintln!("error: --concurrency must be at least 1");
        return ExitCode::from(2);
    }
    let tmp = std::env::temp_dir().join(format!("integritas-load-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]));
    if let Err(e) = std::fs::create_dir_all(&tmp) {
        eprintln!("error: cannot create {}: {e}", tmp.display());
        return ExitCode::from(2);
    }
    let mut all_ok = true;
    let mut service = None;
    let mut baseline = None;
    if matches!(args.mode, Mode::Service | Mode::Both) {
        match service_mode(&args, &tmp).await {
            Ok((s, ok)) => {
                all_ok &= ok;
                service = Some(s);
            }
            Err(e) => {
                eprintln!("error (service run): {e:#}");
                return ExitCode::from(2);
            }
        }
    }
    if matches!(args.mode, Mode::Baseline | Mode::Both) {
        match baseline_mode(&args, &tmp).await {
            Ok((s, ok)) => {
                all_ok &= ok;
                baseline = Some(s);
            }
            Err(e) => {
                eprintln!("error (baseline run): {e:#}");
                return ExitCode::from(2);
            }
        }
    }
    if let (Some(s), Some(b)) = (&service, &baseline) {
        println!(
            "ratio     service / baseline = {:.1} / {:.1} submissions/s = {:.0} %",
            s.rate(),
            b.rate(),
            100.0 * s.rate() / b.rate().max(1e-9)
        );
    }
    if args.keep {
        eprintln!("kept {}", tmp.display());
    } else {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        eprintln!("FAILED: the number of stored responses differs from the number acknowledged");
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipkp() -> Form {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/forms/ipkp.toml")).unwrap();
        integritas::domain::forms::parse_form("ipkp.toml", &text).unwrap()
    }

    fn types() -> Vec<String> {
        vec!["Paspor".into(), "Visa".into()]
    }

    #[test]
    fn the_plan_mixes_channels_and_formats_evenly() {
        let mut seen = BTreeMap::new();
        for i in 0..400 {
            *seen.entry(format!("{:?}", plan(i))).or_insert(0) += 1;
        }
        assert_eq!(seen.len(), 4);
        assert!(seen.values().all(|n| *n == 100), "{seen:?}");
    }

    #[test]
    fn generated_answers_are_complete_and_valid() {
        let form = ipkp();
        let mut rng = rand::rng();
        let mut flagged = 0;
        for _ in 0..500 {
            let a = make_answers(&form, &types(), &mut rng);
            assert_eq!(a.items.len(), form.items.len());
            assert_eq!(a.demographics.len(), form.demographics.len());
            let v = validate_submission(&form, &types(), &raw_submission(&a)).expect("valid");
            assert_eq!(v.answers.len(), 8);
            flagged += v.flagged_screening as u32;
        }
        assert!((10..150).contains(&flagged), "about one in ten flagged, got {flagged}");
    }

    #[test]
    fn both_bodies_carry_every_answer_and_the_render_token() {
        let form = ipkp();
        let a = make_answers(&form, &types(), &mut rand::rng());
        let j = json_body(&a, "123.sig");
        assert_eq!(j["render_token"], "123.sig");
        assert_eq!(j["answers"].as_object().unwrap().len(), 8);
        assert_eq!(j["answers"]["informasi"].as_u64().unwrap() as u8, a.items[0].1);
        assert!(j["demographics"]["layanan"].is_string());
        let f = form_pairs(&a, "123.sig");
        assert!(f.contains(&("render_token".into(), "123.sig".into())));
        assert!(f.contains(&("website".into(), String::new())), "the honeypot is posted empty");
        assert_eq!(f.len(), 8 + a.screening.len() + a.demographics.len() + 2);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 95.0), 95);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }

    #[test]
    fn tallies_count_acknowledgements_and_errors() {
        let mut a = Tally::default();
        a.statuses.insert("201".into(), 3);
        a.statuses.insert("422".into(), 1);
        let mut b = Tally::default();
        b.statuses.insert("303".into(), 2);
        b.statuses.insert("422".into(), 1);
        b.latencies = vec![5, 1];
        a.merge(b);
        assert_eq!(a.acknowledged(), 5);
        assert_eq!(a.errors().get("422"), Some(&2));
        let s = Summary::of("x", a, Duration::from_secs(1));
        assert_eq!((s.p50, s.max), (1, 5));
        assert_eq!(s.rate(), 5.0);
    }

    #[test]
    fn work_stops_at_the_count() {
        let w = Work {
            next: AtomicU64::new(0),
            count: Some(3),
            deadline: None,
        };
        assert_eq!((w.take(), w.take(), w.take(), w.take()), (Some(0), Some(1), Some(2), None));
        let late = Work {
            next: AtomicU64::new(0),
            count: None,
            deadline: Some(Instant::now()),
        };
        assert_eq!(late.take(), None);
    }

    #[test]
    fn proc_files_are_read() {
        let status = "Name:\tintegritas\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\n";
        assert_eq!(status_kb(status, "VmHWM"), Some(51234));
        assert_eq!(status_kb(status, "VmRSS"), Some(40000));
        assert_eq!(status_kb(status, "VmSwap"), None);
        let stat = "1234 (integ ritas) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(stat_ticks(stat), Some(300));
        assert_eq!(cpu_jiffies("cpu  10 0 10 70 10 0 0 0 0 0\ncpu0 1"), Some((20, 100)));
    }

    #[test]
    fn postgres_urls_get_another_database() {
        assert_eq!(
            with_db_name("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_db_name("postgres://u:p@h/db?sslmode=disable", "y"),
            "postgres://u:p@h/y?sslmode=disable"
        );
        assert_eq!(with_db_name("postgres://h:5432", "z"), "postgres://h:5432/z");
        assert_eq!(parse_kv("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert!(parse_kv("nope").is_err());
    }
}

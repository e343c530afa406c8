//! Issue 5 benchmarks (see BENCHMARKS.md): a campaign's results at 10,000 and 100,000 responses and
//! the national hasil table over 1,000 units, each beside two raw baselines run directly on the
//! same database in the same run: the service's own statements (`src/repo/results.rs`: block
//! tallies, the live part, exclusions) and the plain full-scan GROUP BY over every stored row.
//!
//! The real service runs in-process (`Application::build`, port 0, the repo's `forms/`, a fresh
//! database). Units and campaigns are created and the national campaigns closed through the API;
//! the responses are seeded directly in SQL, in big multi-row INSERTs, as exactly the rows the
//! service writes: inbox entries (`domain::inbox::Waiting`) of submissions validated and scored by
//! `validate_submission`. Closing a campaign through the API seals them with the service's own
//! sealer (`INTEGRITAS_MIN_GROUP=1000` here, so few blocks).
//!
//! ```text
//! cargo bench --bench results -- [--db sqlite|postgres] [--pg-url URL] [--sizes 10000,100000]
//!     [--requests 20] [--units 1000] [--per 400] [--hasil-runs 5] [--skip-results] [--skip-hasil]
//!     [--explain] [--keep]
//! ```
//! PostgreSQL: `--pg-url` or `BENCH_DATABASE_URL` names a server database to connect to; a fresh
//! uuid-named database is created beside it and dropped afterwards. SQLite: a temp file in WAL mode
//! (the service's own `connect`), removed afterwards.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Datelike;
use futures_util::stream::{self, StreamExt};
use integritas::config::Settings;
use integritas::domain::forms::{Form, RawSubmission, validate_submission};
use integritas::domain::inbox::Waiting;
use integritas::startup::Application;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

const ADMIN_KEY: &str = "bench-admin-key-0123456789abcdefghijklmnop";
/// Set-up calls go one at a time: on SQLite, concurrent closes can fail with "database is locked"
/// (a deferred transaction that reads, then writes; see BENCHMARKS.md).
const API_CONCURRENCY: usize = 1;
const SERVICE_TYPES: [&str; 3] = ["Paspor", "Visa", "Izin Tinggal"];

struct Args {
    db: String,
    pg_url: String,
    sizes: Vec<usize>,
    requests: usize,
    units: usize,
    per: usize,
    hasil_runs: usize,
    results: bool,
    hasil: bool,
    explain: bool,
    keep: bool,
}

fn args() -> Args {
    let mut a = Args {
        db: "sqlite".into(),
        pg_url: std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        sizes: vec![10_000, 100_000],
        requests: 20,
        units: 1000,
        per: 400,
        hasil_runs: 5,
        results: true,
        hasil: true,
        explain: false,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| panic!("{k} needs a value"));
        match k.as_str() {
            "--bench" => {}
            "--db" => a.db = v(),
            "--pg-url" => {
                a.pg_url = v();
                a.db = "postgres".into();
            }
            "--sizes" => a.sizes = v().split(',').map(|s| s.trim().parse().expect("--sizes 10000,100000")).collect(),
            "--requests" => a.requests = v().parse().expect("--requests N"),
            "--units" => a.units = v().parse().expect("--units N"),
            "--per" => a.per = v().parse().expect("--per N"),
            "--hasil-runs" => a.hasil_runs = v().parse().expect("--hasil-runs N"),
            "--skip-results" => a.results = false,
            "--skip-hasil" => a.hasil = false,
            "--explain" => a.explain = true,
            "--keep" => a.keep = true,
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(a.db == "sqlite" || a.db == "postgres", "--db sqlite|postgres");
    a
}

// ---------------------------------------------------------------------------------------------
// A scratch database, removed afterwards (also on panic).

enum Scratch {
    Sqlite(PathBuf),
    Pg { admin: String, name: String },
}

impl Scratch {
    async fn create(a: &Args) -> Scratch {
        if a.db == "sqlite" {
            let p = std::env::temp_dir().join(format!("integritas-bench-{}.db", Uuid::new_v4().simple()));
            return Scratch::Sqlite(p);
        }
        let name = format!("integritas_bench_{}", Uuid::new_v4().simple());
        let db = sea_orm::Database::connect(&a.pg_url).await.expect("PostgreSQL reachable");
        db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create database");
        let _ = db.close().await;
        Scratch::Pg {
            admin: a.pg_url.clone(),
            name,
        }
    }

    fn url(&self) -> String {
        match self {
            Scratch::Sqlite(p) => format!("sqlite://{}?mode=rwc", p.display()),
            Scratch::Pg { admin, name } => replace_db_name(admin, name),
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        match self {
            Scratch::Sqlite(p) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            Scratch::Pg { admin, name } => {
                let (admin, name) = (admin.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    rt.block_on(async move {
                        if let Ok(db) = sea_orm::Database::connect(&admin).await {
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

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The API, as a client sees it.

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    async fn post(&self, path: &str, body: &Json) -> Json {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(ADMIN_KEY)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status();
        let v: Json = r.json().await.expect("json body");
        assert!(status.is_success(), "POST {path}: {status} {v}");
        v
    }

    /// One GET, timed from send to the last byte of the body.
    async fn get_timed(&self, path: &str) -> (Duration, Vec<u8>) {
        let t = Instant::now();
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(ADMIN_KEY)
            .send()
            .await
            .expect("request");
        let status = r.status();
        let body = r.bytes().await.expect("body").to_vec();
        let d = t.elapsed();
        assert!(status.is_success(), "GET {path}: {status} {}", String::from_utf8_lossy(&body));
        (d, body)
    }

    async fn unit(&self, slug: &str) -> Uuid {
        let v = self
            .post(
                "/api/v1/units",
                &json!({"slug": slug, "name": format!("Unit {slug}"), "instansi": "Kementerian Contoh", "service_types": SERVICE_TYPES}),
            )
            .await;
        v["id"].as_str().unwrap().parse().unwrap()
    }

    async fn campaign(&self, unit: Uuid, form: &str, population: Option<i64>) -> Uuid {
        let v = self
            .post(
                &format!("/api/v1/units/{unit}/campaigns"),
                &json!({"form": form, "title": format!("{} 2026", form.to_uppercase()), "population": population}),
            )
            .await;
        v["id"].as_str().unwrap().parse().unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// Seeding: the inbox entries the group commit writes, many per statement.

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What was seeded, to check the service's figures against.
#[derive(Default, Clone, Copy)]
struct Truth {
    n: u64,
    score_sum: f64,
    flagged: u64,
}

/// A plausible citizen: a general tendency, each item near it; a few speeders and steered ones;
/// most demographics answered.
fn submission(form: &Form, rng: &mut Rng) -> (RawSubmission, bool) {
    let m = form.scale.max as usize;
    let tendency = match rng.unit() {
        x if x < 0.05 => 1,
        x if x < 0.20 => 2.min(m),
        x if x < 0.70 => 3.min(m),
        _ => 4.min(m),
    };
    let answers = form
        .items
        .iter()
        .map(|i| {
            let v = if rng.unit() < 0.7 { tendency } else { 1 + rng.below(m) };
            (i.id.clone(), json!(v))
        })
        .collect();
    let screening = form
        .screening
        .iter()
        .filter_map(|q| {
            let flagging: Vec<_> = q.options.iter().filter(|o| q.flags(&o.value)).collect();
            let plain: Vec<_> = q.options.iter().filter(|o| !q.flags(&o.value)).collect();
            let x = rng.unit();
            if x < 0.02 && !flagging.is_empty() {
                Some((q.id.clone(), flagging[rng.below(flagging.len())].value.clone()))
            } else if x < 0.65 && !plain.is_empty() {
                Some((q.id.clone(), plain[rng.below(plain.len())].value.clone()))
            } else {
                None
            }
        })
        .collect();
    let types: Vec<String> = SERVICE_TYPES.iter().map(|s| s.to_string()).collect();
    let demographics = form
        .demographics
        .iter()
        .filter_map(|d| {
            let choices = d.choices(&types);
            (rng.unit() < 0.8 && !choices.is_empty()).then(|| (d.id.clone(), choices[rng.below(choices.len())].value.clone()))
        })
        .collect();
    let speeder = rng.unit() < 0.03;
    (
        RawSubmission {
            answers,
            screening,
            demographics,
        },
        speeder,
    )
}

/// The inbox rows of one multi-row INSERT.
fn inbox_batch() -> (String, Vec<Value>) {
    ("INSERT INTO inbox (id, campaign_id, open_link_id, body) VALUES ".into(), Vec::new())
}

fn push_row(target: &mut (String, Vec<Value>), row: Vec<Value>) {
    let (sql, values) = target;
    if !values.is_empty() {
        sql.push(',');
    }
    let n = values.len();
    sql.push('(');
    for i in 0..row.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("${}", n + i + 1));
    }
    sql.push(')');
    values.extend(row);
}

/// Seeds `n` submissions into `campaign`'s inbox (token channel, the entries the group commit
/// writes), 500 a statement, 10,000 a transaction; closing the campaign seals them.
async fn seed(db: &DatabaseConnection, campaign: Uuid, form: &Form, n: usize, rng: &mut Rng, on: chrono::NaiveDate) -> Truth {
    let types: Vec<String> = SERVICE_TYPES.iter().map(|s| s.to_string()).collect();
    let mut truth = Truth::default();
    let mut done = 0;
    while done < n {
        let txn = db.begin().await.expect("begin");
        let in_txn = (n - done).min(10_000);
        let mut k = 0;
        while k < in_txn {
            let in_batch = (in_txn - k).min(500);
            let mut b = inbox_batch();
            for _ in 0..in_batch {
                let (raw, speeder) = submission(form, rng);
                let v = validate_submission(form, &types, &raw).expect("a valid submission");
                let w = Waiting::new(&v, "token", None, speeder, on);
                let body = serde_json::to_string(&w).expect("an inbox entry");
                push_row(
                    &mut b,
                    vec![Uuid::new_v4().into(), campaign.into(), Option::<Uuid>::None.into(), body.into()],
                );
                truth.n += 1;
                truth.score_sum += v.score;
                truth.flagged += w.flagged() as u64;
            }
            txn.execute_raw(integritas::repo::stmt(&txn, &b.0, b.1)).await.expect("insert");
            k += in_batch;
        }
        txn.commit().await.expect("commit");
        done += in_txn;
    }
    truth
}

/// After a bulk load: PostgreSQL's autovacuum/autoanalyze would get there on its own; do it now so
/// runs are repeatable. SQLite: nothing (the service never runs ANALYZE).
async fn settle(db: &DatabaseConnection) {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("VACUUM ANALYZE").await.expect("vacuum analyze");
    }
}

// ---------------------------------------------------------------------------------------------
// The raw aggregates: the statements of src/repo/results.rs, verbatim.

/// The statements of `repo::results::aggregates` for `ids` (per chunk of 1000), as it builds them.
fn aggregate_statements(db: &DatabaseConnection, ids: &[Uuid]) -> Vec<(&'static str, Statement)> {
    ids.chunks(1000)
        .flat_map(|chunk| integritas::repo::results::aggregate_statements(db, chunk))
        .collect()
}

/// The statements of `repo::results::breakdowns` for one campaign, as it builds them.
fn campaign_statements(db: &DatabaseConnection, id: Uuid) -> Vec<(&'static str, Statement)> {
    integritas::repo::results::breakdown_statements(db, id).into()
}

fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The baseline: the same numbers as a plain GROUP BY over every stored row, without tallies
/// (what the service ran before blocks carried tallies), on the same covering indexes.
fn full_scan_statements(db: &DatabaseConnection, ids: &[Uuid], breakdown_of: Option<Uuid>) -> Vec<(&'static str, Statement)> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        let ph = placeholders(chunk.len());
        let vals = || chunk.iter().map(|i| Value::from(*i)).collect::<Vec<_>>();
        out.push((
            "scan: answer counts",
            integritas::repo::stmt(
                db,
                &format!(
                    "SELECT campaign_id, item, value, flagged, COUNT(*) AS n FROM answer WHERE campaign_id IN ({ph}) \
                     GROUP BY campaign_id, flagged, item, value"
                ),
                vals(),
            ),
        ));
        out.push((
            "scan: moments",
            integritas::repo::stmt(
                db,
                &format!(
                    "SELECT r.campaign_id AS campaign_id, r.flagged AS flagged, r.speeder AS speeder, r.diarahkan AS diarahkan, COUNT(*) AS n, \
                     SUM(r.score) AS s, SUM(r.score * r.score) AS ss, CAST(SUM(r.total) AS DOUBLE PRECISION) AS t, \
                     CAST(SUM(r.total * r.total) AS DOUBLE PRECISION) AS tt FROM response r WHERE r.campaign_id IN ({ph}) \
                     GROUP BY r.campaign_id, r.flagged, r.speeder, r.diarahkan"
                ),
                vals(),
            ),
        ));
    }
    if let Some(id) = breakdown_of {
        out.push((
            "scan: breakdowns",
            integritas::repo::stmt(
                db,
                "SELECT f.key AS key, f.value AS value, COUNT(*) AS n, SUM(f.score) AS s FROM response_field f \
                 WHERE f.campaign_id = $1 AND f.kind = 'demographic' GROUP BY f.key, f.value",
                vec![id.into()],
            ),
        ));
    }
    out
}

/// Runs the statements in order; the total time and each one's.
async fn run_raw(db: &DatabaseConnection, stmts: &[(&'static str, Statement)]) -> (Duration, Vec<Duration>) {
    let t = Instant::now();
    let mut each = Vec::with_capacity(stmts.len());
    for (_, s) in stmts {
        let t1 = Instant::now();
        let rows = db.query_all_raw(s.clone()).await.expect("raw aggregate");
        std::hint::black_box(rows);
        each.push(t1.elapsed());
    }
    (t.elapsed(), each)
}

async fn explain(db: &DatabaseConnection, stmts: &[(&'static str, Statement)]) {
    let pg = db.get_database_backend() == DbBackend::Postgres;
    for (name, s) in stmts.iter().take(8) {
        let prefix = if pg { "EXPLAIN (ANALYZE, BUFFERS) " } else { "EXPLAIN QUERY PLAN " };
        let st = Statement::from_sql_and_values(
            s.db_backend,
            format!("{prefix}{}", s.sql),
            s.values.clone().map(|v| v.0).unwrap_or_default(),
        );
        println!("  -- {name}");
        match db.query_all_raw(st).await {
            Ok(rows) => {
                for r in rows {
                    let line: String = if pg {
                        r.try_get_by_index(0).unwrap_or_default()
                    } else {
                        r.try_get("", "detail").unwrap_or_default()
                    };
                    let cut: String = line.chars().take(160).collect();
                    println!("     {cut}");
                }
            }
            Err(e) => println!("     (explain failed: {e})"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Figures.

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &[Duration]) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    let n = s.len();
    if n % 2 == 1 { s[n / 2] } else { (s[n / 2 - 1] + s[n / 2]) / 2 }
}

/// Nearest-rank percentile (p99 of 20 samples is the largest).
fn pct(v: &[Duration], p: f64) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1]
}

/// (VmRSS, VmHWM) of this process in KiB.
fn rss() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|x| x.parse().ok())
            .unwrap_or(0)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so the peak of what follows can be read.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

struct ResultsRow {
    n: usize,
    service_median: Duration,
    service_p99: Duration,
    /// The service's own statements (tallies, live part, exclusions), run raw.
    own_median: Duration,
    own_each: Vec<(&'static str, Duration)>,
    /// The full-scan GROUP BY baseline.
    scan_median: Duration,
    scan_each: Vec<(&'static str, Duration)>,
    /// With `LIVE` more responses submitted since the last seal (the live part).
    live_median: Duration,
    live_own_median: Duration,
    rss_before_kib: u64,
    peak_delta_kib: u64,
    body_bytes: usize,
}

/// Responses left unsealed for the live-part measurement: a sealing interval (10 s by default)
/// at 100 submissions a second.
const LIVE: usize = 1_000;

/// Times `requests` rounds of {the service; each statement list}, interleaved.
async fn timed_rounds(
    api: &Api,
    path: &str,
    db: &DatabaseConnection,
    lists: &[&[(&'static str, Statement)]],
    requests: usize,
) -> (Vec<Duration>, Vec<(Vec<Duration>, Vec<Vec<Duration>>)>) {
    let mut service = Vec::new();
    let mut raw: Vec<(Vec<Duration>, Vec<Vec<Duration>>)> = lists.iter().map(|l| (Vec::new(), vec![Vec::new(); l.len()])).collect();
    for _ in 0..requests {
        service.push(api.get_timed(path).await.0);
        for (k, l) in lists.iter().enumerate() {
            let (d, e) = run_raw(db, l).await;
            raw[k].0.push(d);
            for (i, x) in e.into_iter().enumerate() {
                raw[k].1[i].push(x);
            }
        }
    }
    (service, raw)
}

fn named_medians(stmts: &[(&'static str, Statement)], each: &[Vec<Duration>]) -> Vec<(&'static str, Duration)> {
    stmts.iter().map(|(n, _)| *n).zip(each.iter().map(|e| median(e))).collect()
}

async fn bench_results(a: &Args, api: &Api, db: &DatabaseConnection, form: &Form, rng: &mut Rng, size: usize) -> ResultsRow {
    let unit = api.unit(&format!("bench-results-{size}")).await;
    let campaign = api.campaign(unit, &form.id, Some(size as i64 * 4)).await;
    let t = Instant::now();
    let on = integritas::domain::time_zone::local_date(integritas::domain::time_zone::TimeZone::Wib, integritas::domain::now());
    let truth = seed(db, campaign, form, size, rng, on).await;
    let seeded = t.elapsed();
    let t = Instant::now();
    // Closing seals everything waiting (the service's close route), in groups of the bench's k.
    api.post(&format!("/api/v1/campaigns/{campaign}/close"), &json!({})).await;
    settle(db).await;
    eprintln!(
        "  seeded {size} responses in {:.1} s; closed, sealed and settled in {:.1} s",
        seeded.as_secs_f64(),
        t.elapsed().as_secs_f64()
    );

    let path = format!("/api/v1/campaigns/{campaign}/results");
    let mut own = aggregate_statements(db, &[campaign]);
    own.extend(campaign_statements(db, campaign));
    let scan = full_scan_statements(db, &[campaign], Some(campaign));
    if a.explain {
        explain(db, &own).await;
        explain(db, &scan).await;
    }

    // Warm-up, and a check that the service counts what was seeded.
    let check = |body: &[u8], truth: &Truth, unsealed: i64| {
        let v: Json = serde_json::from_slice(body).unwrap();
        assert_eq!(v["n"].as_u64(), Some(truth.n), "n");
        assert_eq!(v["flags"]["flagged"].as_u64(), Some(truth.flagged), "flagged");
        let index = v["index"]["value"].as_f64().unwrap();
        assert!((index - truth.score_sum / truth.n as f64).abs() < 1e-9, "index {index}");
        assert_eq!(v["ledger"]["unsealed"].as_i64(), Some(unsealed), "unsealed");
    };
    let (_, body) = api.get_timed(&path).await;
    check(&body, &truth, 0);
    for _ in 0..2 {
        api.get_timed(&path).await;
        run_raw(db, &own).await;
        run_raw(db, &scan).await;
    }

    // Memory: the peak RSS of this process (server, client and all) over the requests alone.
    let (rss_before, _) = rss();
    let can_reset = reset_peak();
    for _ in 0..a.requests {
        api.get_timed(&path).await;
    }
    let (_, hwm) = rss();
    let peak_delta = if can_reset { hwm.saturating_sub(rss_before) } else { 0 };

    // Time: service, its own statements raw, and the full scan, interleaved (same machine).
    let (service, raw) = timed_rounds(api, &path, db, &[&own, &scan], a.requests).await;

    // The live part: LIVE more entries waiting in the inbox. Results never read them (the
    // answer-derived figures are the sealed blocks' alone); the campaign is closed, so its figures
    // are exact and `n` is the sealed count (an open campaign's `n` would count them).
    seed(db, campaign, form, LIVE, rng, on).await;
    settle(db).await;
    let (_, body) = api.get_timed(&path).await;
    let v: Json = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["n"].as_u64(), Some(truth.n), "a closed campaign's n is its sealed count");
    assert_eq!(v["ledger"]["unsealed"].as_i64(), Some(LIVE as i64), "unsealed");
    run_raw(db, &own).await;
    let (live, live_raw) = timed_rounds(api, &path, db, &[&own], a.requests).await;

    ResultsRow {
        n: size,
        service_median: median(&service),
        service_p99: pct(&service, 99.0),
        own_median: median(&raw[0].0),
        own_each: named_medians(&own, &raw[0].1),
        scan_median: median(&raw[1].0),
        scan_each: named_medians(&scan, &raw[1].1),
        live_median: median(&live),
        live_own_median: median(&live_raw[0].0),
        rss_before_kib: rss_before,
        peak_delta_kib: peak_delta,
        body_bytes: body.len(),
    }
}

struct HasilRow {
    units: usize,
    campaigns: usize,
    responses: u64,
    service_median: Duration,
    service_max: Duration,
    own_median: Duration,
    scan_median: Duration,
    body_bytes: usize,
}

async fn bench_hasil(a: &Args, api: &Api, db: &DatabaseConnection, forms: &[std::sync::Arc<Form>; 2], rng: &mut Rng) -> HasilRow {
    let t = Instant::now();
    let units: Vec<Uuid> = stream::iter(0..a.units)
        .map(|i| async move { api.unit(&format!("unit-{i:05}")).await })
        .buffered(API_CONCURRENCY)
        .collect()
        .await;
    let mut campaigns: Vec<(Uuid, usize)> = Vec::new();
    for (fi, f) in forms.iter().enumerate() {
        let ids: Vec<Uuid> = stream::iter(units.iter().enumerate())
            .map(|(i, u)| {
                let form = f.id.clone();
                async move {
                    api.campaign(*u, &form, (i % 3 != 0).then_some(500 + (i as i64 * 37) % 20_000))
                        .await
                }
            })
            .buffered(API_CONCURRENCY)
            .collect()
            .await;
        campaigns.extend(ids.into_iter().map(|c| (c, fi)));
    }
    eprintln!(
        "  created {} units and {} campaigns through the API in {:.1} s",
        units.len(),
        campaigns.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let on = integritas::domain::time_zone::local_date(integritas::domain::time_zone::TimeZone::Wib, integritas::domain::now());
    let mut responses = 0;
    for (c, fi) in &campaigns {
        responses += seed(db, *c, &forms[*fi], a.per, rng, on).await.n;
    }
    eprintln!("  seeded {responses} responses in {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    // Closing seals what remains (the service's close route).
    stream::iter(campaigns.iter())
        .map(|(c, _)| async move { api.post(&format!("/api/v1/campaigns/{c}/close"), &json!({})).await })
        .buffer_unordered(API_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    settle(db).await;
    eprintln!(
        "  closed (and sealed) them through the API and settled in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let year = integritas::domain::time_zone::local_date(integritas::domain::time_zone::TimeZone::Wib, integritas::domain::now()).year();
    let path = format!("/api/v1/hasil?year={year}");
    let ids: Vec<Uuid> = campaigns.iter().map(|(c, _)| *c).collect();
    let stmts = aggregate_statements(db, &ids);
    let scan = full_scan_statements(db, &ids, None);
    if a.explain {
        explain(db, &stmts).await;
        explain(db, &scan).await;
    }
    let (_, body) = api.get_timed(&path).await;
    let v: Json = serde_json::from_slice(&body).unwrap();
    let rows = v.as_array().expect("an array");
    let full = rows
        .iter()
        .filter(|r| r["ipak"]["n"].as_u64() == Some(a.per as u64) && r["ipkp"]["n"].as_u64() == Some(a.per as u64))
        .count();
    assert_eq!(
        full, a.units,
        "every seeded unit has both closed campaigns with {} responses",
        a.per
    );
    run_raw(db, &stmts).await;
    run_raw(db, &scan).await;
    let (service, raw) = timed_rounds(api, &path, db, &[&stmts, &scan], a.hasil_runs).await;
    for (name, d) in named_medians(&stmts, &raw[0].1).iter().chain(&named_medians(&scan, &raw[1].1)) {
        eprintln!("    raw {name:<24} median {:8.2} ms", ms(*d));
    }
    HasilRow {
        units: a.units,
        campaigns: campaigns.len(),
        responses,
        service_median: median(&service),
        service_max: pct(&service, 100.0),
        own_median: median(&raw[0].0),
        scan_median: median(&raw[1].0),
        body_bytes: body.len(),
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    if let Ok(filter) = std::env::var("BENCH_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let scratch = Scratch::create(&a).await;
    let mut env: HashMap<&str, String> = HashMap::new();
    env.insert("INTEGRITAS_LISTEN", "127.0.0.1:0".into());
    env.insert("INTEGRITAS_FORMS_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/forms").into());
    env.insert("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY.into());
    env.insert("INTEGRITAS_DATABASE_URL", scratch.url());
    // The sealer runs when a campaign is closed, not on a timer in the middle of a measurement;
    // large groups keep the number of sealing transactions small.
    env.insert("INTEGRITAS_SEAL_SECONDS", "86400".into());
    env.insert("INTEGRITAS_MIN_GROUP", "1000".into());
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("settings");
    let app = Application::build(settings).await.expect("the service starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let db = state.db.clone();
    let server = tokio::spawn(app.run_until_stopped());
    let api = Api {
        base,
        http: reqwest::Client::builder().pool_max_idle_per_host(8).build().unwrap(),
    };
    let ipak = state.forms.current("ipak").expect("ipak form");
    let ipkp = state.forms.current("ipkp").expect("ipkp form");
    let mut rng = Rng(0x1d0_2026);
    let backend = if a.db == "sqlite" { "SQLite" } else { "PostgreSQL" };
    println!("# Integritas issue 5 benchmark on {backend}");

    let mut results = Vec::new();
    if a.results {
        for &size in &a.sizes {
            eprintln!("results, n = {size}:");
            let r = bench_results(&a, &api, &db, &ipkp, &mut rng, size).await;
            for (name, d) in r.own_each.iter().chain(&r.scan_each) {
                eprintln!("    raw {name:<24} median {:8.2} ms", ms(*d));
            }
            results.push(r);
        }
        println!(
            "\n## {backend}: GET /api/v1/campaigns/{{id}}/results (ipkp, 8 items; {} requests each)\n",
            a.requests
        );
        println!(
            "| n | service median | service p99 | its statements, raw | full-scan aggregate | service / full scan | \
             with {LIVE} unsealed: service | its statements, raw | RSS before | peak RSS Δ over {} requests | body |",
            a.requests
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for r in &results {
            println!(
                "| {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.2}× | {:.1} ms | {:.1} ms | {:.1} MiB | {:.1} MiB | {} B |",
                r.n,
                ms(r.service_median),
                ms(r.service_p99),
                ms(r.own_median),
                ms(r.scan_median),
                ms(r.service_median) / ms(r.scan_median),
                ms(r.live_median),
                ms(r.live_own_median),
                r.rss_before_kib as f64 / 1024.0,
                r.peak_delta_kib as f64 / 1024.0,
                r.body_bytes
            );
        }
        for (title, pick) in [
            (
                "the service's statements",
                (|r: &ResultsRow| r.own_each.clone()) as fn(&ResultsRow) -> Vec<(&'static str, Duration)>,
            ),
            ("the full scan", |r: &ResultsRow| r.scan_each.clone()),
        ] {
            println!("\nRaw, per statement, {title} (median ms):\n");
            println!(
                "| n | {} |",
                pick(&results[0]).iter().map(|(n, _)| *n).collect::<Vec<_>>().join(" | ")
            );
            println!("|---:|{}", "---:|".repeat(pick(&results[0]).len()));
            for r in &results {
                println!(
                    "| {} | {} |",
                    r.n,
                    pick(r)
                        .iter()
                        .map(|(_, d)| format!("{:.2}", ms(*d)))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
            }
        }
    }
    if a.hasil {
        eprintln!("national table, {} units × 2 × {}:", a.units, a.per);
        let h = bench_hasil(&a, &api, &db, &[ipak, ipkp], &mut rng).await;
        println!("\n## {backend}: GET /api/v1/hasil?year=YYYY ({} runs)\n", a.hasil_runs);
        println!(
            "| units | closed campaigns | responses | service median | service max | its statements, raw | full-scan aggregate | service / full scan | body |"
        );
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        println!(
            "| {} | {} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.2}× | {} B |",
            h.units,
            h.campaigns,
            h.responses,
            ms(h.service_median),
            ms(h.service_max),
            ms(h.own_median),
            ms(h.scan_median),
            ms(h.service_median) / ms(h.scan_median),
            h.body_bytes
        );
    }
    server.abort();
    drop(db);
    drop(state);
    if a.keep {
        println!("\nkept the database: {}", scratch.url());
        std::mem::forget(scratch);
    } else {
        drop(scratch);
    }
}

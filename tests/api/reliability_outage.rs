//! Reliability, part 2: a PostgreSQL outage (a private server stopped and started again under a
//! light load) answers 503 problems and "try again" pages, and the service recovers without a
//! restart. The child-server helpers live in `reliability`; run with
//! `cargo test --test api reliability -- --nocapture` to see the figures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use integritas::config::Settings;
use integritas::startup::Application;
use serde_json::Value;

use crate::helpers::ADMIN_KEY;
use crate::reliability::*;
use crate::survey::IPKP;

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

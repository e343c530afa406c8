//! Service mode: drive the real HTTP API of a running (or spawned) server. Setup creates a unit,
//! a campaign, an open link and tokens, and fetches render tokens outside the timed run; then
//! `--concurrency` clients submit; the end reads the campaign's results to count what was stored.

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use integritas::domain::forms::Form;
use rand::SeedableRng;
use serde_json::json;

use crate::db::{FreshDb, fresh_db};
use crate::measure::{CpuWatch, RssWatch, Summary, Tally, cpu_report, machine_cpu, own_cpu};
use crate::plan::{Channel, Format, Work, form_pairs, json_body, make_answers, plan};
use crate::{Args, tokens_for, work_for};

pub(crate) struct Spawned {
    pub(crate) child: Child,
    pub(crate) log: PathBuf,
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub(crate) async fn spawn_server(args: &Args, db: &FreshDb, tmp: &std::path::Path, admin_key: &str) -> anyhow::Result<(Spawned, String)> {
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

// ---------------------------------------------------------------------------------------------
// The service run.

pub(crate) struct Setup {
    pub(crate) campaign_id: String,
    pub(crate) link: String,
    pub(crate) form: Form,
    pub(crate) service_types: Vec<String>,
    /// (token, its render token)
    pub(crate) tokens: Vec<(String, String)>,
    /// One render token for the open link per worker.
    pub(crate) link_render: Vec<String>,
}

pub(crate) async fn check(r: reqwest::Response, what: &str) -> anyhow::Result<serde_json::Value> {
    let status = r.status();
    let body = r.text().await?;
    if !status.is_success() {
        anyhow::bail!("{what}: HTTP {status}: {body}");
    }
    Ok(serde_json::from_str(&body)?)
}

pub(crate) async fn setup(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    form: &str,
    tokens: u64,
    workers: usize,
) -> anyhow::Result<Setup> {
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

pub(crate) async fn run_service(args: &Args, client: &reqwest::Client, base: &str, s: Arc<Setup>, work: Arc<Work>) -> Tally {
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

pub(crate) async fn stored_count(client: &reqwest::Client, base: &str, key: &str, campaign_id: &str) -> anyhow::Result<u64> {
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

pub(crate) async fn service_mode(args: &Args, tmp: &std::path::Path) -> anyhow::Result<(Summary, bool)> {
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

pub(crate) fn tail(p: &std::path::Path, n: usize) -> String {
    let t = std::fs::read_to_string(p).unwrap_or_default();
    let lines: Vec<&str> = t.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

pub(crate) fn redact(url: &str) -> String {
    integritas::config::redact_url(url)
}

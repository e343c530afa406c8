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
//! It is its own workspace package so that the service binary carries none of its dependencies.
//! Modules: `plan` (what each submission is), `measure` (tallies, CPU, memory), `db` (fresh
//! databases), `service` and `baseline` (the two runs).
//!
//! ```text
//! cargo build --release                      # the service, target/release/integritas (for --spawn)
//! cargo run --release -p integritas-load -- --spawn --db sqlite --mode both --concurrency 32 --count 20000
//! cargo run --release -p integritas-load -- --spawn --db postgres://postgres@127.0.0.1:5432/postgres --mode both --seconds 30
//! cargo run --release -p integritas-load -- --url http://127.0.0.1:8080 --admin-key … --server-pid 1234 --count 5000
//! ```

mod baseline;
mod db;
mod measure;
mod plan;
mod service;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};

use crate::baseline::baseline_mode;
use crate::plan::Work;
use crate::service::service_mode;

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

    #[test]
    fn server_env_is_key_value() {
        assert_eq!(parse_kv("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert!(parse_kv("nope").is_err());
    }
}

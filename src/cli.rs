//! The command line: `integritas [serve]`, `migrate`, `key create`, `forms check`, `ledger verify`,
//! `healthcheck`.
//! Errors print as one clear line each and exit non-zero; never a panic backtrace.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use migrations::{Migrator, MigratorTrait};
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::forms;
use crate::repo::audit::Actor;
use crate::service::keys::{self, KeyInput};
use crate::service::ledger;
use crate::startup::{self, Application};

#[derive(Parser)]
#[command(
    name = "integritas",
    version,
    about = "Citizen surveys (IPAK, IPKP, SKM) for Zona Integritas units"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Work with survey form files.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
    /// Work with the integrity ledger.
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// GET /healthz of the running service; exit 0 on 200, 1 otherwise (the image's HEALTHCHECK).
    Healthcheck {
        /// Base URL of the service [default: http:// and INTEGRITAS_LISTEN, 0.0.0.0 as 127.0.0.1].
        #[arg(long)]
        url: Option<String>,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 2.0)]
        timeout: f64,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create a key and print it once.
    Create {
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit: Option<Uuid>,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// Re-check ledgers in full from their stored rows; one line per campaign, exit 1 if any
    /// fails.
    Verify {
        /// Only this campaign [default: every campaign].
        #[arg(long)]
        campaign: Option<Uuid>,
    },
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Validate form files; exit 1 with one message per problem. Checks DIR's files alone, or
    /// by default what the service would serve: the built-in forms and INTEGRITAS_FORMS_DIR.
    Check { dir: Option<PathBuf> },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before settings, logging and the runtime: a health check needs none of them and must
    // answer 0 or 1 only (Docker reserves 2).
    if let Some(Command::Healthcheck { url, timeout }) = cli.command {
        return healthcheck(url, timeout);
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(settings.log_format);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: Result<(), String> = rt.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => {
                let db = startup::connect(&settings).await.map_err(|e| e.to_string())?;
                Migrator::up(&db, None).await.map_err(|e| format!("migration failed: {e}"))?;
                println!("migrations applied");
                Ok(())
            }
            Command::Key {
                command: KeyCommand::Create { role, unit, name },
            } => create_key(settings, role, unit, name).await,
            Command::Ledger {
                command: LedgerCommand::Verify { campaign },
            } => verify_ledgers(settings, campaign).await,
            Command::Healthcheck { .. } => unreachable!("handled before the runtime starts"),
            Command::Forms {
                command: FormsCommand::Check { dir },
            } => check_forms(dir.as_deref(), settings.forms_dir.as_deref()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            for line in e.lines() {
                eprintln!("error: {line}");
            }
            ExitCode::FAILURE
        }
    }
}

/// `forms check [DIR]`: one line per form, saying which built-in form a file overrides.
fn check_forms(dir: Option<&Path>, forms_dir: Option<&Path>) -> Result<(), String> {
    let loaded = match dir {
        Some(dir) => startup::load_forms(dir),
        None => startup::configured_forms(forms_dir),
    }
    .map_err(|problems| problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))?;
    let built_in = forms::shipped().unwrap_or_default();
    for (file, f) in &loaded {
        let overrides = built_in.iter().any(|(source, b)| b.id == f.id && source != file);
        let note = if overrides { ", overrides the built-in form" } else { "" };
        println!("ok  {file}: {} v{} ({} items{note})", f.id, f.version, f.items.len());
    }
    Ok(())
}

fn healthcheck(url: Option<String>, timeout: f64) -> ExitCode {
    let url = match url {
        Some(u) => u,
        None => match Settings::from_env() {
            Ok(s) => crate::healthcheck::base_url_for(s.listen),
            Err(e) => {
                eprintln!("unhealthy: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let timeout = Duration::try_from_secs_f64(timeout)
        .unwrap_or(Duration::from_secs(2))
        .max(Duration::from_millis(10));
    match crate::healthcheck::check(&url, timeout) {
        Ok(status) => {
            println!("healthy: {status}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("unhealthy: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let listen = settings.listen;
    let app = Application::build(settings).await.map_err(|e| e.to_string())?;
    tracing::info!(%listen, port = app.port(), "integritas listening");
    app.run_until_stopped().await.map_err(|e| format!("server stopped: {e}"))
}

async fn create_key(settings: Settings, role: String, unit: Option<Uuid>, name: String) -> Result<(), String> {
    let db = startup::connect(&settings).await.map_err(|e| e.to_string())?;
    Migrator::up(&db, None).await.map_err(|e| format!("migration failed: {e}"))?;
    let input = KeyInput {
        name: Some(name),
        role: Some(role),
        unit_id: unit,
    };
    let k = keys::issue(&db, Actor::Cli, input).await.map_err(describe)?;
    println!("{}", k.key);
    eprintln!(
        "created {} key {} ({}); the key above is shown only once",
        k.role.as_str(),
        k.id,
        k.name
    );
    Ok(())
}

/// `ledger verify [--campaign ID]`: the full re-check, the result stored as each campaign's
/// verified head like the background job's.
async fn verify_ledgers(settings: Settings, campaign: Option<Uuid>) -> Result<(), String> {
    let state = startup::prepare(settings).await.map_err(|e| e.to_string())?;
    let all = match campaign {
        Some(id) => vec![(id, Ok(ledger::verify_full(&state, id).await.map_err(describe)?))],
        None => ledger::verify_all(&state).await.map_err(describe)?,
    };
    let mut failed = 0;
    for (id, v) in &all {
        let v = match v {
            Ok(v) => v,
            Err(e) => {
                failed += 1;
                println!("ERROR   {id}: could not be checked: {}", e.detail());
                continue;
            }
        };
        if v.ok {
            println!("ok      {}: {} blocks, {} sealed", v.campaign_id, v.blocks.len(), v.head.sealed);
            continue;
        }
        failed += 1;
        println!("FAILED  {}", v.campaign_id);
        for b in v.blocks.iter().filter(|b| !b.ok) {
            println!("        block {}: {}", b.seq, b.problems.join("; "));
        }
        for p in &v.problems {
            println!("        {p}");
        }
    }
    match failed {
        0 => Ok(()),
        n => Err(format!("the ledger of {n} of {} campaigns failed verification", all.len())),
    }
}

fn describe(e: crate::error::AppError) -> String {
    match e {
        crate::error::AppError::Validation { errors, .. } => errors
            .iter()
            .map(|(k, v)| format!("--{}: {}", k.replace("unit_id", "unit"), v.join("; ")))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.detail(),
    }
}

//! The command line: `integritas [serve]`, `migrate`, `key create`, `forms check`.
//! Errors print as one clear line each and exit non-zero; never a panic backtrace.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use migrations::{Migrator, MigratorTrait};
use uuid::Uuid;

use crate::config::Settings;
use crate::repo::audit::Actor;
use crate::service::keys::{self, KeyInput};
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
enum FormsCommand {
    /// Validate form files; exit 1 with one message per problem.
    Check { dir: Option<PathBuf> },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
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
            Command::Forms {
                command: FormsCommand::Check { dir },
            } => {
                let dir = dir.unwrap_or_else(|| settings.forms_dir.clone());
                match startup::load_forms(&dir) {
                    Ok(forms) => {
                        for (file, f) in forms {
                            println!("ok  {file}: {} v{} ({} items)", f.id, f.version, f.items.len());
                        }
                        Ok(())
                    }
                    Err(problems) => Err(problems.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n")),
                }
            }
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

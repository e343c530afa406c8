//! Start-up: connect, migrate, load and check the forms, bootstrap the first admin key, build the
//! actix app and bind the listener (port 0 in tests).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::{ConfigError, Settings};
use crate::domain::credentials::new_server_secret;
use crate::domain::forms::{Form, FormProblem, parse_form};
use crate::metrics::Metrics;
use crate::service::keys::Bootstrap;
use crate::state::{AppState, FormRegistry, SubmitLimiter};
use crate::{repo, routes};

/// Why the service did not start; each variant prints as clear lines, never a backtrace.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{}", .0.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))]
    Forms(Vec<FormProblem>),
    #[error("INTEGRITAS_DATABASE_URL: cannot open the database ({0})")]
    Database(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("INTEGRITAS_LISTEN: cannot listen on {addr}: {message}")]
    Listen { addr: String, message: String },
}

/// Connects with the pool settings of the backend (WAL and a busy timeout on SQLite).
pub async fn connect(settings: &Settings) -> Result<DatabaseConnection, StartupError> {
    let mut opts = ConnectOptions::new(settings.database_url.clone());
    opts.max_connections(settings.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    if settings.is_sqlite() {
        // One writer at a time is SQLite's nature; WAL lets readers run beside it, and the busy
        // timeout makes writers queue instead of failing.
        opts.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    }
    Database::connect(opts)
        .await
        .map_err(|e| StartupError::Database(crate::config::redact_url(&e.to_string())))
}

/// Reads every `*.toml` in the forms folder, keeping the file name for messages.
pub fn load_forms(dir: &std::path::Path) -> Result<Vec<(String, Form)>, Vec<FormProblem>> {
    let problem = |file: &str, message: String| FormProblem {
        file: file.to_owned(),
        field: "-".into(),
        message,
    };
    let dir_name = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| vec![problem(&dir_name, format!("cannot read the forms folder: {e}"))])?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut forms: Vec<(String, Form)> = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        let file = p.display().to_string();
        match std::fs::read_to_string(&p) {
            Err(e) => problems.push(problem(&file, format!("cannot read: {e}"))),
            Ok(text) => match parse_form(&file, &text) {
                Ok(f) => {
                    if let Some((other, _)) = forms.iter().find(|(_, g)| g.id == f.id) {
                        problems.push(FormProblem {
                            file: file.clone(),
                            field: "id".into(),
                            message: format!("form id `{}` is already defined in {other}", f.id),
                        });
                    } else {
                        forms.push((file, f));
                    }
                }
                Err(mut ps) => problems.append(&mut ps),
            },
        }
    }
    if forms.is_empty() && problems.is_empty() {
        problems.push(problem(&dir_name, "the forms folder holds no *.toml form files".into()));
    }
    if problems.is_empty() { Ok(forms) } else { Err(problems) }
}

/// Enforces the freeze rule: a form version a campaign used may not change.
fn check_frozen(files: &[(String, Form)], frozen: &[Form]) -> Result<(), Vec<FormProblem>> {
    let problems: Vec<FormProblem> = files
        .iter()
        .filter_map(|(file, f)| {
            let old = frozen.iter().find(|o| o.id == f.id && o.version == f.version)?;
            (old.fingerprint() != f.fingerprint()).then(|| FormProblem {
                file: file.clone(),
                field: "version".into(),
                message: format!(
                    "form `{}` version {} is frozen (a campaign uses it) but this file's content differs; \
                     keep the old text or bump `version` to {}",
                    f.id,
                    f.version,
                    f.version + 1
                ),
            })
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Everything but the HTTP server: database, migrations, forms, secrets, first admin key.
pub async fn prepare(settings: Settings) -> Result<AppState, StartupError> {
    settings.check_paths()?;
    let files = load_forms(&settings.forms_dir).map_err(StartupError::Forms)?;
    let db = connect(&settings).await?;
    Migrator::up(&db, None).await.map_err(|e| StartupError::Migration(e.to_string()))?;

    let frozen_rows = repo::form_versions::all(&db)
        .await
        .map_err(|e| StartupError::Database(e.to_string()))?;
    let mut frozen = Vec::new();
    for row in frozen_rows {
        let f: Form = serde_json::from_str(&row.canonical)
            .map_err(|e| StartupError::Migration(format!("stored form {} v{} is unreadable: {e}", row.form_id, row.version)))?;
        frozen.push(f);
    }
    check_frozen(&files, &frozen).map_err(StartupError::Forms)?;
    let forms = FormRegistry::new(files.into_iter().map(|(_, f)| f).collect(), frozen);

    bootstrap_admin(&db, &settings).await?;
    let secret = repo::secrets::get_or_create(&db, "render_token", new_server_secret())
        .await
        .map_err(|e| StartupError::Database(e.to_string()))?;

    let submit_turn = settings.is_sqlite().then(|| Arc::new(tokio::sync::Mutex::new(())));
    Ok(AppState {
        db,
        submit_turn,
        limiter: Arc::new(SubmitLimiter::new(settings.rate_limit)),
        settings: Arc::new(settings),
        forms: Arc::new(forms),
        render_secret: Arc::new(secret.into_bytes()),
        metrics: Arc::new(Metrics::new()),
    })
}

async fn bootstrap_admin(db: &DatabaseConnection, settings: &Settings) -> Result<(), StartupError> {
    let how = match &settings.bootstrap_admin_key {
        Some(key) => Bootstrap::Given(key),
        None => Bootstrap::Generate,
    };
    let created = crate::service::keys::bootstrap(db, how)
        .await
        .map_err(|e| StartupError::Database(format!("{e:#}")))?;
    if let Some(key) = created {
        // Printed once, to the terminal, deliberately not through the log.
        println!("No admin key existed, so one was created. It is shown only this once:\n\n    {key}\n");
    }
    Ok(())
}

/// A running (not yet awaited) server and what tests need to reach it.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        let mut settings = settings;
        let listen = settings.listen;
        let listener = TcpListener::bind(listen).map_err(|e| StartupError::Listen {
            addr: listen.to_string(),
            message: e.to_string(),
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(listen.port());
        // With port 0 (tests), the default public URL must name the port actually bound.
        if settings.public_url == format!("http://{listen}") {
            settings.public_url = format!("http://{}:{port}", listen.ip());
        }
        let state = prepare(settings).await?;
        let server = run(listener, state.clone()).map_err(|e| StartupError::Listen {
            addr: listen.to_string(),
            message: e.to_string(),
        })?;
        Ok(Application { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the server stops; background jobs run beside it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let jobs = crate::service::background::spawn(self.state.clone());
        let r = self.server.await;
        jobs.abort();
        r
    }
}

pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let metrics = web::Data::from(state.metrics.clone());
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let (app, api) = App::new()
            .into_utoipa_app()
            .openapi(<crate::openapi::ApiDoc as utoipa::OpenApi>::openapi())
            .app_data(data.clone())
            .app_data(metrics.clone())
            .app_data(routes::json_config())
            .app_data(routes::form_config())
            .app_data(routes::query_config())
            .app_data(routes::path_config())
            .app_data(web::PayloadConfig::new(routes::BODY_LIMIT))
            .configure(routes::api)
            .split_for_parts();
        app.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", crate::openapi::finish(api)))
            .configure(routes::pages)
            .default_service(web::to(routes::not_found))
            .wrap(ErrorHandlers::new().default_handler(routes::errors::fill_empty_error))
            // Pages and exports go out compressed when the client asks (11.8 KB → 3.2 KB for the form).
            .wrap(actix_web::middleware::Compress::default())
            .wrap(from_fn(routes::security_headers))
            .wrap(from_fn(crate::metrics::track))
            .wrap(TracingLogger::<crate::telemetry::QuietRootSpan>::new())
    })
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}

//! Start-up: connect, migrate, load and check the forms, bootstrap the first admin key, build the
//! actix app and bind the listener (port 0 in tests).
//!
//! Forms: the built-in ones (`domain::forms::SHIPPED`), overridden by id or added to by the files
//! of `INTEGRITAS_FORMS_DIR` when it is set. Reading that folder is the only I/O of form loading
//! ([`read_forms_dir`]); parsing, duplicate ids and the freeze rule are pure domain code.

use std::net::TcpListener;
use std::path::Path;
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
use crate::domain::credentials::{CSRF_KEY, RENDER_KEY, SESSION_KEY, derive_key, new_server_secret};
use crate::domain::forms::{self, Form, FormProblem, WHOLE_FILE};
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
    #[error("{0}")]
    KeyFile(String),
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
                // What the sealer moves out of the inbox is overwritten, not left in free pages.
                .pragma("secure_delete", "ON")
        });
    }
    Database::connect(opts)
        .await
        .map_err(|e| StartupError::Database(crate::config::redact_url(&e.to_string())))
}

/// Reads every `*.toml` file in `dir` (not recursive) as (path, text), sorted by path: the only
/// I/O of form loading. Also returns what could not be read; a folder that cannot be listed or
/// holds no form file is a problem too (a folder that adds nothing is a mistake in the path).
pub fn read_forms_dir(dir: &Path) -> (Vec<(String, String)>, Vec<FormProblem>) {
    let problem = |file: &str, message: String| FormProblem {
        file: file.to_owned(),
        field: WHOLE_FILE.into(),
        message,
    };
    let dir_name = dir.display().to_string();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return (Vec::new(), vec![problem(&dir_name, format!("cannot read the forms folder: {e}"))]),
    };
    let mut problems = Vec::new();
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) if e.path().extension().is_some_and(|x| x == "toml") && e.path().is_file() => paths.push(e.path()),
            Ok(_) => {}
            Err(e) => problems.push(problem(&dir_name, format!("cannot list a file: {e}"))),
        }
    }
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let file = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push((file, text)),
            Err(e) => problems.push(problem(&file, format!("cannot read the file: {e}"))),
        }
    }
    if files.is_empty() && problems.is_empty() {
        problems.push(problem(&dir_name, "the forms folder holds no *.toml form files".into()));
    }
    (files, problems)
}

/// Adds the problems met reading the files to those of loading them.
fn with_read_problems(
    mut read: Vec<FormProblem>,
    loaded: Result<Vec<(String, Form)>, Vec<FormProblem>>,
) -> Result<Vec<(String, Form)>, Vec<FormProblem>> {
    match loaded {
        Ok(forms) if read.is_empty() => Ok(forms),
        Ok(_) => Err(read),
        Err(p) => {
            read.extend(p);
            Err(read)
        }
    }
}

/// The forms in `dir` alone, each with its file name (`forms check DIR`, tools, benches).
pub fn load_forms(dir: &Path) -> Result<Vec<(String, Form)>, Vec<FormProblem>> {
    let (files, read) = read_forms_dir(dir);
    with_read_problems(read, forms::parse_files(&files))
}

/// The forms the service serves: the built-in ones, overridden by id or added to by the files
/// of `forms_dir` (`INTEGRITAS_FORMS_DIR`), each with its source name.
pub fn configured_forms(forms_dir: Option<&Path>) -> Result<Vec<(String, Form)>, Vec<FormProblem>> {
    let (files, read) = forms_dir.map(read_forms_dir).unwrap_or_default();
    with_read_problems(read, forms::load(&files))
}

/// Everything but the HTTP server: database, migrations, forms, secrets, first admin key.
pub async fn prepare(settings: Settings) -> Result<AppState, StartupError> {
    settings.check_paths()?;
    let files = configured_forms(settings.forms_dir.as_deref()).map_err(StartupError::Forms)?;
    let db = connect(&settings).await?;
    Migrator::up(&db, None).await.map_err(|e| StartupError::Migration(e.to_string()))?;
    // Responses of an older version that were waiting for the sealer at the upgrade.
    repo::ledger::seal_legacy(&db)
        .await
        .map_err(|e| StartupError::Migration(format!("sealing the responses stored before the upgrade: {e}")))?;

    let frozen_rows = repo::form_versions::all(&db)
        .await
        .map_err(|e| StartupError::Database(e.to_string()))?;
    let mut frozen = Vec::new();
    for row in frozen_rows {
        let f: Form = serde_json::from_str(&row.canonical)
            .map_err(|e| StartupError::Migration(format!("stored form {} v{} is unreadable: {e}", row.form_id, row.version)))?;
        frozen.push(f);
    }
    forms::check_frozen(&files, &frozen).map_err(StartupError::Forms)?;
    let registry = FormRegistry::new(files.into_iter().map(|(_, f)| f).collect(), frozen);

    bootstrap_admin(&db, &settings).await?;
    let master = master_secret(&settings)?;
    let key = |purpose| Arc::new(derive_key(master.as_bytes(), purpose));

    let writer_turn = settings.is_sqlite().then(|| Arc::new(tokio::sync::Mutex::new(())));
    let group_commit = crate::group_commit::GroupCommit::start(db.clone(), writer_turn.clone());
    Ok(AppState {
        db,
        writer_turn,
        group_commit,
        limiter: Arc::new(SubmitLimiter::new(settings.rate_limit, settings.rate_limit_keys)),
        settings: Arc::new(settings),
        forms: Arc::new(registry),
        render_secret: key(RENDER_KEY),
        session_key: key(SESSION_KEY),
        csrf_key: key(CSRF_KEY),
        metrics: Arc::new(Metrics::new()),
    })
}

/// The master secret the signing keys are derived from: `INTEGRITAS_SECRET`, else the key file
/// (created at first start, readable by this user only), else — an in-memory database, which
/// keeps nothing across restarts anyway — a fresh one for this process. Never the database: a
/// copy of it must not be enough to forge a session.
pub fn master_secret(settings: &Settings) -> Result<String, StartupError> {
    if let Some(s) = &settings.secret {
        return Ok(s.clone());
    }
    let Some(path) = settings.key_file() else {
        return Ok(new_server_secret());
    };
    let problem = |what: &str, e: std::io::Error| {
        StartupError::KeyFile(format!(
            "INTEGRITAS_KEY_FILE: cannot {what} the key file {}: {e} (set INTEGRITAS_SECRET, or INTEGRITAS_KEY_FILE to a writable place)",
            path.display()
        ))
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let secret = text.trim().to_owned();
            if crate::domain::credentials::estimated_bits(&secret) < crate::config::MIN_SECRET_BITS {
                return Err(StartupError::KeyFile(format!(
                    "INTEGRITAS_KEY_FILE: the key file {} holds no strong secret (delete it to have a new one made, which ends every session and open form)",
                    path.display()
                )));
            }
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = new_server_secret();
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = match opts.open(&path) {
                // Another replica on the same volume made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return master_secret(settings),
                other => other.map_err(|e| problem("create", e))?,
            };
            std::io::Write::write_all(&mut f, format!("{secret}\n").as_bytes()).map_err(|e| problem("write", e))?;
            f.sync_all().map_err(|e| problem("write", e))?;
            tracing::info!(path = %path.display(), "created the key file (the signing keys' secret); back it up with the database");
            Ok(secret)
        }
        Err(e) => Err(problem("read", e)),
    }
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
        let public_url_warning = settings.public_url_warning();
        let state = prepare(settings).await?;
        // Once the service is sure to start, before the first poster is printed: in the log and,
        // as logs may go elsewhere or be filtered, on stderr too.
        if let Some(warning) = public_url_warning {
            tracing::warn!("{warning}");
            eprintln!("warning: {warning}");
        }
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

/// Turns Nagle's algorithm off on each accepted connection.
fn no_delay(conn: &dyn std::any::Any, _: &mut actix_web::dev::Extensions) {
    if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>()
        && let Err(e) = tcp.set_nodelay(true)
    {
        tracing::warn!(error = %e, "could not set TCP_NODELAY on a connection");
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
            .wrap(from_fn(routes::body_timeout))
            .wrap(from_fn(crate::metrics::track))
            .wrap(TracingLogger::<crate::telemetry::QuietRootSpan>::new())
    })
    // Without TCP_NODELAY a compressed answer (written in two parts) waits for the client's
    // delayed acknowledgement, ~40 ms a request on a keep-alive connection (issue 17).
    .on_connect(no_delay)
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(server)
}

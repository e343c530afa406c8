//! `spawn_app()` and friends.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use integritas::config::Settings;
use integritas::startup::Application;
use sea_orm::sqlx::Connection;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

/// Every log line of this test binary, so tests can prove what is never logged.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.get_or_init(Default::default).lock().unwrap()).into_owned()
}

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = std::io::stderr().write_all(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let buf = LOGS.get_or_init(Default::default).clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn,tracing_actix_web=error")
            .with_ansi(false)
            .with_writer(move || Capture(buf.clone()))
            .try_init();
    });
}

pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdefghijklmnop";

/// The master secret of test servers (`INTEGRITAS_SECRET`): tests derive the keys from it.
pub const TEST_SECRET: &str = "test-secret-Qm7RzX2pL9vK4wN8bT3yH6jF1cD5sA0e";

/// The render-token key of a test server.
pub fn render_key() -> Vec<u8> {
    integritas::domain::credentials::derive_key(TEST_SECRET.as_bytes(), integritas::domain::credentials::RENDER_KEY)
}

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    pub admin_key: String,
    /// The server's state, for calling services the API does not expose (the full ledger
    /// re-check).
    pub state: integritas::state::AppState,
    pg: Option<(String, String)>,
    _keeper: Option<sea_orm::sqlx::SqliteConnection>,
}

/// The test server with the default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The test server, with settings adjusted by `f` (rate limits, speeder threshold, …).
pub async fn spawn_app_with(f: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    init_logs();
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("INTEGRITAS_LISTEN".into(), "127.0.0.1:0".into());
    env.insert("INTEGRITAS_BOOTSTRAP_ADMIN_KEY".into(), ADMIN_KEY.into());
    env.insert("INTEGRITAS_SECRET".into(), TEST_SECRET.into());
    env.insert("INTEGRITAS_RATE_LIMIT".into(), "off".into());
    env.insert("INTEGRITAS_MIN_SECONDS".into(), "0".into());
    env.insert("INTEGRITAS_DB_POOL".into(), "8".into());
    let memory_url = format!(
        "sqlite:file:integritas-test-{}?mode=memory&cache=shared",
        uuid::Uuid::new_v4().simple()
    );
    let pg = match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!("integritas_test_{}", uuid::Uuid::new_v4().simple());
            create_pg_database(&admin_url, &name).await;
            env.insert("INTEGRITAS_DATABASE_URL".into(), replace_db_name(&admin_url, &name));
            Some((admin_url, name))
        }
        _ => {
            env.insert("INTEGRITAS_DATABASE_URL".into(), memory_url.clone());
            None
        }
    };
    // A named in-memory database lives as long as one connection to it is open. The pool may
    // close and reopen its connections (it did once in CI, and the test then met an empty
    // database), so the test holds one connection of its own for its whole life.
    let keeper = match pg {
        None => Some(
            sea_orm::sqlx::SqliteConnection::connect(&memory_url)
                .await
                .expect("the in-memory test database"),
        ),
        Some(_) => None,
    };
    f(&mut env);
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings");
    let app = Application::build(settings).await.expect("the test server starts");
    let port = app.port();
    let state = app.state().clone();
    let db = state.db.clone();
    tokio::spawn(app.run_until_stopped());
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        db,
        client,
        admin_key: ADMIN_KEY.into(),
        state,
        pg,
        _keeper: keeper,
    }
}

pub fn replace_db_name(url: &str, name: &str) -> String {
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

async fn create_pg_database(admin_url: &str, name: &str) {
    let db = sea_orm::Database::connect(admin_url).await.expect("TEST_DATABASE_URL reachable");
    db.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    let _ = db.close().await;
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take() {
            // The test's runtime is shutting down; drop the database from a runtime of our own.
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

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> reqwest::Response {
        let mut r = self.client.get(self.url(path));
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        r.send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, key: Option<&str>, body: &Value) -> reqwest::Response {
        let mut r = self.client.post(self.url(path)).json(body);
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        r.send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, key: Option<&str>) -> reqwest::Response {
        let mut r = self.client.delete(self.url(path));
        if let Some(k) = key {
            r = r.bearer_auth(k);
        }
        r.send().await.unwrap()
    }

    /// Creates a unit (as admin) and returns its JSON.
    pub async fn create_unit(&self, slug: &str) -> Value {
        let r = self
            .post_json(
                "/api/v1/units",
                Some(&self.admin_key),
                &json!({"slug": slug, "name": format!("Unit {slug}"), "instansi": "Kementerian Contoh",
                        "service_types": ["Paspor", "Visa", "Izin Tinggal"]}),
            )
            .await;
        assert_eq!(r.status(), 201, "create unit");
        r.json().await.unwrap()
    }

    /// Creates a key (as admin) and returns (id, key).
    pub async fn create_key(&self, role: &str, unit_id: Option<&str>) -> (String, String) {
        self.create_key_named(&format!("{role} key"), role, unit_id).await
    }

    /// Creates a key with this name (as admin) and returns (id, key).
    pub async fn create_key_named(&self, name: &str, role: &str, unit_id: Option<&str>) -> (String, String) {
        let r = self
            .post_json(
                "/api/v1/keys",
                Some(&self.admin_key),
                &json!({"name": name, "role": role, "unit_id": unit_id}),
            )
            .await;
        assert_eq!(r.status(), 201, "create key");
        let v: Value = r.json().await.unwrap();
        (v["id"].as_str().unwrap().to_owned(), v["key"].as_str().unwrap().to_owned())
    }

    /// Every text value of every row of every table, for "is this secret stored anywhere" scans.
    pub async fn dump_database(&self) -> String {
        let backend = self.db.get_database_backend();
        let tables_sql = match backend {
            sea_orm::DbBackend::Postgres => "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
            _ => "SELECT name FROM sqlite_master WHERE type = 'table'",
        };
        let rows = self.db.query_all_raw(Statement::from_string(backend, tables_sql)).await.unwrap();
        let mut out = String::new();
        for row in rows {
            let table: String = row.try_get("", "name").unwrap();
            let sql = match backend {
                sea_orm::DbBackend::Postgres =>
                // An alias no table has as a column name (`ledger_tally` has a column `t`).
                {
                    format!("SELECT row_to_json(whole_row)::text AS j FROM \"{table}\" whole_row")
                }
                _ => format!("SELECT * FROM \"{table}\""),
            };
            let rows = self.db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
            for r in rows {
                match backend {
                    sea_orm::DbBackend::Postgres => {
                        let j: String = r.try_get("", "j").unwrap();
                        out.push_str(&j);
                    }
                    _ => {
                        for c in r.column_names() {
                            if let Ok(v) = r.try_get::<Option<String>>("", &c) {
                                out.push_str(&v.unwrap_or_default());
                                out.push('|');
                            }
                        }
                    }
                }
                out.push('\n');
            }
        }
        out
    }

    /// Closes a campaign (as admin): everything waiting in the inbox is sealed.
    pub async fn close_campaign(&self, campaign_id: &str) {
        let r = self
            .post_json(&format!("/api/v1/campaigns/{campaign_id}/close"), Some(&self.admin_key), &json!({}))
            .await;
        assert_eq!(r.status(), 200, "close campaign");
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self.db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }
}

/// The id of some row of `table` (as text).
pub async fn first_id(app: &TestApp, table: &str) -> String {
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => format!("SELECT id::text AS id FROM \"{table}\" LIMIT 1"),
        _ => format!("SELECT id FROM \"{table}\" LIMIT 1"),
    };
    let row = app
        .db
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .expect("a row");
    match row.try_get::<String>("", "id") {
        Ok(s) => s,
        Err(_) => row.try_get::<uuid::Uuid>("", "id").unwrap().to_string(),
    }
}

/// Asserts a problem+json answer with this status, and returns its body.
pub async fn assert_problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status, "status");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(ct.starts_with("application/problem+json"), "content type {ct}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"].as_u64(), Some(status as u64));
    assert!(v["type"].is_string() && v["title"].is_string() && v["detail"].is_string(), "{v}");
    v
}

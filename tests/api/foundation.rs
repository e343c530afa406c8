//! The foundation: health, readiness, metrics, OpenAPI and docs, forms, units and keys, start-up
//! refusals.

use std::collections::HashMap;

use integritas::config::Settings;
use integritas::startup::{StartupError, prepare};
use serde_json::{Value, json};

use crate::helpers::{ADMIN_KEY, replace_db_name, spawn_app};

#[tokio::test]
async fn health_ready_and_metrics() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status(), 200);
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status(), 200);
    let m = app.get("/metrics", Some(&app.admin_key)).await.text().await.unwrap();
    assert!(m.contains("integritas_http_requests_total"), "{m}");
    assert!(m.contains("route=\"/readyz\""), "{m}");
    assert!(m.contains("integritas_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.clone().close().await.unwrap();
    let r = app.get("/readyz", None).await;
    crate::helpers::assert_problem(r, 503).await;
    // Liveness is unaffected.
    assert_eq!(app.get("/healthz", None).await.status(), 200);
}

#[tokio::test]
async fn openapi_and_offline_docs() {
    let app = spawn_app().await;
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(spec["paths"]["/api/v1/units"]["post"].is_object());
    // Every error is documented as RFC 9457 problem+json, and every operation lists the errors
    // the framework itself can answer with.
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (code, resp) in op["responses"].as_object().unwrap() {
                if code.starts_with('4') || code.starts_with('5') {
                    assert!(resp["content"].get("application/problem+json").is_some(), "{method} {path} {code}");
                    assert!(resp["content"].get("application/json").is_none(), "{method} {path} {code}");
                }
            }
            for code in ["400", "404", "422", "503"] {
                assert!(op["responses"].get(code).is_some(), "{method} {path} documents {code}");
            }
        }
    }
    let r = app.get("/docs/", None).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Everything the page loads comes from this server.
    for attr in ["src=\"http", "href=\"http"] {
        assert!(!html.contains(attr), "docs page loads from another host: {attr}");
    }
    for asset in ["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js"] {
        assert_eq!(app.get(asset, None).await.status(), 200, "{asset}");
    }
}

#[tokio::test]
async fn forms_are_served_with_their_contract_ids() {
    let app = spawn_app().await;
    let forms: Value = app.get("/api/v1/forms", None).await.json().await.unwrap();
    let ids: Vec<&str> = forms.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["ipak", "ipkp", "skm"]);
    let ipak: Value = app.get("/api/v1/forms/ipak", None).await.json().await.unwrap();
    let items: Vec<&str> = ipak["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(items, vec!["diskriminasi", "kecurangan", "gratifikasi", "pungli", "percaloan"]);
    assert_eq!(ipak["screening"][0]["id"], "diarahkan");
    assert_eq!(app.get("/api/v1/forms/nope", None).await.status(), 404);
}

#[tokio::test]
async fn units_are_created_and_read() {
    let app = spawn_app().await;
    let u = app.create_unit("kpp-bogor").await;
    assert_eq!(u["slug"], "kpp-bogor");
    assert_eq!(u["service_types"], json!(["Paspor", "Visa", "Izin Tinggal"]));
    assert_eq!(u["default_rule"], "permenpanrb-90-2021");
    let id = u["id"].as_str().unwrap();
    let got: Value = app
        .get(&format!("/api/v1/units/{id}"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, u);
    let missing = uuid::Uuid::new_v4();
    assert_eq!(
        app.get(&format!("/api/v1/units/{missing}"), Some(&app.admin_key)).await.status(),
        404
    );
}

#[tokio::test]
async fn keys_are_shown_once_and_stored_only_as_hashes() {
    let app = spawn_app().await;
    let u = app.create_unit("unit-a").await;
    let (_, op) = app.create_key("operator", u["id"].as_str()).await;
    let (_, assessor) = app.create_key("assessor", None).await;
    assert!(op.len() >= 40);
    let dump = app.dump_database().await;
    assert!(
        dump.contains(&integritas::domain::credentials::hash_secret(&op)),
        "the hash is stored"
    );
    for secret in [&op, &assessor, &ADMIN_KEY.to_owned()] {
        assert!(!dump.contains(secret.as_str()), "a key is stored in plaintext");
    }
    // An operator key needs an existing unit; other roles take none.
    let r = app
        .post_json("/api/v1/keys", Some(&app.admin_key), &json!({"name": "x", "role": "operator"}))
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_json(
            "/api/v1/keys",
            Some(&app.admin_key),
            &json!({"name": "x", "role": "assessor", "unit_id": u["id"]}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_json("/api/v1/keys", Some(&app.admin_key), &json!({"name": "x", "role": "root"}))
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.delete(&format!("/api/v1/keys/{}", uuid::Uuid::new_v4()), Some(&app.admin_key))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn sample_size_endpoint() {
    let app = spawn_app().await;
    let v: Value = app.get("/api/v1/sample-size?population=1000", None).await.json().await.unwrap();
    assert_eq!(v, json!({"population": 1000, "krejcie_morgan": 278, "required_n": 278}));
    let v: Value = app.get("/api/v1/sample-size?population=20", None).await.json().await.unwrap();
    assert_eq!(v["required_n"], 20);
    let v: Value = app.get("/api/v1/sample-size", None).await.json().await.unwrap();
    assert_eq!(v["required_n"], 384);
    assert_eq!(v["population"], Value::Null);
}

fn settings_with(forms_dir: &std::path::Path, db_url: &str) -> Settings {
    let mut env: HashMap<&str, String> = HashMap::new();
    env.insert("INTEGRITAS_FORMS_DIR", forms_dir.display().to_string());
    env.insert("INTEGRITAS_DATABASE_URL", db_url.to_owned());
    env.insert("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY.to_owned());
    env.insert("INTEGRITAS_SECRET", crate::helpers::TEST_SECRET.to_owned());
    Settings::from_lookup(|k| env.get(k).cloned()).unwrap()
}

fn temp_forms_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("integritas-forms-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["ipak.toml", "ipkp.toml", "skm.toml"] {
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/forms/").to_owned() + f, dir.join(f)).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_broken_form_file_refuses_start_up_naming_file_and_field() {
    let fixtures = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/forms"));
    let cases = [
        ("duplicate_item_ids.toml", "items"),
        ("weights_not_summing_to_one.toml", "weight"),
        ("empty_text.toml", "text"),
        ("bad_scale_max.toml", "scale"),
        ("bad_scale_label_count.toml", "scale"),
        ("missing_version.toml", "version"),
        ("unknown_key.toml", ""),
    ];
    for (file, field) in cases {
        let dir = temp_forms_dir();
        std::fs::copy(fixtures.join(file), dir.join(file)).unwrap();
        let err = match prepare(settings_with(&dir, "sqlite::memory:")).await {
            Err(e) => e,
            Ok(_) => panic!("{file} was accepted"),
        };
        assert!(matches!(err, StartupError::Forms(_)), "{file}: {err}");
        let msg = err.to_string();
        assert!(msg.contains(file), "{file}: message does not name the file: {msg}");
        assert!(msg.contains(field), "{file}: message does not name `{field}`: {msg}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[tokio::test]
async fn a_changed_frozen_form_version_is_refused() {
    // A database that outlives one start: a temporary SQLite file, or a fresh PostgreSQL database.
    let (url, _guard) = persistent_database().await;
    let dir = temp_forms_dir();
    let state = prepare(settings_with(&dir, &url)).await.expect("first start");
    let ipak = state.forms.current("ipak").unwrap();
    integritas::repo::form_versions::freeze(&state.db, &ipak).await.unwrap();
    let _ = state.db.close().await;

    // Same id and version, different text.
    let path = dir.join("ipak.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("Survei Persepsi Anti Korupsi", "Survei Persepsi Anti Korupsi (diubah)", 1),
    )
    .unwrap();
    let err = match prepare(settings_with(&dir, &url)).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a changed frozen form was accepted"),
    };
    assert!(
        err.contains("ipak.toml") && err.contains("frozen") && err.contains("version"),
        "{err}"
    );

    // Bumping the version is the way out, and the old version stays servable.
    std::fs::write(
        &path,
        std::fs::read_to_string(&path).unwrap().replacen("version = 1", "version = 2", 1),
    )
    .unwrap();
    let state = prepare(settings_with(&dir, &url)).await.expect("bumped version starts");
    assert_eq!(state.forms.current("ipak").unwrap().version, 2);
    assert!(state.forms.version("ipak", 1).is_some());
    let _ = state.db.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn wrong_configuration_names_the_variable() {
    let e = Settings::from_lookup(|k| (k == "INTEGRITAS_LISTEN").then(|| "not-an-address".to_owned())).unwrap_err();
    assert!(e.to_string().starts_with("INTEGRITAS_LISTEN: "));
    let dir = std::path::PathBuf::from("/definitely/not/here");
    let err = match prepare(settings_with(&dir, "sqlite::memory:")).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("missing forms dir accepted"),
    };
    assert!(err.starts_with("INTEGRITAS_FORMS_DIR: "), "{err}");
}

/// A folder of form files that override the built-in `ipak` (a new title) and add a form `t`.
fn override_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("integritas-override-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let ipak = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/forms/ipak.toml")).unwrap();
    let ipak = ipak.replacen("Survei Persepsi Anti Korupsi", "Survei Persepsi Anti Korupsi Kantor Kami", 1);
    assert!(ipak.contains("Kantor Kami"));
    std::fs::write(dir.join("ipak.toml"), ipak).unwrap();
    std::fs::write(
        dir.join("tambahan.toml"),
        "id = \"tambahan\"\nversion = 1\nindex_name = \"IKM\"\ntitle = { id = \"Survei tambahan\", en = \"Extra survey\" }\n\
         [scale]\nmax = 2\nlabels = [{ id = \"Tidak\", en = \"No\" }, { id = \"Ya\", en = \"Yes\" }]\n\
         [[items]]\nid = \"a\"\ntext = { id = \"A\", en = \"A\" }\n",
    )
    .unwrap();
    dir
}

#[tokio::test]
async fn the_forms_dir_overrides_built_in_forms_by_id_and_adds_new_ones() {
    let dir = override_dir();
    let d = dir.display().to_string();
    let app = crate::helpers::spawn_app_with(move |env| {
        env.insert("INTEGRITAS_FORMS_DIR".into(), d);
    })
    .await;
    let forms: Value = app.get("/api/v1/forms", None).await.json().await.unwrap();
    let ids: Vec<&str> = forms.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ipak", "ipkp", "skm", "tambahan"]);
    let ipak: Value = app.get("/api/v1/forms/ipak", None).await.json().await.unwrap();
    assert_eq!(ipak["title"]["id"], "Survei Persepsi Anti Korupsi Kantor Kami");
    // A campaign on the overriding form freezes the file's content.
    let (_, c) = crate::campaigns::unit_and_campaign(&app, "ipak").await;
    assert_eq!((c["form"].as_str(), c["form_version"].as_i64()), (Some("ipak"), Some(1)));
    let frozen = integritas::repo::form_versions::all(&app.db).await.unwrap();
    let ipak = frozen.iter().find(|f| f.form_id == "ipak").unwrap();
    assert!(ipak.canonical.contains("Kantor Kami"), "{}", ipak.canonical);
    let _ = std::fs::remove_dir_all(dir);
}

/// The freeze rule holds across overrides: once a campaign used the overriding text, starting
/// without the override (the built-in text under the same version) is refused, naming it.
#[tokio::test]
async fn dropping_a_frozen_override_is_refused() {
    let (url, _guard) = persistent_database().await;
    let dir = override_dir();
    let state = prepare(settings_with(&dir, &url)).await.expect("start with the override");
    let ipak = state.forms.current("ipak").unwrap();
    integritas::repo::form_versions::freeze(&state.db, &ipak).await.unwrap();
    let _ = state.db.close().await;
    let mut without = settings_with(&dir, &url);
    without.forms_dir = None;
    let err = match prepare(without).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("the built-in text replaced a frozen override"),
    };
    assert!(
        err.starts_with("forms/ipak.toml (built in): version: form `ipak` version 1 is frozen"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_broken_override_refuses_start_up_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("integritas-override-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let ipkp = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/forms/ipkp.toml")).unwrap();
    std::fs::write(dir.join("ipkp.toml"), ipkp.replacen("max = 4", "max = 40", 1)).unwrap();
    let err = match prepare(settings_with(&dir, "sqlite::memory:")).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a broken override was accepted"),
    };
    let file = dir.join("ipkp.toml").display().to_string();
    assert!(err.starts_with(&format!("{file}: scale.max: ")), "{err}");
    // An empty folder adds nothing: a mistake in the path, refused.
    std::fs::remove_file(dir.join("ipkp.toml")).unwrap();
    let err = match prepare(settings_with(&dir, "sqlite::memory:")).await {
        Err(e) => e.to_string(),
        Ok(_) => panic!("an empty forms folder was accepted"),
    };
    assert!(err.contains("no *.toml form files"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The binary started in an empty folder, with no INTEGRITAS_* variable but the address and the
/// key: it serves the built-in forms (and keeps its SQLite file in that folder).
#[tokio::test]
async fn the_binary_starts_from_any_folder_with_the_built_in_forms() {
    struct Killed(std::process::Child, std::path::PathBuf);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
            let _ = std::fs::remove_dir_all(&self.1);
        }
    }
    let dir = std::env::temp_dir().join(format!("integritas-cwd-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = crate::reliability::free_port();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_integritas"));
    for (k, _) in std::env::vars() {
        if k.starts_with("INTEGRITAS_") {
            cmd.env_remove(k);
        }
    }
    let child = cmd
        .arg("serve")
        .current_dir(&dir)
        .env("INTEGRITAS_LISTEN", format!("127.0.0.1:{port}"))
        .env("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut server = Killed(child, dir.clone());
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let forms: Value = loop {
        if let Ok(r) = client.get(format!("http://127.0.0.1:{port}/api/v1/forms")).send().await
            && r.status() == 200
        {
            break r.json().await.unwrap();
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!(
                "the server stopped ({status}):\n{}",
                std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
            );
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no answer within 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let ids: Vec<&str> = forms.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ipak", "ipkp", "skm"]);
    assert!(
        dir.join("integritas.db").exists(),
        "the default database lives in the working folder"
    );
}

/// `forms check` without a folder checks what the service would serve, from any working folder.
#[test]
fn forms_check_runs_from_any_folder_and_names_overrides() {
    let bin = env!("CARGO_BIN_EXE_integritas");
    let cwd = std::env::temp_dir().join(format!("integritas-cwd-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&cwd).unwrap();
    let out = std::process::Command::new(bin)
        .args(["forms", "check"])
        .current_dir(&cwd)
        .env_remove("INTEGRITAS_FORMS_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("ok  forms/ipak.toml (built in): ipak v1 (5 items)"),
        "{stdout}"
    );

    let dir = override_dir();
    let out = std::process::Command::new(bin)
        .args(["forms", "check"])
        .current_dir(&cwd)
        .env("INTEGRITAS_FORMS_DIR", &dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let ipak = dir.join("ipak.toml").display().to_string();
    assert!(
        stdout.contains(&format!("ok  {ipak}: ipak v1 (5 items, overrides the built-in form)")),
        "{stdout}"
    );
    assert!(stdout.contains("ok  forms/skm.toml (built in): skm v1"), "{stdout}");
    assert!(stdout.contains("tambahan.toml: tambahan v1 (1 items)"), "{stdout}");
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_dir_all(cwd);
}

/// Drops the PostgreSQL database (or removes the SQLite file) when the test ends.
pub struct DbGuard(Option<(String, String)>, Option<std::path::PathBuf>);

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let Some(p) = self.1.take() {
            let _ = std::fs::remove_file(&p);
        }
        if let Some((admin, name)) = self.0.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async move {
                    use sea_orm::ConnectionTrait;
                    if let Ok(db) = sea_orm::Database::connect(&admin).await {
                        let _ = db
                            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

pub async fn persistent_database() -> (String, DbGuard) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            use sea_orm::ConnectionTrait;
            let name = format!("integritas_test_{}", uuid::Uuid::new_v4().simple());
            let db = sea_orm::Database::connect(&admin).await.unwrap();
            db.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            let _ = db.close().await;
            (replace_db_name(&admin, &name), DbGuard(Some((admin, name)), None))
        }
        _ => {
            let path = std::env::temp_dir().join(format!("integritas-test-{}.db", uuid::Uuid::new_v4().simple()));
            (format!("sqlite://{}?mode=rwc", path.display()), DbGuard(None, Some(path)))
        }
    }
}

#[test]
fn the_command_line_checks_forms_and_creates_keys() {
    let bin = env!("CARGO_BIN_EXE_integritas");
    let ok = std::process::Command::new(bin)
        .args(["forms", "check", concat!(env!("CARGO_MANIFEST_DIR"), "/forms")])
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert_eq!(String::from_utf8_lossy(&ok.stdout).lines().count(), 3);
    let bad = std::process::Command::new(bin)
        .args(["forms", "check", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/forms")])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.lines().count() >= 7, "one line per problem: {err}");
    assert!(err.contains("duplicate_item_ids.toml: items"), "{err}");

    let db = std::env::temp_dir().join(format!("integritas-cli-{}.db", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let key = std::process::Command::new(bin)
        .args(["key", "create", "--role", "assessor", "--name", "TPN"])
        .env("INTEGRITAS_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(key.status.success(), "{}", String::from_utf8_lossy(&key.stderr));
    let printed = String::from_utf8_lossy(&key.stdout).trim().to_owned();
    assert!(printed.starts_with("itg_") && printed.len() > 40);
    let no_unit = std::process::Command::new(bin)
        .args(["key", "create", "--role", "operator", "--name", "op"])
        .env("INTEGRITAS_DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(no_unit.status.code(), Some(1));
    let wrong = std::process::Command::new(bin)
        .env("INTEGRITAS_LISTEN", "nowhere")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).starts_with("error: INTEGRITAS_LISTEN: "),
        "one clear line, no backtrace"
    );
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
    }
}

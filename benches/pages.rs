//! Figures for BENCHMARKS.md, "The citizen's survey": the size of the ipkp form page, its
//! server-side render time, and the latency of `GET /s/{code}` and of a JSON submit through the
//! real server on a temp-file SQLite database, each beside a baseline measured in the same run
//! (the same database work done directly through sea-orm).
//!
//! `cargo bench --bench pages` (release). Prints a Markdown table.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use integritas::config::Settings;
use integritas::domain::credentials::sign_render_token;
use integritas::domain::forms::Lang;
use integritas::pages::{SurveyPage, survey_page};
use integritas::startup::{Application, load_forms};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait, Value as DbValue};
use serde_json::{Value, json};

const RENDERS: usize = 10_000;
const REQUESTS: usize = 2_000;
const WARMUP: usize = 200;
const ADMIN_KEY: &str = "bench-admin-key-0123456789abcdefghijklmnopq";
const UNIT_NAME: &str = "Kantor Imigrasi Kelas I Jakarta Selatan";
const CAMPAIGN_TITLE: &str = "IPKP Semester I 2026";
const SERVICE_TYPES: [&str; 3] = ["Paspor", "Visa", "Izin Tinggal"];
const IPKP: [&str; 8] = [
    "informasi",
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "sarana",
    "respons",
    "pengaduan",
];

/// Median and 99th percentile of a set of durations, in microseconds.
struct Stats {
    median: f64,
    p99: f64,
}

fn stats(mut d: Vec<Duration>) -> Stats {
    d.sort_unstable();
    let at = |q: f64| {
        let i = ((q * d.len() as f64).ceil() as usize).clamp(1, d.len()) - 1;
        d[i].as_secs_f64() * 1e6
    };
    Stats {
        median: at(0.5),
        p99: at(0.99),
    }
}

fn gzip(bytes: &[u8], level: Compression) -> usize {
    let mut e = GzEncoder::new(Vec::new(), level);
    e.write_all(bytes).unwrap();
    e.finish().unwrap().len()
}

fn forms_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("forms")
}

/// 10,000 renders of the ipkp form page, built as `routes::citizen` builds it.
fn render_times(code: &str) -> (Stats, String) {
    let forms = load_forms(&forms_dir()).unwrap_or_else(|p| panic!("forms: {p:?}"));
    let form = forms.into_iter().map(|(_, f)| f).find(|f| f.id == "ipkp").expect("forms/ipkp.toml");
    let services: Vec<String> = SERVICE_TYPES.iter().map(|s| s.to_string()).collect();
    let secret = [7u8; 32];
    let action = format!("/s/{code}");
    let other = format!("/s/{code}?lang=en");
    let (values, errors) = (BTreeMap::new(), BTreeMap::new());
    let render = || {
        let token = sign_render_token(&secret, code, chrono::Utc::now().timestamp());
        survey_page(&SurveyPage {
            lang: Lang::Id,
            form: &form,
            unit_name: UNIT_NAME,
            campaign_title: CAMPAIGN_TITLE,
            service_types: &services,
            action: &action,
            lang_switch_url: &other,
            render_token: &token,
            values: &values,
            errors: &errors,
        })
    };
    let mut last = String::new();
    for _ in 0..WARMUP {
        last = std::hint::black_box(render());
    }
    let mut times = Vec::with_capacity(RENDERS);
    for _ in 0..RENDERS {
        let t = Instant::now();
        let page = std::hint::black_box(render());
        times.push(t.elapsed());
        drop(page);
    }
    (stats(times), last)
}

struct Server {
    base: String,
    db: DatabaseConnection,
    client: reqwest::Client,
}

impl Server {
    async fn start(db_file: &Path) -> Server {
        let mut env: HashMap<&str, String> = HashMap::new();
        env.insert("INTEGRITAS_LISTEN", "127.0.0.1:0".into());
        env.insert("INTEGRITAS_FORMS_DIR", forms_dir().display().to_string());
        env.insert("INTEGRITAS_BOOTSTRAP_ADMIN_KEY", ADMIN_KEY.into());
        env.insert("INTEGRITAS_RATE_LIMIT", "off".into());
        env.insert("INTEGRITAS_MIN_SECONDS", "0".into());
        env.insert("INTEGRITAS_DATABASE_URL", format!("sqlite://{}?mode=rwc", db_file.display()));
        let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("bench settings");
        let app = Application::build(settings).await.expect("the server starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        let db = app.state().db.clone();
        tokio::spawn(app.run_until_stopped());
        Server {
            base,
            db,
            client: reqwest::Client::new(),
        }
    }

    async fn admin_post(&self, path: &str, body: Value) -> Value {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(ADMIN_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{path}");
        r.json().await.unwrap()
    }

    async fn render_token(&self, code: &str) -> String {
        let v: Value = self
            .client
            .get(format!("{}/api/v1/respond/{code}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["render_token"].as_str().unwrap().to_owned()
    }
}

fn submission(token: &str) -> Value {
    json!({
        "answers": IPKP.iter().map(|i| (i.to_string(), json!(3))).collect::<serde_json::Map<_, _>>(),
        "screening": {"diarahkan": "tidak"},
        "demographics": {"usia": "25-39", "layanan": "Visa"},
        "render_token": token,
    })
}

fn stmt(db: &DatabaseConnection, sql: &str, values: Vec<DbValue>) -> sea_orm::Statement {
    integritas::repo::stmt(db, sql, values)
}

/// What `GET /s/{code}` reads: the link by code, its campaign, its unit.
async fn baseline_reads(db: &DatabaseConnection, code: &str, campaign: uuid::Uuid, unit: uuid::Uuid) {
    let link = db
        .query_one_raw(stmt(db, "SELECT * FROM open_link WHERE code = $1", vec![code.into()]))
        .await
        .unwrap();
    assert!(link.is_some());
    let c = db
        .query_one_raw(stmt(db, "SELECT * FROM campaign WHERE id = $1", vec![campaign.into()]))
        .await
        .unwrap();
    assert!(c.is_some());
    let u = db
        .query_one_raw(stmt(db, "SELECT * FROM unit WHERE id = $1", vec![unit.into()]))
        .await
        .unwrap();
    assert!(u.is_some());
}

/// What a submit writes (`repo::responses::insert`): one transaction, three INSERTs.
async fn baseline_insert(db: &DatabaseConnection, campaign: uuid::Uuid, link: uuid::Uuid) {
    let id = uuid::Uuid::new_v4();
    let txn = db.begin().await.unwrap();
    let on = chrono::Utc::now().date_naive();
    txn.execute_raw(stmt(
        db,
        "INSERT INTO response (id, campaign_id, submitted_on, channel, open_link_id, link_label, score, total, speeder, diarahkan, flagged, content_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        vec![
            id.into(),
            campaign.into(),
            on.into(),
            "open_link".into(),
            Some(link).into(),
            Some("Loket 2".to_owned()).into(),
            75.0f64.into(),
            24i32.into(),
            false.into(),
            false.into(),
            false.into(),
            "0".repeat(64).into(),
        ],
    ))
    .await
    .unwrap();
    let mut sql = String::from("INSERT INTO answer (response_id, campaign_id, item, value, flagged) VALUES ");
    let mut values: Vec<DbValue> = Vec::new();
    for (i, item) in IPKP.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        let n = values.len();
        sql.push_str(&format!("(${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5));
        values.extend([id.into(), campaign.into(), item.to_string().into(), 3i16.into(), false.into()]);
    }
    txn.execute_raw(stmt(db, &sql, values)).await.unwrap();
    let mut sql = String::from("INSERT INTO response_field (response_id, campaign_id, kind, key, value, score) VALUES ");
    let mut values: Vec<DbValue> = Vec::new();
    for (i, (kind, key, value)) in [
        ("screening", "diarahkan", "tidak"),
        ("demographic", "usia", "25-39"),
        ("demographic", "layanan", "Visa"),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            sql.push(',');
        }
        let n = values.len();
        sql.push_str(&format!("(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
        values.extend([id.into(), campaign.into(), kind.into(), key.into(), value.into(), 75.0f64.into()]);
    }
    txn.execute_raw(stmt(db, &sql, values)).await.unwrap();
    txn.commit().await.unwrap();
}

async fn timed<F: std::future::Future<Output = ()>>(n: usize, mut f: impl FnMut() -> F) -> Stats {
    for _ in 0..WARMUP {
        f().await;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        times.push(t.elapsed());
    }
    stats(times)
}

fn row(what: &str, s: &Stats, base: Option<&Stats>) -> String {
    let ratio = base.map_or("".to_owned(), |b| format!(" {:.1}× / {:.1}×", s.median / b.median, s.p99 / b.p99));
    format!("| {what} | {:.1} | {:.1} |{ratio} |", s.median, s.p99)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("integritas-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(run(&dir.join("bench.db")));
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}

async fn run(db_file: &Path) {
    let server = Server::start(db_file).await;
    let unit = server
        .admin_post(
            "/api/v1/units",
            json!({"slug": "kanim-jaksel", "name": UNIT_NAME, "instansi": "Direktorat Jenderal Imigrasi",
                   "service_types": SERVICE_TYPES}),
        )
        .await;
    let uid = unit["id"].as_str().unwrap();
    let campaign = server
        .admin_post(
            &format!("/api/v1/units/{uid}/campaigns"),
            json!({"form": "ipkp", "title": CAMPAIGN_TITLE, "population": 250}),
        )
        .await;
    let cid = campaign["id"].as_str().unwrap();
    let link = server
        .admin_post(&format!("/api/v1/campaigns/{cid}/links"), json!({"label": "Loket 2"}))
        .await;
    let code = link["code"].as_str().unwrap().to_owned();
    let (unit_id, campaign_id, link_id): (uuid::Uuid, uuid::Uuid, uuid::Uuid) = (
        uid.parse().unwrap(),
        cid.parse().unwrap(),
        link["id"].as_str().unwrap().parse().unwrap(),
    );

    // Size: the page as served, and as rendered by the bench (the same up to the names).
    let form_url = format!("{}/s/{code}", server.base);
    let served = server.client.get(&form_url).send().await.unwrap().bytes().await.unwrap();
    let (render, rendered) = render_times(&code);

    // GET /s/{code} against its database reads.
    let get = timed(REQUESTS, || async {
        let r = server.client.get(&form_url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        std::hint::black_box(r.bytes().await.unwrap());
    })
    .await;
    let reads = timed(REQUESTS, || baseline_reads(&server.db, &code, campaign_id, unit_id)).await;

    // POST /api/v1/respond/{code} (fresh render token each, fetched outside the timing) against
    // the same reads and the same transaction of INSERTs.
    let submit_url = format!("{}/api/v1/respond/{code}", server.base);
    let mut times = Vec::with_capacity(REQUESTS);
    for i in 0..WARMUP + REQUESTS {
        let body = submission(&server.render_token(&code).await);
        let t = Instant::now();
        let r = server.client.post(&submit_url).json(&body).send().await.unwrap();
        let status = r.status();
        std::hint::black_box(r.bytes().await.unwrap());
        let elapsed = t.elapsed();
        assert_eq!(status, 201);
        if i >= WARMUP {
            times.push(elapsed);
        }
    }
    let post = stats(times);
    let inserts = timed(REQUESTS, || baseline_insert(&server.db, campaign_id, link_id)).await;
    let reads_and_inserts = timed(REQUESTS, || async {
        baseline_reads(&server.db, &code, campaign_id, unit_id).await;
        baseline_insert(&server.db, campaign_id, link_id).await;
    })
    .await;

    let stored = server
        .db
        .query_one_raw(stmt(&server.db, "SELECT COUNT(*) AS n FROM response", vec![]))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(stored as usize, 3 * (WARMUP + REQUESTS), "every submit and baseline insert stored");

    println!("## The citizen's survey: form page (ipkp, 3 service types, Bahasa Indonesia)\n");
    println!("| page | bytes | gzip -6 | gzip -9 |");
    println!("|---|---:|---:|---:|");
    for (what, b) in [
        ("served by GET /s/{code}", &served[..]),
        ("survey_page() in the bench", rendered.as_bytes()),
    ] {
        println!(
            "| {what} | {} | {} | {} |",
            b.len(),
            gzip(b, Compression::default()),
            gzip(b, Compression::best())
        );
    }
    println!("\n| measure (µs) | median | p99 | ratio to its baseline (median / p99) |");
    println!("|---|---:|---:|---|");
    println!("{}", row(&format!("survey_page() render, {RENDERS}×"), &render, None));
    println!(
        "{}",
        row(&format!("baseline: 3 SELECTs (link, campaign, unit), {REQUESTS}×"), &reads, None)
    );
    println!(
        "{}",
        row(&format!("GET /s/{{code}}, {REQUESTS}× (vs the 3 SELECTs)"), &get, Some(&reads))
    );
    println!(
        "{}",
        row(&format!("baseline: BEGIN + 3 INSERTs + COMMIT, {REQUESTS}×"), &inserts, None)
    );
    println!(
        "{}",
        row(
            &format!("baseline: 3 SELECTs + the INSERT transaction, {REQUESTS}×"),
            &reads_and_inserts,
            None
        )
    );
    println!(
        "{}",
        row(
            &format!("POST /api/v1/respond/{{code}} (JSON), {REQUESTS}× (vs SELECTs + INSERTs)"),
            &post,
            Some(&reads_and_inserts)
        )
    );
}

//! The exports match the API: the responses CSV and the workbook name every column once and hold
//! what the results say, and a 100,000-row export streams in flat memory.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::campaigns::open_link;
use crate::helpers::spawn_app;
use crate::integrity::sealed_campaign;
use crate::survey::{all, submit_json};

#[tokio::test]
async fn the_responses_export_names_every_column_once() {
    let app = spawn_app().await;
    let (_, c) = crate::campaigns::unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let code = open_link(&app, &cid, json!({"label": "L"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = submit_json(&app, &code, all(3), json!({"screening": {"diarahkan": "ya"}})).await;
    assert_eq!(r.status(), 201);
    // The export lists sealed responses: closing seals it.
    app.close_campaign(&cid).await;
    let csv = app
        .get(&format!("/api/v1/campaigns/{cid}/responses.csv"), Some(&app.admin_key))
        .await
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let unique: std::collections::HashSet<&&str> = header.iter().collect();
    assert_eq!(unique.len(), header.len(), "duplicate column names: {header:?}");
    // The screening answer and the flag the service concluded from it are different columns.
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| {
        row[header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"))]
    };
    assert_eq!(at("diarahkan"), "ya");
    assert_eq!(at("flag_diarahkan"), "true");
    assert_eq!(header[header.len() - 3..], ["flag_speeder", "flag_diarahkan", "excluded"]);
    // The workbook's Respons sheet has the same columns.
    use calamine::{Reader, Xlsx};
    let bytes = app
        .get(&format!("/api/v1/campaigns/{cid}/results.xlsx"), Some(&app.admin_key))
        .await
        .bytes()
        .await
        .unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = wb.worksheet_range("Respons").unwrap();
    let xlsx_header: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(xlsx_header, header);
}

#[tokio::test]
async fn the_xlsx_workbook_matches_the_api() {
    use calamine::{DataType, Reader, Xlsx};
    let app = spawn_app().await;
    let (cid, _) = sealed_campaign(&app, 7).await;
    crate::publication::close(&app, &cid).await;
    let results: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&app.admin_key))
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .get(&format!("/api/v1/campaigns/{cid}/results.xlsx"), Some(&app.admin_key))
        .await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Ringkasan", "Item", "Rincian", "Respons"]);
    let summary = wb.worksheet_range("Ringkasan").unwrap();
    let find = |k: &str| -> f64 {
        summary
            .rows()
            .find(|row| row[0] == k)
            .and_then(|row| row[1].get_float())
            .unwrap_or(f64::NAN)
    };
    assert!(crate::results::close(find("index"), results["index"]["value"].as_f64().unwrap()));
    assert!(crate::results::close(find("ci_low"), results["index"]["ci_low"].as_f64().unwrap()));
    assert!(crate::results::close(find("alpha"), results["alpha"].as_f64().unwrap_or(f64::NAN)) || results["alpha"].is_null());
    assert_eq!(find("n"), 7.0);
    let items = wb.worksheet_range("Item").unwrap();
    let first = items.rows().nth(1).unwrap();
    assert_eq!(first[0].to_string(), results["items"][0]["id"].as_str().unwrap());
    assert!(crate::results::close(
        first[2].get_float().unwrap(),
        results["items"][0]["mean"].as_f64().unwrap()
    ));
    let responses = wb.worksheet_range("Respons").unwrap();
    assert_eq!(responses.rows().count(), 8, "header + 7 responses");
    let rcsv = app
        .get(&format!("/api/v1/campaigns/{cid}/results.csv"), Some(&app.admin_key))
        .await
        .text()
        .await
        .unwrap();
    assert!(rcsv.lines().nth(1).unwrap().starts_with("responses,,7,"), "{rcsv}");
    assert!(rcsv.lines().nth(2).unwrap().starts_with("index,IPKP,7,"), "{rcsv}");
}

/// Seeds `n` responses straight into the database (the export's input; no HTTP needed).
pub async fn seed(db: &sea_orm::DatabaseConnection, cid: &str, n: usize) {
    let c: uuid::Uuid = cid.parse().unwrap();
    let items = crate::survey::IPKP;
    let date = chrono::Utc::now().date_naive();
    let per = 500;
    let mut done = 0;
    while done < n {
        let k = per.min(n - done);
        let mut rs = String::from(
            "INSERT INTO response (id, campaign_id, submitted_on, channel, open_link_id, link_label, score, total, speeder, diarahkan, flagged, content_hash) VALUES ",
        );
        let mut ans = String::from("INSERT INTO answer (response_id, campaign_id, item, value, flagged) VALUES ");
        let mut rv: Vec<sea_orm::Value> = Vec::new();
        let mut av: Vec<sea_orm::Value> = Vec::new();
        for i in 0..k {
            let id = uuid::Uuid::new_v4();
            let v = ((done + i) % 4 + 1) as i16;
            if i > 0 {
                rs.push(',');
            }
            let b = rv.len();
            rs.push_str(&format!(
                "(${}, ${}, ${}, 'open_link', NULL, 'Loket', ${}, ${}, FALSE, FALSE, FALSE, 'seed')",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5
            ));
            rv.extend([id.into(), c.into(), date.into(), (v as f64).into(), (v as i32 * 8).into()]);
            for (j, item) in items.iter().enumerate() {
                if i > 0 || j > 0 {
                    ans.push(',');
                }
                let b = av.len();
                ans.push_str(&format!("(${}, ${}, ${}, ${}, FALSE)", b + 1, b + 2, b + 3, b + 4));
                av.extend([id.into(), c.into(), (*item).into(), v.into()]);
            }
        }
        db.execute_raw(integritas::repo::stmt(db, &rs, rv)).await.unwrap();
        db.execute_raw(integritas::repo::stmt(db, &ans, av)).await.unwrap();
        done += k;
    }
}

/// Resident memory of a process, in kB.
fn rss_kb_of(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The export streams page by page: the real server binary, alone in its process, exports
/// 100,000 rows while its resident memory is sampled at every chunk received.
#[tokio::test]
async fn a_hundred_thousand_row_csv_export_streams_in_flat_memory() {
    use crate::helpers::ADMIN_KEY;
    use crate::reliability::ChildServer;
    let (url, _guard) = crate::foundation::persistent_database().await;
    let log = std::env::temp_dir().join(format!("integritas-export-{}.log", uuid::Uuid::new_v4().simple()));
    let mut server = ChildServer::start(&url, &log);
    let base = format!("http://127.0.0.1:{}", server.port);
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(std::time::Instant::now() < deadline, "the server did not become ready");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let post = |path: String, body: Value| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.post(format!("{base}{path}"))
                .bearer_auth(ADMIN_KEY)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let unit = post(
        "/api/v1/units".into(),
        json!({"slug": "ekspor", "name": "Ekspor", "instansi": "K", "service_types": ["A"]}),
    )
    .await;
    let c = post(
        format!("/api/v1/units/{}/campaigns", unit["id"].as_str().unwrap()),
        json!({"form": "ipkp", "title": "Ekspor"}),
    )
    .await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let small = post(
        format!("/api/v1/units/{}/campaigns", unit["id"].as_str().unwrap()),
        json!({"form": "ipkp", "title": "Kecil"}),
    )
    .await;
    let small_id = small["id"].as_str().unwrap().to_owned();
    let db = sea_orm::Database::connect(&url).await.unwrap();
    let t = std::time::Instant::now();
    seed(&db, &small_id, 20_000).await;
    seed(&db, &cid, 100_000).await;
    println!("seeded 120,000 responses in {:?}", t.elapsed());
    let _ = db.close().await;
    let pid = server.child.id();
    // Streams one export, sampling the server's RSS at every chunk: (rows, MB, peak RSS kB, time).
    let export = |id: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let t = std::time::Instant::now();
            let mut r = http
                .get(format!("{base}/api/v1/campaigns/{id}/responses.csv"))
                .bearer_auth(ADMIN_KEY)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let (mut bytes, mut lines, mut peak) = (0usize, 0usize, rss_kb_of(pid));
            while let Some(chunk) = r.chunk().await.unwrap() {
                bytes += chunk.len();
                lines += chunk.iter().filter(|b| **b == b'\n').count();
                peak = peak.max(rss_kb_of(pid));
            }
            (lines, bytes as f64 / 1_048_576.0, peak, t.elapsed())
        }
    };
    let before = rss_kb_of(pid);
    let (lines_small, mb_small, peak_small, t_small) = export(small_id).await;
    let (lines, mb, peak, t_big) = export(cid).await;
    server.alive().unwrap();
    assert_eq!(lines_small, 20_001);
    assert_eq!(lines, 100_001, "header + 100,000 rows");
    let mib = |kb: u64| kb as f64 / 1024.0;
    println!(
        "server RSS {:.1} MB before; 20,000 rows ({mb_small:.1} MB, {t_small:?}) → peak {:.1} MB; 100,000 rows ({mb:.1} MB, {t_big:?}) → peak {:.1} MB",
        mib(before),
        mib(peak_small),
        mib(peak)
    );
    assert!(mb > 8.0);
    // Flat: five times the rows costs no more than a few MB over the small export's peak (the
    // first export warms the pool's connections, SQLite's page caches and the allocator).
    let grew = mib(peak.saturating_sub(peak_small));
    assert!(grew < 8.0, "memory grew {grew:.1} MB more for 5× the rows");
    let _ = std::fs::remove_file(log);
}

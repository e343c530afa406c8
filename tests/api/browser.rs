//! The citizen's survey end to end, in headless Chromium on a phone-sized screen: scan the QR
//! code of an open link, open the form, submit it with an answer missing (server-side
//! validation), fix it, submit, and land on the thank-you page. Screenshots are written to
//! `target/test-output/browser/`.
//!
//! Needs Debian's `chromium` and `chromium-driver`: `chromium` and `chromedriver` on `PATH`, or
//! the paths in `INTEGRITAS_CHROMIUM` and `INTEGRITAS_CHROMEDRIVER`. Without them the tests skip
//! with a banner on stderr naming what to install, so that `cargo test` passes on a fresh machine;
//! with `CI=true` or `INTEGRITAS_REQUIRE_BROWSER=1` (`.ci/run` sets it) their absence fails.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::campaigns::{decode_qr, open_link, unit_and_campaign};
use crate::helpers::{TestApp, spawn_app};
use crate::survey::IPKP;

/// (environment variable, program on `PATH`, Debian package)
const CHROMIUM: (&str, &str, &str) = ("INTEGRITAS_CHROMIUM", "chromium", "chromium");
const CHROMEDRIVER: (&str, &str, &str) = ("INTEGRITAS_CHROMEDRIVER", "chromedriver", "chromium-driver");
/// A common Android phone: 360 × 740 CSS pixels.
const WIDTH: u32 = 360;
const HEIGHT: u32 = 740;

/// Where the screenshots go (`target/` is not tracked).
pub(crate) fn output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-output/browser");
    std::fs::create_dir_all(&dir).expect("create target/test-output/browser");
    dir
}

/// A program from its environment variable (which must then name an existing file) or `PATH`;
/// `Err` says what is missing and which package has it.
fn find((var, program, package): (&str, &str, &str)) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{var}={} does not exist (`{program}`, Debian package `{package}`)",
                path.display()
            ))
        };
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .ok_or_else(|| format!("`{program}` is not on PATH (Debian package `{package}`)"))
}

/// Whether a missing browser fails the test: on CI (`CI` set to anything but `false`/`0`) or
/// with `INTEGRITAS_REQUIRE_BROWSER=1`. Elsewhere it skips, so `cargo test` passes on a fresh clone.
fn browser_required(ci: Option<&str>, require: Option<&str>) -> bool {
    let on = |v: Option<&str>| v.is_some_and(|v| !v.is_empty() && !matches!(v.to_ascii_lowercase().as_str(), "0" | "false" | "no"));
    on(ci) || on(require)
}

/// Fails the test when the browser is required, or writes a banner (once) and a line per test
/// straight to stderr: `cargo test` shows it without `--nocapture`.
fn skip_or_fail(test: &str, missing: &[String]) {
    let required = browser_required(
        std::env::var("CI").ok().as_deref(),
        std::env::var("INTEGRITAS_REQUIRE_BROWSER").ok().as_deref(),
    );
    if required {
        panic!(
            "the browser tests need Chromium and chromedriver (required here: CI or INTEGRITAS_REQUIRE_BROWSER=1): {}",
            missing.join("; ")
        );
    }
    static BANNER: Once = Once::new();
    let mut err = std::io::stderr().lock();
    BANNER.call_once(|| {
        let rule = "!".repeat(100);
        let _ = writeln!(
            err,
            "\n{rule}\n!! BROWSER TESTS SKIPPED: Chromium or chromedriver is missing.\n!!   {}\n\
             !! Install them: apt-get update && apt-get install -y chromium chromium-driver\n\
             !! (or set INTEGRITAS_CHROMIUM / INTEGRITAS_CHROMEDRIVER). With CI=true or\n\
             !! INTEGRITAS_REQUIRE_BROWSER=1 this is a failure, not a skip.\n{rule}",
            missing.join("\n!!   ")
        );
    });
    let _ = writeln!(err, "!! skipped browser test: browser::{test}");
}

/// A chromedriver process of our own, in its own process group so that the Chromium it
/// starts is ended with it. Dropping it kills the group and removes the browser profile.
pub(crate) struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
    chromium: PathBuf,
}

impl Driver {
    /// Starts chromedriver, or returns `None` after saying loudly why the test is skipped.
    pub(crate) async fn start_or_skip(test: &str) -> Option<Driver> {
        let (chromium, chromedriver) = match (find(CHROMIUM), find(CHROMEDRIVER)) {
            (Ok(c), Ok(d)) => (c, d),
            (c, d) => {
                let missing: Vec<String> = [c.err(), d.err()].into_iter().flatten().collect();
                skip_or_fail(test, &missing);
                return None;
            }
        };
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("a free port");
            l.local_addr().unwrap().port()
        };
        let profile = std::env::temp_dir().join(format!("integritas-chromium-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&profile).expect("browser profile dir");
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()))
        };
        let mut driver = Driver {
            child,
            port,
            profile,
            chromium,
        };
        driver.wait_ready().await;
        Some(driver)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("chromedriver status") {
                panic!("chromedriver exited early ({status}); is port {} taken?", self.port);
            }
            if let Ok(r) = http.get(format!("{}/status", self.url())).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on port {} within 10 s",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn session(&self) -> Client {
        self.session_sized(WIDTH, HEIGHT, true).await
    }

    pub(crate) async fn session_sized(&self, width: u32, height: u32, mobile: bool) -> Client {
        // A profile of its own per session: separate cookie jars, as separate people have.
        let profile = self.profile.join(uuid::Uuid::new_v4().simple().to_string());
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": self.chromium,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--user-data-dir={}", profile.display()),
                    format!("--window-size={width},{height}"),
                ],
                // An Indonesian phone: the page follows Accept-Language.
                "prefs": {"intl.accept_languages": "id-ID,id"},
            }),
        );
        if mobile {
            caps["goog:chromeOptions"]["mobileEmulation"] =
                json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "mobile": true, "touch": true}});
        }
        // chromedriver listens on loopback over plain HTTP: no TLS connector needed.
        ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url())
            .await
            .unwrap_or_else(|e| panic!("cannot start a Chromium session through chromedriver: {e}"))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Chromium and its helpers are in chromedriver's process group.
        let pgid = self.child.id();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pgid}")])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

async fn screenshot(b: &Client, name: &str) {
    let png = b.screenshot().await.expect("screenshot");
    std::fs::write(output_dir().join(name), png).expect("write screenshot");
}

/// Clicks the label of one scale answer (`item-0` is 1, `item-3` is 4).
pub(crate) async fn answer(b: &Client, item: &str, value: u8) {
    let id = format!("{item}-{}", value - 1);
    b.find(Locator::Css(&format!("label[for='{id}']")))
        .await
        .unwrap_or_else(|e| panic!("label for {id}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click label for {id}: {e}"));
    assert!(is_checked(b, &id).await, "{id} checked after clicking its label");
}

async fn is_checked(b: &Client, id: &str) -> bool {
    b.find(Locator::Id(id)).await.unwrap().is_selected().await.unwrap()
}

pub(crate) async fn visible_text(b: &Client, css: &str) -> String {
    let e = b.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    assert!(e.is_displayed().await.unwrap(), "{css} is visible");
    e.text().await.unwrap()
}

/// Clicks the submit button and waits until the next page has loaded (the old page is
/// marked first, so a reply at the same address is noticed too).
pub(crate) async fn submit(b: &Client) {
    b.execute("window.__integritasOld = true", vec![]).await.unwrap();
    b.find(Locator::Css("button[type='submit']")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let loaded = b
            .execute("return !window.__integritasOld && document.readyState === 'complete'", vec![])
            .await;
        if matches!(loaded, Ok(Value::Bool(true))) {
            return;
        }
        assert!(Instant::now() < deadline, "no new page within 5 s of submitting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The items given before the first submit: every item but `waktu`, each with a distinct answer.
fn first_answers() -> Vec<(&'static str, u8)> {
    IPKP.iter()
        .enumerate()
        .filter(|(_, i)| **i != "waktu")
        .map(|(n, i)| (*i, (n % 4) as u8 + 1))
        .collect()
}

async fn the_survey(app: &TestApp, b: &Client, url: &str) {
    // The form, as the phone shows it.
    b.goto(url).await.unwrap();
    assert_eq!(b.current_url().await.unwrap().as_str(), url);
    let title = b.title().await.unwrap();
    assert!(title.starts_with("Survei 2026 — Unit "), "{title}");
    assert_eq!(visible_text(b, "h1").await, "Survei 2026");
    let width: Value = b.execute("return window.innerWidth", vec![]).await.unwrap();
    assert_eq!(width, json!(WIDTH), "phone viewport");
    let overflow: Value = b
        .execute("return document.documentElement.scrollWidth > window.innerWidth", vec![])
        .await
        .unwrap();
    assert_eq!(overflow, json!(false), "no horizontal scrolling on a phone");
    assert_eq!(b.find_all(Locator::Css("fieldset")).await.unwrap().len(), 10);
    screenshot(b, "form.png").await;

    // Seven answers of eight, and the browser's own check switched off, so that the server's
    // validation answers. WebDriver's scripts run even though the page's CSP forbids scripts.
    for (item, value) in first_answers() {
        answer(b, item, value).await;
    }
    let novalidate: Value = b
        .execute("document.forms[0].noValidate = true; return document.forms[0].noValidate", vec![])
        .await
        .expect("WebDriver script under the page's CSP");
    assert_eq!(novalidate, json!(true));
    // ... whereas a script of the page itself is refused by the CSP.
    let blocked: Value = b
        .execute(
            "const s = document.createElement('script'); s.textContent = 'window.__pageScript = 1'; \
             document.head.appendChild(s); return window.__pageScript === undefined",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(blocked, json!(true), "the CSP blocks inline page scripts");
    submit(b).await;

    // The same page again (422), with the error summary, the message next to the question,
    // and every given answer still checked.
    let title = b.title().await.unwrap();
    assert!(title.starts_with("Kesalahan: "), "{title}");
    let summary = visible_text(b, "#errsum").await;
    assert!(summary.contains("Ada jawaban yang perlu diperbaiki"), "{summary}");
    assert!(summary.contains("Pertanyaan 4"), "{summary}");
    let err = visible_text(b, "#waktu-err").await;
    assert!(!err.trim().is_empty());
    let bad = b.find(Locator::Css("fieldset.bad")).await.unwrap();
    assert_eq!(bad.attr("aria-describedby").await.unwrap().as_deref(), Some("waktu-err"));
    assert_eq!(b.find_all(Locator::Css("fieldset.bad")).await.unwrap().len(), 1);
    for (item, value) in first_answers() {
        assert!(is_checked(b, &format!("{item}-{}", value - 1)).await, "{item} kept");
    }
    for v in 0..4 {
        assert!(!is_checked(b, &format!("waktu-{v}")).await);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM response").await, 0, "nothing stored");
    screenshot(b, "validation.png").await;
    // The summary links to the question (`validation-link.png` shows where that lands), and
    // the question itself carries the message (`validation-item.png`: questions 3 and 4).
    b.find(Locator::Css("#errsum a[href='#waktu-0']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    screenshot(b, "validation-link.png").await;
    b.execute(
        "document.querySelector('label[for=prosedur-0]').closest('fieldset').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    screenshot(b, "validation-item.png").await;

    // Fix it: the missing answer, a service, and send.
    answer(b, "waktu", 3).await;
    b.find(Locator::Id("layanan")).await.unwrap().select_by_value("Visa").await.unwrap();
    submit(b).await;
    let thanks = b.current_url().await.unwrap();
    assert_eq!(thanks.as_str(), format!("{url}/terima-kasih"));
    let h1 = visible_text(b, "h1").await;
    assert!(h1.contains("Terima kasih"), "{h1}");
    screenshot(b, "thanks.png").await;
}

#[tokio::test]
async fn a_citizen_answers_the_survey_on_a_phone() {
    let app = spawn_app().await;
    let (_, c) = unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap();
    let link = open_link(&app, cid, json!({"label": "Loket 2"})).await;
    let png = app
        .get(
            &format!("/api/v1/links/{}/qr.png", link["id"].as_str().unwrap()),
            Some(&app.admin_key),
        )
        .await;
    assert_eq!(png.status(), 200);
    let url = decode_qr(&png.bytes().await.unwrap());
    assert_eq!(url, link["url"].as_str().unwrap());
    let csp = app.get(&format!("/s/{}", link["code"].as_str().unwrap()), None).await;
    assert!(
        csp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"),
        "the page forbids scripts"
    );

    let _ = std::fs::remove_file(output_dir().join("failure.png"));
    let Some(driver) = Driver::start_or_skip("a_citizen_answers_the_survey_on_a_phone").await else {
        return;
    };
    let browser = driver.session().await;
    // The browser part runs to its end or its time limit; the session and chromedriver are
    // ended either way (and dropping `driver` on a panic anywhere else ends them too).
    let outcome = std::panic::AssertUnwindSafe(tokio::time::timeout(Duration::from_secs(60), the_survey(&app, &browser, &url)))
        .catch_unwind()
        .await;
    if !matches!(outcome, Ok(Ok(()))) {
        let _ = tokio::time::timeout(Duration::from_secs(5), browser.screenshot())
            .await
            .map(|png| png.map(|png| std::fs::write(output_dir().join("failure.png"), png)));
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), browser.close()).await;
    drop(driver);
    match outcome {
        Err(panic) => std::panic::resume_unwind(panic),
        Ok(Err(_)) => panic!("the browser did not finish the survey within 60 s (see failure.png)"),
        Ok(Ok(())) => {}
    }

    // Stored once, with all eight answers and the service chosen (sealed at close).
    app.close_campaign(cid).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM response").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM answer").await, 8);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM response_field WHERE key = 'layanan' AND value = 'Visa'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM response WHERE channel = 'open_link' AND link_label = 'Loket 2'")
            .await,
        1
    );
    // The service saw one refused and one accepted submission.
    let metrics = app.get("/metrics", Some(&app.admin_key)).await.text().await.unwrap();
    for line in [
        "integritas_submissions_total{outcome=\"invalid\"} 1",
        "integritas_submissions_total{outcome=\"accepted\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
}

/// The assessor's part in the browser: log in with a key, read the campaign report and the
/// national table; the numbers on the page are the API's.
async fn the_reports(app: &TestApp, b: &Client, cid: &str, key: &str, index: &str) {
    b.goto(&app.url(&format!("/laporan/kampanye/{cid}"))).await.expect("open report");
    // Sent to the login form first.
    assert!(b.current_url().await.unwrap().path().starts_with("/masuk"));
    b.find(Locator::Css("#key")).await.unwrap().send_keys(key).await.unwrap();
    screenshot(b, "login.png").await;
    b.find(Locator::Css("button[type='submit']")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.current_url().await.unwrap().path().starts_with("/laporan/kampanye") {
        assert!(Instant::now() < deadline, "login did not lead to the report");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = b.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(text.contains(index), "the report shows the index {index}");
    screenshot(b, "report.png").await;
    b.goto(&app.url("/laporan/nasional")).await.unwrap();
    let text = b.find(Locator::Css("body")).await.unwrap().text().await.unwrap();
    assert!(text.contains("Unit "), "the national table lists the unit");
    screenshot(b, "national.png").await;
}

#[tokio::test]
async fn an_assessor_reads_the_report_and_the_national_table() {
    let app = spawn_app().await;
    let (_, c) = unit_and_campaign(&app, "ipkp").await;
    let cid = c["id"].as_str().unwrap().to_owned();
    let code = open_link(&app, &cid, json!({"label": "Loket 1"})).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..12 {
        let r = crate::survey::submit_json(
            &app,
            &code,
            crate::survey::all(if i % 3 == 0 { 4 } else { 3 }),
            json!({"demographics": {"layanan": "Paspor"}}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    app.post_json(&format!("/api/v1/campaigns/{cid}/close"), Some(&app.admin_key), &json!({}))
        .await;
    let (_, key) = app.create_key("assessor", None).await;
    let results: Value = app
        .get(&format!("/api/v1/campaigns/{cid}/results"), Some(&key))
        .await
        .json()
        .await
        .unwrap();
    let index = format!("{:.2}", results["index"]["value"].as_f64().unwrap());

    let Some(driver) = Driver::start_or_skip("an_assessor_reads_the_report_and_the_national_table").await else {
        return;
    };
    let browser = driver.session_sized(1280, 1600, false).await;
    let outcome = std::panic::AssertUnwindSafe(tokio::time::timeout(
        Duration::from_secs(60),
        the_reports(&app, &browser, &cid, &key, &index),
    ))
    .catch_unwind()
    .await;
    if !matches!(outcome, Ok(Ok(()))) {
        let _ = tokio::time::timeout(Duration::from_secs(5), browser.screenshot())
            .await
            .map(|png| png.map(|png| std::fs::write(output_dir().join("report-failure.png"), png)));
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), browser.close()).await;
    drop(driver);
    match outcome {
        Err(panic) => std::panic::resume_unwind(panic),
        Ok(Err(_)) => panic!("the browser did not finish within 60 s (see report-failure.png)"),
        Ok(Ok(())) => {}
    }
}

#[test]
fn a_missing_browser_fails_only_where_it_is_required() {
    assert!(!browser_required(None, None));
    assert!(!browser_required(Some("false"), Some("0")));
    assert!(!browser_required(Some(""), None));
    assert!(browser_required(Some("true"), None));
    assert!(browser_required(Some("1"), None));
    assert!(browser_required(None, Some("1")));
    assert!(browser_required(Some("false"), Some("1")));
}

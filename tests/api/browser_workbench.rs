//! The workbench end to end in headless Chromium, each role's journey in its own browser session,
//! without a single API call: an admin registers a unit and an operator key; the operator logs in,
//! creates a campaign (computing the required sample first, typing the form with the keyboard
//! only), adds a desk, opens and prints its poster, issues five slips and prints them; citizens
//! answer on phones through the desk's address and through `/kode` with a slip's code typed
//! carelessly; the operator watches the progress, is refused a form without its CSRF token, and
//! closes the campaign through the warning; an assessor excludes a response (a reason is
//! required) and records TLHP and kinerja, and reads the audit log by key names.
//!
//! Every page on the way passes axe-core's WCAG 2.1 A/AA rules (labels, contrast, …; the
//! vendored `tests/fixtures/axe/axe.min.js` is injected through WebDriver, which the pages' CSP
//! allows while it forbids the pages any script of their own). Screenshots go to
//! `target/test-output/browser/`, and with `INTEGRITAS_SCREENSHOTS=1` to `docs/img/` for the
//! guides.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::wd::{PrintConfigurationBuilder, PrintSize};
use fantoccini::{Client, Locator};
use futures_util::FutureExt;
use serde_json::{Value, json};

use crate::browser::{Driver, answer, output_dir, visible_text};
use crate::helpers::{TestApp, spawn_app_with};
use crate::survey::IPKP;

const AXE: &str = include_str!("../fixtures/axe/axe.min.js");
const PUBLIC: &str = "https://survei.example.go.id";

/// Saves a screenshot for the test's output, and for the guides when asked to.
async fn shot(b: &Client, name: &str) {
    let png = b.screenshot().await.expect("screenshot");
    std::fs::write(output_dir().join(name), &png).expect("write screenshot");
    if std::env::var("INTEGRITAS_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/img");
        std::fs::create_dir_all(&dir).expect("docs/img");
        std::fs::write(dir.join(name), &png).expect("write docs/img screenshot");
    }
}

/// Runs axe-core's WCAG 2.1 A and AA rules on the page and fails on any violation.
async fn accessible(b: &Client, page: &str) {
    let present = b.execute("return typeof window.axe !== 'undefined'", vec![]).await.unwrap();
    if present != json!(true) {
        b.execute(AXE, vec![]).await.expect("inject axe-core");
    }
    let violations = b
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || ''))}))))
               .catch(e => done([{id: 'axe-error', help: String(e)}]));",
            vec![],
        )
        .await
        .expect("run axe-core");
    assert_eq!(violations, json!([]), "accessibility violations on {page}");
}

/// Clicks and waits for the next page (the old one is marked first, so a reply at the same
/// address is noticed too).
async fn click_and_wait(b: &Client, css: &str) {
    b.execute("window.__integritasOld = true", vec![]).await.unwrap();
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
    loaded(b).await;
}

async fn loaded(b: &Client) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let done = b
            .execute("return !window.__integritasOld && document.readyState === 'complete'", vec![])
            .await;
        if matches!(done, Ok(Value::Bool(true))) {
            return;
        }
        assert!(Instant::now() < deadline, "no new page within 10 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn fill(b: &Client, id: &str, text: &str) {
    let e = b.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("#{id}: {e}"));
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn body(b: &Client) -> String {
    b.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

async fn path(b: &Client) -> String {
    b.current_url().await.unwrap().path().to_owned()
}

/// Logs in through the login form, arriving at `next`.
async fn login(b: &Client, app: &TestApp, key: &str, next: &str) {
    b.goto(&app.url(next)).await.unwrap();
    assert!(path(b).await.starts_with("/masuk"), "sent to the login form first");
    fill(b, "key", key).await;
    click_and_wait(b, "button[type='submit']").await;
    assert_eq!(path(b).await, next.split('?').next().unwrap(), "back where it was going");
}

/// Runs one journey in its own browser session; on a failure or a time-out, a screenshot.
async fn journey<F, T>(driver: &Driver, name: &str, width: u32, height: u32, mobile: bool, run: F) -> T
where
    F: AsyncFnOnce(&Client) -> T,
{
    let b = driver.session_sized(width, height, mobile).await;
    let outcome = std::panic::AssertUnwindSafe(tokio::time::timeout(Duration::from_secs(120), run(&b)))
        .catch_unwind()
        .await;
    if !matches!(outcome, Ok(Ok(_))) {
        let _ = tokio::time::timeout(Duration::from_secs(5), b.screenshot())
            .await
            .map(|png| png.map(|png| std::fs::write(output_dir().join(format!("{name}-failure.png")), png)));
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), b.close()).await;
    match outcome {
        Err(panic) => std::panic::resume_unwind(panic),
        Ok(Err(_)) => panic!("the {name} journey did not finish within 120 s (see {name}-failure.png)"),
        Ok(Ok(v)) => v,
    }
}

/// The admin: register a unit (a refused try first), create the operator's key, copy it.
async fn admin(b: &Client, app: &TestApp) -> String {
    login(b, app, &app.admin_key, "/kelola/unit").await;
    accessible(b, "units").await;
    fill(b, "slug", "Kanim Jaksel").await;
    fill(b, "name", "Kantor Imigrasi Kelas I Khusus Non TPI Jakarta Selatan").await;
    fill(b, "service_types", "Paspor\nIzin Tinggal\nVisa").await;
    click_and_wait(b, "form.stack button[type='submit']").await;
    // Refused: the slug's shape and the missing agency, said beside the fields; the rest kept.
    assert!(b.title().await.unwrap().starts_with("Kesalahan: "));
    assert!(visible_text(b, "#slug-err").await.len() > 5);
    assert!(visible_text(b, "#instansi-err").await.contains("Wajib diisi"));
    let kept = b.find(Locator::Id("name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("Kantor Imigrasi Kelas I Khusus Non TPI Jakarta Selatan"));
    accessible(b, "units, refused").await;
    shot(b, "admin-unit-refused.png").await;
    fill(b, "slug", "kanim-jaksel").await;
    fill(b, "instansi", "Direktorat Jenderal Imigrasi").await;
    click_and_wait(b, "form.stack button[type='submit']").await;
    assert!(visible_text(b, ".done").await.contains("terdaftar"));
    shot(b, "admin-units.png").await;

    b.find(Locator::Css("nav a[href='/kelola/kunci']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    loaded_path(b, "/kelola/kunci").await;
    fill(b, "name", "Operator Loket Jaksel").await;
    b.find(Locator::Id("role"))
        .await
        .unwrap()
        .select_by_value("operator")
        .await
        .unwrap();
    b.find(Locator::Css("#unit_id option:nth-child(2)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click_and_wait(b, "form.stack button[type='submit']").await;
    let key = visible_text(b, "#secret").await.trim().to_owned();
    assert!(key.starts_with("itg_"), "{key}");
    accessible(b, "keys, new key").await;
    shot(b, "admin-key-created.png").await;
    // Shown once: the list names the key, never its secret.
    b.goto(&app.url("/kelola/kunci")).await.unwrap();
    let text = body(b).await;
    assert!(text.contains("Operator Loket Jaksel") && !text.contains(&key));
    key
}

/// Waits for a page at `p`.
async fn loaded_path(b: &Client, p: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while path(b).await != p || b.execute("return document.readyState", vec![]).await.unwrap() != json!("complete") {
        assert!(Instant::now() < deadline, "no page {p}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// WebDriver's codes of the Tab and Enter keys.
const TAB: &str = "\u{e004}";
const ENTER: &str = "\u{e007}";

/// Presses Tab until `last` has the focus, recording the ids focused on the way (each once) and
/// checking each shows a visible focus outline.
async fn tab_until(b: &Client, last: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..20 {
        b.active_element().await.unwrap().send_keys(TAB).await.unwrap();
        let (id, outline): (String, String) = {
            let v = b
                .execute(
                    "const e = document.activeElement; const s = getComputedStyle(e);
                     return [e.id, s.outlineStyle + ' ' + s.outlineWidth];",
                    vec![],
                )
                .await
                .unwrap();
            (v[0].as_str().unwrap().to_owned(), v[1].as_str().unwrap().to_owned())
        };
        assert!(
            !outline.starts_with("none") && !outline.ends_with(" 0px"),
            "#{id} has no visible focus ({outline})"
        );
        if seen.last() != Some(&id) {
            seen.push(id.clone());
        }
        if id == last {
            return seen;
        }
    }
    panic!("Tab never reached #{last}: {seen:?}");
}

/// The operator, part one: log in, create the campaign with the keyboard, add a desk, print its
/// poster, issue and print five slips. Returns the campaign's page, the desk's address and the
/// slips' codes.
async fn operator_sets_up(b: &Client, app: &TestApp, key: &str, unit: &str) -> (String, String, Vec<String>) {
    login(b, app, key, &format!("/kelola/unit/{unit}")).await;
    assert!(body(b).await.contains("Belum ada kampanye"));
    accessible(b, "dashboard, empty").await;
    click_and_wait(b, "a.btn[href$='/kampanye/baru']").await;
    accessible(b, "new campaign").await;

    // The whole form by keyboard: choose the form with Space, Tab to each field in order, type.
    b.execute("document.getElementById('form-ipkp').focus()", vec![]).await.unwrap();
    b.active_element().await.unwrap().send_keys(" ").await.unwrap();
    assert!(b.find(Locator::Id("form-ipkp")).await.unwrap().is_selected().await.unwrap());
    let order = tab_until(b, "title").await;
    assert_eq!(order, ["title"]);
    b.active_element()
        .await
        .unwrap()
        .send_keys("Survei IPKP Semester I 2026")
        .await
        .unwrap();
    assert_eq!(tab_until(b, "population").await, ["population"]);
    b.active_element().await.unwrap().send_keys("300").await.unwrap();
    let order = tab_until(b, "hitung").await;
    assert_eq!(order, ["opens_at", "closes_at", "buat", "hitung"], "focus follows the form's order");
    b.execute("window.__integritasOld = true", vec![]).await.unwrap();
    b.active_element().await.unwrap().send_keys(ENTER).await.unwrap();
    loaded(b).await;
    // Krejcie–Morgan: S(300) = 169.
    assert!(visible_text(b, "#sampel").await.contains("169"));
    let kept = b.find(Locator::Id("title")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("Survei IPKP Semester I 2026"));
    shot(b, "operator-new-campaign.png").await;
    b.execute("document.getElementById('buat').focus()", vec![]).await.unwrap();
    b.execute("window.__integritasOld = true", vec![]).await.unwrap();
    b.active_element().await.unwrap().send_keys(ENTER).await.unwrap();
    loaded(b).await;
    let campaign = path(b).await;
    assert!(campaign.starts_with("/kelola/kampanye/"), "{campaign}");
    assert!(visible_text(b, ".done").await.contains("Kampanye dibuat"));

    // A desk, its poster on screen and on paper.
    fill(b, "meja-label", "Loket 2").await;
    click_and_wait(b, "form[action$='/meja'] button[type='submit']").await;
    accessible(b, "campaign").await;
    shot(b, "operator-campaign.png").await;
    let desk_url = visible_text(b, "#meja + p + table td.mono").await;
    assert!(desk_url.starts_with(&format!("{PUBLIC}/s/")), "{desk_url}");
    click_and_wait(b, "a[href$='/poster']").await;
    let poster = body(b).await;
    assert!(poster.contains("Loket 2") && poster.contains("Kantor Imigrasi Kelas I Khusus Non TPI Jakarta Selatan"));
    // IPKP: 8 items, 1 screening and 5 demographic questions = 14 × 10 s = 140 s: about 3 minutes.
    assert!(poster.contains("sekitar 3 menit"), "the time estimate follows the form");
    accessible(b, "poster").await;
    shot(b, "operator-poster.png").await;
    let pdf = b
        .print(
            PrintConfigurationBuilder::default()
                .size(PrintSize::A4)
                .background(true)
                .build()
                .unwrap(),
        )
        .await
        .expect("print the poster");
    assert!(pdf.starts_with(b"%PDF"), "a printable poster");
    std::fs::write(output_dir().join("poster.pdf"), &pdf).unwrap();
    b.back().await.unwrap();

    // Five slips, printed.
    fill(b, "token-count", "5").await;
    fill(b, "token-label", "Loket 2, Mei").await;
    click_and_wait(b, "form[action$='/kupon'] button[type='submit']").await;
    let codes: Vec<String> = {
        let mut out = Vec::new();
        for e in b.find_all(Locator::Css(".slip .code")).await.unwrap() {
            out.push(e.text().await.unwrap());
        }
        out
    };
    assert_eq!(codes.len(), 5);
    assert!(codes.iter().all(|c| c.len() == 29 && c.matches('-').count() == 4), "{codes:?}");
    let names = b.find_all(Locator::Css(".slip .u")).await.unwrap();
    for n in names {
        assert_eq!(
            n.text().await.unwrap(),
            "Kantor Imigrasi Kelas I Khusus Non TPI Jakarta Selatan",
            "the unit's name whole"
        );
    }
    accessible(b, "slips").await;
    shot(b, "operator-slips.png").await;
    let pdf = b
        .print(PrintConfigurationBuilder::default().size(PrintSize::A4).build().unwrap())
        .await
        .expect("print the slips");
    assert!(pdf.starts_with(b"%PDF"));
    b.goto(&app.url(&campaign)).await.unwrap();
    (campaign, desk_url, codes)
}

/// Answers the survey on a phone: every item and the service, then the thank-you page.
async fn answer_survey(b: &Client, value: u8) {
    for item in IPKP {
        answer(b, item, value).await;
    }
    b.find(Locator::Id("layanan"))
        .await
        .unwrap()
        .select_by_value("Paspor")
        .await
        .unwrap();
    click_and_wait(b, "button[type='submit']").await;
    assert!(path(b).await.ends_with("/terima-kasih"), "{}", path(b).await);
}

/// Citizens on phones: one through the desk's address, two typing a slip's code at `/kode`
/// (lower case, no dashes), one of them first mistyping it.
async fn citizens(b: &Client, app: &TestApp, desk_url: &str, codes: &[String]) {
    let desk_path = desk_url.strip_prefix(PUBLIC).unwrap();
    b.goto(&app.url(desk_path)).await.unwrap();
    answer_survey(b, 4).await;
    b.goto(&app.url("/kode")).await.unwrap();
    accessible(b, "/kode").await;
    fill(b, "kode", "0OIL-1234").await;
    click_and_wait(b, "button[type='submit']").await;
    assert!(visible_text(b, "#kode-err").await.contains("tidak dikenali"));
    accessible(b, "/kode, refused").await;
    shot(b, "citizen-code-refused.png").await;
    for (i, code) in codes.iter().take(2).enumerate() {
        b.goto(&app.url("/kode")).await.unwrap();
        fill(b, "kode", &code.to_lowercase().replace('-', "")).await;
        if i == 0 {
            shot(b, "citizen-code.png").await;
        }
        click_and_wait(b, "button[type='submit']").await;
        assert!(path(b).await.starts_with("/s/"));
        answer_survey(b, 3).await;
    }
}

/// The operator, part two: the progress after the submissions, a form without its token
/// refused, and closing through the warning.
async fn operator_closes(b: &Client, app: &TestApp, campaign: &str, unit: &str) {
    b.goto(&app.url(campaign)).await.unwrap();
    assert_eq!(visible_text(b, "#kemajuan").await, "3 dari 169");
    let bar = b.find(Locator::Css("dd progress")).await.unwrap();
    assert_eq!(bar.attr("value").await.unwrap().as_deref(), Some("3"));
    b.goto(&app.url(&format!("/kelola/unit/{unit}"))).await.unwrap();
    assert!(body(b).await.contains("3 / 169"));
    accessible(b, "dashboard").await;
    shot(b, "operator-dashboard.png").await;

    // A form whose token was taken out (as a forged cross-site form would arrive): refused.
    b.goto(&app.url(campaign)).await.unwrap();
    let links_before = app.count("SELECT COUNT(*) FROM open_link").await;
    fill(b, "meja-label", "Loket 9").await;
    b.execute(
        "document.querySelector(\"form[action$='/meja'] input[name=csrf]\").remove()",
        vec![],
    )
    .await
    .unwrap();
    click_and_wait(b, "form[action$='/meja'] button[type='submit']").await;
    assert!(body(b).await.contains("Formulir kedaluwarsa"));
    assert_eq!(app.count("SELECT COUNT(*) FROM open_link").await, links_before, "nothing changed");

    b.goto(&app.url(campaign)).await.unwrap();
    click_and_wait(b, "a[href$='/tutup']").await;
    assert!(
        visible_text(b, "#peringatan")
            .await
            .contains("3 dari 169 responden yang dibutuhkan")
    );
    accessible(b, "close").await;
    shot(b, "operator-close-warning.png").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM campaign WHERE closed_at IS NOT NULL").await, 0);
    click_and_wait(b, "form[action$='/tutup'] button[type='submit']").await;
    assert_eq!(path(b).await, format!("/kelola/unit/{unit}"));
    assert!(visible_text(b, ".done").await.contains("Kampanye ditutup"));
    assert_eq!(app.count("SELECT COUNT(*) FROM campaign WHERE closed_at IS NOT NULL").await, 1);
}

/// The assessor: exclude a response (refused without a reason first), record TLHP and kinerja,
/// read the audit log by key names.
async fn assessor(b: &Client, app: &TestApp, key: &str, campaign_id: &str, unit: &str) {
    login(b, app, key, &format!("/laporan/kampanye/{campaign_id}")).await;
    click_and_wait(b, "nav a[href$='/respons']").await;
    accessible(b, "responses").await;
    let first = b.find(Locator::Css("tbody tr")).await.unwrap();
    let rid = first.attr("id").await.unwrap().unwrap().trim_start_matches("r-").to_owned();
    click_and_wait(b, &format!("#r-{rid} button[type='submit']")).await;
    assert!(b.title().await.unwrap().starts_with("Kesalahan: "));
    assert!(visible_text(b, &format!("#reason-{rid}-err")).await.contains("Wajib diisi"));
    assert_eq!(app.count("SELECT COUNT(*) FROM exclusion").await, 0);
    fill(b, &format!("reason-{rid}"), "Diisi petugas loket, bukan warga").await;
    click_and_wait(b, &format!("#r-{rid} button[type='submit']")).await;
    assert!(visible_text(b, ".done").await.contains("dikeluarkan"));
    assert_eq!(app.count("SELECT COUNT(*) FROM exclusion").await, 1);
    assert!(body(b).await.contains("Diisi petugas loket, bukan warga"));
    accessible(b, "responses, excluded").await;
    shot(b, "assessor-responses.png").await;

    b.goto(&app.url(&format!("/laporan/unit/{unit}"))).await.unwrap();
    click_and_wait(b, "nav a[href*='/evaluasi/']").await;
    accessible(b, "evaluation").await;
    fill(b, "tlhp_percent", "87,5").await;
    b.find(Locator::Id("kinerja")).await.unwrap().select_by_value("B").await.unwrap();
    click_and_wait(b, "form.stack button[type='submit']").await;
    assert!(visible_text(b, ".done").await.contains("disimpan"));
    let tlhp = b.find(Locator::Id("tlhp_percent")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(tlhp.as_deref(), Some("87.5"));
    shot(b, "assessor-evaluation.png").await;

    b.find(Locator::Css("nav a[href='/laporan/audit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    loaded_path(b, "/laporan/audit").await;
    let text = body(b).await;
    for expected in [
        "Operator Loket Jaksel",
        "response.exclude",
        "Diisi petugas loket, bukan warga",
        "evaluation.create",
        "campaign.close",
    ] {
        assert!(text.contains(expected), "the audit log shows {expected}");
    }
    accessible(b, "audit").await;
    shot(b, "assessor-audit.png").await;
}

#[tokio::test]
async fn the_workbench_end_to_end_in_a_browser() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_PUBLIC_URL".into(), PUBLIC.into());
    })
    .await;
    let (_, assessor_key) = app.create_key_named("Asesor TPN Jakarta", "assessor", None).await;
    let Some(driver) = Driver::start_or_skip("the_workbench_end_to_end_in_a_browser").await else {
        return;
    };
    let started = Instant::now();
    let key = journey(&driver, "admin", 1280, 900, false, async |b| admin(b, &app).await).await;
    let unit = crate::helpers::first_id(&app, "unit").await;
    let operator = driver.session_sized(1280, 900, false).await;
    let setup = std::panic::AssertUnwindSafe(operator_sets_up(&operator, &app, &key, &unit))
        .catch_unwind()
        .await;
    let (campaign, desk_url, codes) = match setup {
        Ok(v) => v,
        Err(p) => {
            let _ = operator
                .screenshot()
                .await
                .map(|png| std::fs::write(output_dir().join("operator-failure.png"), png));
            let _ = operator.close().await;
            std::panic::resume_unwind(p)
        }
    };
    journey(&driver, "citizen", 360, 740, true, async |b| {
        citizens(b, &app, &desk_url, &codes).await
    })
    .await;
    let closed = std::panic::AssertUnwindSafe(operator_closes(&operator, &app, &campaign, &unit))
        .catch_unwind()
        .await;
    if closed.is_err() {
        let _ = operator
            .screenshot()
            .await
            .map(|png| std::fs::write(output_dir().join("operator-failure.png"), png));
    }
    let _ = operator.close().await;
    if let Err(p) = closed {
        std::panic::resume_unwind(p);
    }
    let campaign_id = campaign.trim_start_matches("/kelola/kampanye/").to_owned();
    journey(&driver, "assessor", 1280, 900, false, async |b| {
        assessor(b, &app, &assessor_key, &campaign_id, &unit).await
    })
    .await;
    drop(driver);
    assert!(
        started.elapsed() < Duration::from_secs(180),
        "the journeys took {:?}",
        started.elapsed()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM response").await, 3, "three citizens answered");
}

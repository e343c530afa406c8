//! `INTEGRITAS_PUBLIC_URL`: unset (the test default) or naming this machine, the service warns at
//! start-up and posters and token slips carry a "do not print" notice that printing keeps; with a
//! real public address, neither.

use serde_json::{Value, json};

use crate::campaigns::{open_link, unit_and_campaign};
use crate::helpers::{TestApp, captured_logs, spawn_app, spawn_app_with};

/// The poster of a new open link and a sheet of two token slips, as HTML.
async fn poster_and_slips(app: &TestApp) -> (String, String) {
    let (_, c) = unit_and_campaign(app, "ipkp").await;
    let cid = c["id"].as_str().unwrap();
    let link: Value = open_link(app, cid, json!({"label": "Loket 1"})).await;
    let poster = app
        .get(&format!("/links/{}/poster", link["id"].as_str().unwrap()), Some(&app.admin_key))
        .await;
    assert_eq!(poster.status(), 200);
    let slips = app
        .post_json(
            &format!("/api/v1/campaigns/{cid}/tokens?format=html"),
            Some(&app.admin_key),
            &json!({"count": 2}),
        )
        .await;
    assert_eq!(slips.status(), 201);
    (poster.text().await.unwrap(), slips.text().await.unwrap())
}

/// The page's rules for print (`selector`, `declarations`), which must not hide the notice.
fn print_rules(html: &str) -> Vec<(String, String)> {
    let start = html.find("@media print{").expect("a print stylesheet") + "@media print{".len();
    let block = &html[start..];
    // The block ends at the first "}}" (its last rule set closing, then the media block).
    let block = &block[..block.find("}}").expect("end of @media print") + 1];
    block
        .split_terminator('}')
        .filter_map(|rule| rule.split_once('{'))
        .map(|(sel, decl)| (sel.trim().to_owned(), decl.replace(' ', "")))
        .collect()
}

fn assert_notice(name: &str, html: &str) {
    let id = html
        .find("JANGAN DICETAK")
        .unwrap_or_else(|| panic!("{name}: no Indonesian notice"));
    let en = html.find("DO NOT PRINT").unwrap_or_else(|| panic!("{name}: no English notice"));
    assert!(id < en, "{name}: Bahasa Indonesia first");
    assert!(html.contains("<code>INTEGRITAS_PUBLIC_URL</code>"), "{name}: names the setting");
    assert!(html.contains("<div class=\"warn\" role=\"alert\">"), "{name}: the notice block");
    let rules = print_rules(html);
    // The parse is right: the screen-only tip is the one thing printing hides.
    assert!(
        rules.iter().any(|(s, d)| s == ".tip" && d.contains("display:none")),
        "{name}: {rules:?}"
    );
    for (selector, decl) in rules {
        let hides = ["display:none", "visibility:hidden", "opacity:0"].iter().any(|h| decl.contains(h));
        assert!(
            !(hides && (selector.contains(".warn") || selector.contains(".dnp") || selector.contains("[role"))),
            "{name}: printing hides the notice: {selector}{{{decl}}}"
        );
    }
}

#[tokio::test]
async fn without_a_public_url_posters_and_slips_say_do_not_print() {
    let app = spawn_app().await;
    let (poster, slips) = poster_and_slips(&app).await;
    assert!(poster.contains(&app.address), "the poster prints the loopback address");
    assert_notice("poster", &poster);
    assert_notice("slips", &slips);
    // Each sheet of slips says it too, not only the top of the page.
    assert_eq!(
        slips.matches("<b class=\"dnp\">").count(),
        slips.matches("<section class=\"sheet").count()
    );

    // The start-up warning, at WARN level, naming the address and the setting.
    let expected = format!("INTEGRITAS_PUBLIC_URL is not set, so survey links use {}:", app.address);
    let logs = captured_logs();
    let line = logs
        .lines()
        .find(|l| l.contains(&expected))
        .unwrap_or_else(|| panic!("no start-up warning for {}", app.address));
    assert!(line.contains(" WARN "), "{line}");
    assert!(
        line.contains("cannot reach") && line.contains("INTEGRITAS_PUBLIC_URL=https://"),
        "{line}"
    );
}

#[tokio::test]
async fn a_loopback_public_url_is_warned_about_too() {
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_PUBLIC_URL".into(), "http://localhost:8080".into());
    })
    .await;
    let (poster, slips) = poster_and_slips(&app).await;
    assert!(poster.contains("localhost:8080/s/"));
    assert_notice("poster", &poster);
    assert_notice("slips", &slips);
}

#[tokio::test]
async fn with_a_public_url_there_is_no_notice() {
    let public = "https://survei.imigrasi-jaksel.example.id";
    let app = spawn_app_with(|env| {
        env.insert("INTEGRITAS_PUBLIC_URL".into(), public.into());
    })
    .await;
    let (poster, slips) = poster_and_slips(&app).await;
    assert!(
        poster.contains("survei.imigrasi-jaksel.example.id/s/"),
        "the poster prints the public address"
    );
    assert!(
        slips.contains("survei.imigrasi-jaksel.example.id/kode"),
        "the slips print where to type their codes"
    );
    for (name, html) in [("poster", &poster), ("slips", &slips)] {
        for needle in ["JANGAN DICETAK", "DO NOT PRINT", "class=\"warn\"", "class=\"dnp\""] {
            assert!(!html.contains(needle), "{name} carries {needle}");
        }
    }
    assert!(!captured_logs().contains(public), "no warning about a public address");
}

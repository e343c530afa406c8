//! The workbench pages' own rules, checked on every page: escaping, no script, every POST form
//! with its `csrf` field, every field with a label, a refused form keeping what was typed with the
//! message beside the field and in the summary.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::domain::campaign::CampaignStatus;
use crate::pages::test_support::{check_common, write_out};

const EVIL: &str = "<script>alert(1)</script>";

fn nav() -> Nav {
    Nav {
        who: format!("{EVIL} (admin)"),
        csrf: "csrf-token-123".into(),
        manage_href: Some("/kelola/unit".into()),
        keys: true,
        reports_href: "/laporan/nasional".into(),
        audit: true,
    }
}

/// Every form that posts carries the session's token; every visible field has a label; nothing
/// typed by a person reaches the page unescaped.
fn check(html: &str) {
    check_common(html, "id", &[]);
    assert!(!html.contains(EVIL), "escaped");
    for form in html.split("<form").skip(1) {
        let form = &form[..form.find("</form>").expect("closed form")];
        if form.contains("method=\"post\"") {
            assert!(
                form.contains("name=\"csrf\" value=\"csrf-token-123\""),
                "a POST form without csrf: {form}"
            );
        }
    }
    for tag in ["<input", "<select", "<textarea"] {
        for field in html.split(tag).skip(1) {
            let field = &field[..field.find('>').unwrap()];
            if field.contains("type=\"hidden\"") {
                continue;
            }
            let id = field
                .split("id=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_else(|| panic!("a field without id: {field}"));
            assert!(
                html.contains(&format!("<label for=\"{id}\"")) || html.contains(&format!("<label class=\"choice\" for=\"{id}\"")),
                "no label for {id}"
            );
        }
    }
}

fn refused(values: &[(&str, &str)], errors: &[(&str, &str)]) -> FormState {
    FormState {
        values: values.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
        errors: errors.iter().map(|(k, v)| ((*k).into(), vec![(*v).into()])).collect(),
        prefix: "",
    }
}

#[test]
fn units_page_keeps_what_was_typed() {
    let units = [UnitRow {
        id: Uuid::nil(),
        slug: "kanim".into(),
        name: EVIL.into(),
        instansi: EVIL.into(),
        service_types: vec![EVIL.into()],
    }];
    let form = refused(
        &[("slug", "Bad Slug"), ("name", EVIL), ("service_types", "Paspor\nVisa")],
        &[("slug", "must be lower-case"), ("instansi", "is required")],
    );
    let html = units_page(&UnitsPage {
        nav: &nav(),
        units: &units,
        form: &form,
        created: None,
    });
    write_out("kelola-units.html", &html);
    check(&html);
    assert!(html.contains("value=\"Bad Slug\""), "typed value kept");
    assert!(html.contains(">Paspor\nVisa</textarea>") || html.contains(">Paspor\r\nVisa</textarea>") || html.contains("Paspor\nVisa"));
    assert!(html.contains("id=\"slug-err\""), "message next to the field");
    assert!(html.contains("aria-describedby=\"slug-hint slug-err\""));
    assert!(html.contains("Wajib diisi. / is required"), "translated");
    assert!(html.contains("<a href=\"#slug\">"), "summary links to the field");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<title>Kesalahan: "));
}

#[test]
fn keys_page_shows_a_new_key_once_and_never_a_hash() {
    let keys = [KeyRow {
        id: Uuid::nil(),
        name: EVIL.into(),
        role: "operator".into(),
        unit: Some(EVIL.into()),
        created_at: Utc.with_ymd_and_hms(2026, 5, 1, 3, 0, 0).unwrap(),
        revoked_at: None,
    }];
    let html = keys_page(&KeysPage {
        nav: &nav(),
        keys: &keys,
        units: &[(Uuid::nil(), EVIL.into())],
        form: &FormState::default(),
        new_key: Some(NewKey {
            name: "Operator",
            role: "operator",
            key: "itg_secret",
        }),
        revoked: None,
    });
    write_out("kelola-keys.html", &html);
    check(&html);
    assert!(html.contains("itg_secret"));
    assert!(html.contains("2026-05-01 10:00 WIB"), "times in WIB");
    assert!(html.contains("/kelola/kunci/00000000-0000-0000-0000-000000000000/cabut"));
}

fn row(status: CampaignStatus, n: u64, index: Option<f64>) -> CampaignRow {
    CampaignRow {
        id: Uuid::nil(),
        title: EVIL.into(),
        form: "ipkp".into(),
        status,
        n,
        required_n: 169,
        index,
        withheld: n > 0,
        days_left: Some(12),
    }
}

#[test]
fn dashboard_shows_progress_and_the_published_index() {
    let rows = [
        row(CampaignStatus::Open, 67, None),
        row(CampaignStatus::Open, 200, Some(3.4567)),
        row(CampaignStatus::Closed, 0, None),
    ];
    let html = dashboard_page(&DashboardPage {
        nav: &nav(),
        unit_id: Uuid::nil(),
        unit_name: EVIL,
        instansi: EVIL,
        rows: &rows,
        done: None,
    });
    write_out("kelola-dashboard.html", &html);
    check(&html);
    assert!(html.contains("<progress") && html.contains("max=\"169\" value=\"67\""));
    assert!(html.contains("max=\"169\" value=\"169\""), "the bar stops at the requirement");
    assert!(html.contains("3.46"));
    assert!(html.contains("belum diterbitkan"), "withheld, with the reason");
    assert!(html.contains("12 hari lagi / 12 days left"));
    assert!(html.contains("selesai / ended"));
}

#[test]
fn new_campaign_form_shows_the_required_sample() {
    let form = refused(&[("form", "ipkp"), ("population", "500")], &[("title", "is required")]);
    let html = new_campaign_page(&NewCampaignPage {
        nav: &nav(),
        unit_id: Uuid::nil(),
        unit_name: EVIL,
        forms: &[("ipkp".into(), EVIL.into()), ("skm".into(), "SKM".into())],
        form: &form,
        required: Some((Some(500), 217)),
        table: &[(100, 80), (500, 217)],
    });
    write_out("kelola-campaign-new.html", &html);
    check(&html);
    assert!(html.contains("id=\"form-ipkp\" name=\"form\" value=\"ipkp\" checked"));
    assert!(html.contains("<strong>217</strong> responden"));
    assert!(html.contains("value=\"500\""));
    assert!(html.contains("id=\"title-err\""));
}

#[test]
fn campaign_page_has_every_form_with_distinct_ids() {
    let r = row(CampaignStatus::Open, 67, None);
    let links = [LinkRow {
        id: Uuid::nil(),
        label: EVIL.into(),
        url: "https://x/s/abc".into(),
        max_responses: Some(100),
        expires_at: None,
        revoked: false,
    }];
    let batches = [BatchRow {
        id: Uuid::nil(),
        label: Some(EVIL.into()),
        issued: 5,
        redeemed: 2,
        created_at: Utc.with_ymd_and_hms(2026, 5, 1, 3, 0, 0).unwrap(),
        revoked: false,
    }];
    let link_form = refused(&[("label", "")], &[("label", "is required")]).prefixed("meja-");
    let batch_form = FormState::default().prefixed("token-");
    let html = campaign_page(&CampaignPage {
        nav: &nav(),
        id: Uuid::nil(),
        title: EVIL,
        unit_id: Uuid::nil(),
        unit_name: EVIL,
        form_title: EVIL,
        opens_at: None,
        closes_at: None,
        row: &r,
        links: &links,
        batches: &batches,
        link_form: &link_form,
        batch_form: &batch_form,
        done: None,
    });
    write_out("kelola-campaign.html", &html);
    check_common(&html, "id", &["https://x/s/abc"]);
    let mut ids: Vec<&str> = html.split(" id=\"").skip(1).map(|r| r.split('"').next().unwrap()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "every element id once");
    assert!(html.contains("id=\"meja-label-err\"") && html.contains("<a href=\"#meja-label\">"));
    assert!(html.contains("/kelola/meja/00000000-0000-0000-0000-000000000000/poster"));
    assert!(html.contains("/kelola/meja/00000000-0000-0000-0000-000000000000/qr.png"));
    assert!(html.contains("/kelola/kampanye/00000000-0000-0000-0000-000000000000/tutup"));
    assert_eq!(
        html.matches("name=\"csrf\" value=\"csrf-token-123\"").count(),
        5,
        "logout, add a desk, revoke it, issue slips, revoke them"
    );
}

#[test]
fn closing_below_the_required_sample_warns() {
    let html = close_page(&ClosePage {
        nav: &nav(),
        id: Uuid::nil(),
        title: EVIL,
        unit_name: EVIL,
        n: 67,
        required_n: 169,
        already_closed: false,
    });
    write_out("kelola-close.html", &html);
    check(&html);
    assert!(html.contains("67 dari 169 responden yang dibutuhkan"));
    assert!(html.contains("role=\"alert\""));
    let enough = close_page(&ClosePage {
        nav: &nav(),
        id: Uuid::nil(),
        title: "t",
        unit_name: "u",
        n: 169,
        required_n: 169,
        already_closed: false,
    });
    assert!(!enough.contains("role=\"alert\""));
}

#[test]
fn responses_page_keeps_a_refused_reason_beside_its_response() {
    let a = Uuid::from_u128(1);
    let b = Uuid::from_u128(2);
    let rows: Vec<ResponseRow> = [a, b]
        .into_iter()
        .map(|id| ResponseRow {
            id,
            recorded_on: chrono::NaiveDate::from_ymd_opt(2026, 5, 2).unwrap(),
            channel: "open_link".into(),
            link_label: Some(EVIL.into()),
            speeder: id == a,
            diarahkan: false,
            excluded: id == b,
            reason: Some(EVIL.into()),
        })
        .collect();
    let form = refused(&[("reason", "abc")], &[("reason", "write at least 5 characters")]).prefixed("reason-");
    let html = responses_page(&ResponsesPage {
        nav: &nav(),
        campaign_id: Uuid::nil(),
        title: EVIL,
        unit_name: EVIL,
        rows: &rows,
        after: None,
        next: Some(b),
        form: &form,
        failed: Some(a),
        done: None,
    });
    write_out("kelola-responses.html", &html);
    check(&html);
    assert!(html.contains(&format!("/laporan/respons/{a}/keluarkan")));
    assert!(html.contains(&format!("/laporan/respons/{b}/masukkan")));
    assert!(html.contains(&format!("id=\"reason-{a}\" name=\"reason\" value=\"abc\"")));
    assert!(html.contains(&format!("id=\"reason-{a}-err\"")));
    assert!(html.contains("Tulis sedikitnya 5 karakter."));
    assert!(html.contains(&format!("setelah={b}")), "next page");
}

#[test]
fn evaluation_and_audit_pages() {
    let form = FormState::with(BTreeMap::from([
        ("rule".into(), "permenpanrb-90-2021".into()),
        ("kinerja".into(), "B".into()),
    ]));
    let html = evaluation_page(&EvaluationPage {
        nav: &nav(),
        unit_id: Uuid::nil(),
        unit_name: EVIL,
        year: 2026,
        rules: &[
            ("permenpanrb-90-2021", "PermenPANRB 90/2021"),
            ("permenpanrb-52-2014", "PermenPANRB 52/2014"),
        ],
        grades: &["A", "B", "C", "D", "E"],
        form: &form,
        recorded: Some(EVIL),
        hasil_href: "/laporan/unit/x?year=2026",
        editable: true,
        done: None,
    });
    write_out("kelola-evaluation.html", &html);
    check(&html);
    assert!(html.contains("<option value=\"B\" selected>B</option>"));
    assert!(html.contains("<option value=\"permenpanrb-90-2021\" selected>"));
    let rows = [AuditRow {
        at: Utc.with_ymd_and_hms(2026, 5, 1, 3, 0, 0).unwrap(),
        actor: EVIL.into(),
        role: "assessor".into(),
        action: "response.exclude".into(),
        entity: EVIL.into(),
        unit: Some(EVIL.into()),
        reason: Some(EVIL.into()),
        detail: EVIL.into(),
    }];
    let html = audit_page(&AuditPage {
        nav: &nav(),
        rows: &rows,
        units: &[(Uuid::nil(), EVIL.into())],
        unit: Some(Uuid::nil()),
        limit: 200,
    });
    write_out("kelola-audit.html", &html);
    check(&html);
    assert!(html.contains("selected>&#60;script") || html.contains("selected>&lt;script"));
}

#[test]
fn a_notice_without_a_session_has_no_nav() {
    let html = notice_page(&Notice {
        nav: None,
        title: "Sesi berakhir",
        message: EVIL,
        back: Some(("/masuk", "Masuk")),
    });
    check(&html);
    assert!(!html.contains("/keluar"));
}

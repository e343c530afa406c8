//! Test data for the report pages: an analysis of 40 made-up respondents the way the results
//! use case computes it, a ledger verification, and a unit's hasil under both rules.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeZone, Utc};
use uuid::Uuid;

use super::super::*;
use crate::domain::campaign::{CampaignStatus, Period};
use crate::domain::scoring::{HasilInputs, KinerjaGrade, RuleId, SurveyIndex, evaluate, verdict};
use crate::domain::stats::{AnalysisInput, ItemCounts, Moments, analyse};
// The rest of the view types (`report/mod.rs` names those the pages take), in one place.
use crate::domain::evaluation::Pooling;
use crate::domain::time_zone::TimeZone as Zone;
use crate::views::hasil::{CampaignRef, Inputs, UnitRef};
pub(super) use crate::views::results::Subset;
use crate::views::results::{BlockCheck, Cell, Change, Explanation, Flags, LedgerHead, Publication};

pub(super) fn nav(national: bool) -> Nav<'static> {
    Nav {
        who: "assessor · TPN Jakarta",
        csrf: "csrf-<x>-123",
        national,
        links: &[],
    }
}

pub(super) const EVIL: &str = "<script>alert(1)</script>";

const ITEMS: [&str; 8] = [
    "informasi",
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "sarana",
    "respons",
    "pengaduan",
];

/// An analysis of `rows` (answers per item, 1..4) the way the route computes it.
pub(super) fn analysis(rows: &[[u8; 8]], population: Option<u64>) -> crate::domain::stats::Analysis {
    let w = [1.0 / 8.0; 8];
    let mut scores = Moments::default();
    let mut totals = Moments::default();
    for r in rows {
        scores.push(r.iter().map(|&x| f64::from(x) / 8.0).sum());
        totals.push(r.iter().map(|&x| f64::from(x)).sum());
    }
    let items: Vec<ItemCounts> = ITEMS
        .iter()
        .enumerate()
        .map(|(i, id)| ItemCounts {
            id: (*id).to_owned(),
            counts: (1..=4u8).map(|v| rows.iter().filter(|r| r[i] == v).count() as u64).collect(),
        })
        .collect();
    analyse(&AnalysisInput {
        scale_max: 4,
        items: &items,
        weights: &w,
        scores,
        totals,
        population,
    })
}

pub(super) fn answers() -> Vec<[u8; 8]> {
    // Each respondent has a general level; items wobble around it (so alpha is realistic).
    let mut seed = 0x2545_f491_u32;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    (0..40)
        .map(|_| {
            let level = [2i32, 3, 3, 3, 4][(next() % 5) as usize];
            std::array::from_fn(|i| {
                let wobble = [0i32, 0, 0, 1, -1][(next() % 5) as usize] - i32::from(i == 2);
                (level + wobble).clamp(1, 4) as u8
            })
        })
        .collect()
}

pub(super) fn results() -> Results {
    let rows = answers();
    let all = analysis(&rows, Some(250));
    let clean = analysis(&rows[..37], Some(250));
    let previous_index = all.index.value.map(|v| v - 0.123456);
    let mut breakdowns = BTreeMap::new();
    breakdowns.insert(
        "layanan".to_owned(),
        vec![
            Cell {
                value: "Paspor".to_owned(),
                n: Some(30),
                index: Some(3.0312),
                suppressed: false,
                reason: None,
            },
            Cell {
                value: format!("Izin {EVIL}"),
                n: None,
                index: None,
                suppressed: true,
                reason: Some(Explanation {
                    id: "kurang dari 5 responden".to_owned(),
                    en: "fewer than 5 respondents".to_owned(),
                }),
            },
        ],
    );
    breakdowns.insert("usia".to_owned(), Vec::new());
    // Stored by code, read alphabetically ("25-39" before "<25"); shown by label in the form's order.
    breakdowns.insert(
        "pendidikan".to_owned(),
        vec![
            Cell {
                value: "diploma-s1".to_owned(),
                n: Some(12),
                index: Some(3.1),
                suppressed: false,
                reason: None,
            },
            Cell {
                value: "sd-smp".to_owned(),
                n: Some(9),
                index: Some(2.9),
                suppressed: false,
                reason: None,
            },
            Cell {
                value: "sma".to_owned(),
                n: Some(19),
                index: Some(3.0),
                suppressed: false,
                reason: None,
            },
        ],
    );
    Results {
        campaign_id: Uuid::from_u128(0xC1),
        unit_id: Uuid::from_u128(0xA1),
        form: "ipkp".to_owned(),
        form_version: 1,
        index_name: "IPKP".to_owned(),
        scale_max: 4,
        status: CampaignStatus::Closed,
        n: all.n,
        snapshot_n: all.n,
        publication: Publication {
            k: 10,
            exact: true,
            snapshot_blocks: 3,
            distributions_shown: true,
            includes_flagged: true,
            note: None,
        },
        population: Some(250),
        required_n: 152,
        adequate: false,
        index: all.index,
        alpha: all.alpha,
        items: all.items,
        flags: Flags {
            speeder: 2,
            diarahkan: 1,
            flagged: 3,
            excluded: 1,
        },
        without_flagged: Subset {
            n: clean.n,
            adequate: false,
            index: clean.index,
            alpha: clean.alpha,
            items: clean.items,
        },
        breakdowns,
        desks: vec![Cell {
            value: "Loket 1".to_owned(),
            n: Some(40),
            index: Some(3.0),
            suppressed: false,
            reason: None,
        }],
        change: Some(Change {
            previous_campaign_id: Uuid::from_u128(0xC0),
            previous_index,
            difference: 0.123456,
            t: Some(2.1),
            df: Some(70.3),
            p_value: Some(0.0391),
        }),
        change_reason: None,
        ledger: LedgerHead {
            head: Some("ab".repeat(32)),
            blocks: 2,
            sealed: 38,
            unsealed: 2,
        },
    }
}

pub(super) fn verification(ok: bool) -> Verification {
    let at = Utc.with_ymd_and_hms(2025, 6, 2, 3, 4, 5).unwrap();
    Verification {
        campaign_id: Uuid::from_u128(0xC1),
        ok,
        head: LedgerHead {
            head: Some("ab".repeat(32)),
            blocks: 2,
            sealed: 38,
            unsealed: 2,
        },
        blocks: vec![
            BlockCheck {
                seq: 1,
                hash: "cd".repeat(32),
                prev_hash: "0".repeat(64),
                count: 20,
                sealed_at: at,
                ok: true,
                problems: vec![],
            },
            BlockCheck {
                seq: 2,
                hash: "ab".repeat(32),
                prev_hash: "cd".repeat(32),
                count: 18,
                sealed_at: at,
                ok,
                problems: if ok {
                    vec![]
                } else {
                    vec![format!("response 7 content hash mismatch {EVIL}")]
                },
            },
        ],
        checked_blocks: 2,
        problems: if ok {
            vec![]
        } else {
            vec!["unsealed response 40: content hash mismatch".to_owned()]
        },
    }
}

pub(super) fn render_campaign(r: &Results, v: &Verification, title: &str) -> String {
    let value = r.index.value_0_4.unwrap();
    let ci = (r.index.ci_low.unwrap(), r.index.ci_high.unwrap());
    let thresholds: Vec<ThresholdRow> = [
        (2.0, "Batas bawah uji / test floor ≥ 2,00"),
        ((value * 100.0).round() / 100.0, "Nilai titik / at the point"),
        (3.6, "WBBM (PermenPANRB 90/2021): IPKP ≥ 3,60"),
    ]
    .iter()
    .map(|(t, label)| {
        let (vd, point) = verdict(value, Some(ci), *t, r.n, 30);
        ThresholdRow {
            label: (*label).to_owned(),
            threshold_0_4: *t,
            verdict: Some(vd),
            point: Some(point),
        }
    })
    .chain([ThresholdRow {
        label: "Tanpa data".to_owned(),
        threshold_0_4: 3.0,
        verdict: None,
        point: None,
    }])
    .collect();
    let per_day: Vec<DayCount> = (1..=12)
        .map(|d| DayCount {
            date: NaiveDate::from_ymd_opt(2025, 5, d).unwrap(),
            n: u64::from(d % 5 + 1),
        })
        .collect();
    let exclusions = vec![ExclusionRow {
        response_id: Uuid::from_u128(0xE1),
        reason: format!("Duplikat dari loket 2 {EVIL}"),
        excluded_at: Utc.with_ymd_and_hms(2025, 6, 1, 10, 22, 0).unwrap(),
    }];
    let item_labels: Vec<(String, String)> = ITEMS
        .iter()
        .map(|id| {
            (
                (*id).to_owned(),
                format!("Pernyataan tentang {id} pelayanan ini jelas dan mudah dipahami."),
            )
        })
        .collect();
    let downloads = vec![
        (
            "/api/v1/campaigns/c1/responses.csv".to_owned(),
            "Respons (CSV) / Responses (CSV)".to_owned(),
        ),
        (
            "/laporan/kampanye/c1/hasil.xlsx".to_owned(),
            "Buku kerja (XLSX) / Workbook".to_owned(),
        ),
    ];
    let defs = breakdown_defs();
    campaign_report(&CampaignReport {
        nav: nav(true),
        unit_name: &format!("Kantor Imigrasi {EVIL}"),
        unit_id: r.unit_id,
        campaign_title: title,
        form_title: "Survei Persepsi Kualitas Pelayanan",
        period: Period {
            opens_at: Some(Utc.with_ymd_and_hms(2025, 5, 1, 0, 0, 0).unwrap()),
            closes_at: Some(Utc.with_ymd_and_hms(2025, 5, 31, 0, 0, 0).unwrap()),
            closed_at: None,
        },
        time_zone: Zone::Wita,
        breakdown_defs: &defs,
        results: r,
        thresholds: &thresholds,
        per_day: &per_day,
        exclusions: &exclusions,
        ledger: v,
        item_labels: &item_labels,
        downloads: &downloads,
    })
}

/// The shipped IPKP form's demographic questions, with two service types.
pub(super) fn breakdown_defs() -> Vec<BreakdownDef> {
    let path = format!("{}/forms/ipkp.toml", env!("CARGO_MANIFEST_DIR"));
    let form = crate::domain::forms::parse_form(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    let types = ["Paspor".to_owned(), format!("Izin {EVIL}")];
    form.demographics
        .iter()
        .map(|d| BreakdownDef {
            id: d.id.clone(),
            name: d.label.clone(),
            choices: d.choices(&types).into_iter().map(|c| (c.value, c.label)).collect(),
        })
        .collect()
}

pub(super) fn survey(id: u128, title: &str, a: &crate::domain::stats::Analysis) -> (SurveyBlock, SurveyIndex) {
    let si = SurveyIndex::from_analysis(a, 4, None);
    (
        SurveyBlock {
            campaign_id: Uuid::from_u128(id),
            title: title.to_owned(),
            closed: true,
            form_version: 1,
            pooled: false,
            campaigns: vec![CampaignRef {
                id: Uuid::from_u128(id),
                title: title.to_owned(),
                form_version: 1,
                n: a.n,
                ended_at: Some(Utc.with_ymd_and_hms(2025, 6, 30, 9, 0, 0).unwrap()),
                ledger_head: Some("ef".repeat(32)),
            }],
            n: a.n,
            required_n: 152,
            minimum_n: si.minimum_n,
            adequate: false,
            index: a.index.value,
            value_0_4: si.value_0_4,
            ci_low_0_4: si.ci_low_0_4,
            ci_high_0_4: si.ci_high_0_4,
            without_flagged_value_0_4: a.index.value_0_4,
            ledger_head: Some("ef".repeat(32)),
        },
        si,
    )
}

pub(super) fn unit_hasil(name: &str, tlhp: Option<f64>, kinerja: Option<KinerjaGrade>) -> UnitHasil {
    let rows = answers();
    let high: Vec<[u8; 8]> = rows.iter().map(|r| r.map(|x| x.max(3))).collect();
    let (ipak, si_a) = survey(0xAA, &format!("IPAK 2025 {EVIL}"), &analysis(&high, None));
    let (ipkp, si_p) = survey(0xBB, "IPKP 2025", &analysis(&rows, Some(250)));
    let inputs = HasilInputs {
        ipak: Some(si_a),
        ipkp: Some(si_p),
        tlhp_percent: tlhp,
        kinerja,
    };
    UnitHasil {
        unit: UnitRef {
            id: Uuid::from_u128(0xA1),
            slug: "kanim-jaksel".to_owned(),
            name: name.to_owned(),
            instansi: "Kementerian Imigrasi dan Pemasyarakatan".to_owned(),
            time_zone: Zone::Wib,
        },
        year: 2025,
        rule: RuleId::Permenpanrb90_2021,
        inputs: Inputs {
            tlhp_percent: tlhp,
            kinerja,
            ipak_campaign_id: None,
            ipkp_campaign_id: None,
            pooling: Pooling::None,
        },
        evaluation: None,
        what_if: vec![],
        ipak: Some(ipak),
        ipkp: Some(ipkp),
        notes: vec![],
        hasil: vec![
            evaluate(RuleId::Permenpanrb90_2021, &inputs),
            evaluate(RuleId::Permenpanrb52_2014, &inputs),
        ],
    }
}

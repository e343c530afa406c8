//! The worked example of `docs/hasil.md`, reproduced through the real server on both databases.

use serde_json::{Value, json};

use crate::hasil::{closed_campaign, condition, json_of, predicate, put_json, this_year};
use crate::helpers::spawn_app;

/// The worked example of `docs/hasil.md`, number for number (to the 4 decimals the page shows).
#[tokio::test]
async fn the_worked_example_of_docs_hasil_md() {
    let app = spawn_app().await;
    let year = this_year();
    let uid = app.create_unit("kpp-contoh").await["id"].as_str().unwrap().to_owned();
    // IPAK: 32 answers of 4 and 8 of 3. IPKP: 12 of 4, 20 of 3, 4 of 2. Then an empty IPAK.
    let mut ipak = vec![4u8; 32];
    ipak.extend([3u8; 8]);
    let mut ipkp = vec![4u8; 12];
    ipkp.extend([3u8; 20]);
    ipkp.extend([2u8; 4]);
    let ipak_id = closed_campaign(&app, &uid, "ipak", "IPAK", &ipak, None).await;
    closed_campaign(&app, &uid, "ipkp", "IPKP", &ipkp, None).await;
    let empty = closed_campaign(&app, &uid, "ipak", "IPAK susulan", &[], None).await;
    let path = format!("/api/v1/units/{uid}/evaluations/{year}");
    let r = put_json(
        &app,
        &path,
        &app.admin_key,
        &json!({"rule": "permenpanrb-90-2021", "kinerja": "B", "tlhp_percent": 75}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let h = json_of(app.get(&format!("/api/v1/units/{uid}/hasil"), Some(&app.admin_key)).await).await;
    let f4 = |v: &Value| integritas::domain::numbers::fixed(v.as_f64().unwrap(), 4).unwrap();
    let ci = |v: &Value, lo: &str, hi: &str| format!("[{}, {}]", f4(&v[lo]), f4(&v[hi]));

    // Step 2: the campaigns.
    assert_eq!(h["ipak"]["campaign_id"], ipak_id.as_str());
    assert_eq!(h["notes"][0]["kind"], "skipped_empty");
    assert_eq!(h["notes"][0]["campaign_id"], empty.as_str());
    // Step 3: the surveys.
    let (a, p) = (&h["ipak"], &h["ipkp"]);
    assert_eq!(
        (a["n"].as_u64(), a["minimum_n"].as_u64(), a["required_n"].as_u64()),
        (Some(40), Some(30), Some(384))
    );
    assert_eq!(f4(&a["value_0_4"]), "3.8000");
    assert_eq!(ci(a, "ci_low_0_4", "ci_high_0_4"), "[3.6704, 3.9296]");
    assert_eq!((p["n"].as_u64(), p["minimum_n"].as_u64()), (Some(36), Some(30)));
    assert_eq!(f4(&p["value_0_4"]), "3.2222");
    assert_eq!(ci(p, "ci_low_0_4", "ci_high_0_4"), "[3.0065, 3.4379]");
    // Step 4: 90/2021.
    let r90 = &h["hasil"][0];
    assert_eq!(r90["rule"], "permenpanrb-90-2021");
    let ind = |h: &Value, i: usize| {
        (
            f4(&h["indicators"][i]["score"]),
            ci(&h["indicators"][i], "score_ci_low", "score_ci_high"),
        )
    };
    assert_eq!(ind(r90, 0), ("16.6250".into(), "[16.0582, 17.1918]".into()));
    assert_eq!(f4(&r90["indicators"][1]["score"]), "3.7500");
    assert_eq!(ind(r90, 2), ("14.0972".into(), "[13.1536, 15.0408]".into()));
    assert_eq!(f4(&r90["components"][0]["score"]), "20.3750");
    assert_eq!(ci(&r90["components"][0], "score_ci_low", "score_ci_high"), "[19.8082, 20.9418]");
    assert_eq!(f4(&r90["hasil_total"]), "34.4722");
    let verdicts = |h: &Value, p: &str| -> Vec<(String, String)> {
        predicate(h, p)["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap().to_owned(), c["verdict"].as_str().unwrap().to_owned()))
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> { v.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect() };
    assert_eq!(
        verdicts(r90, "wbk"),
        pairs(&[
            ("bersih", "pass"),
            ("ipak_score", "pass"),
            ("kinerja", "pass"),
            ("ipkp_score", "undetermined")
        ])
    );
    assert_eq!(condition(r90, "wbk", "ipkp_score")["point"], true);
    assert_eq!(predicate(r90, "wbk")["verdict"], "undetermined");
    assert_eq!(
        verdicts(r90, "wbbm"),
        pairs(&[
            ("bersih", "pass"),
            ("ipak_score", "pass"),
            ("kinerja", "pass"),
            ("ipkp_score", "fail")
        ])
    );
    assert_eq!(predicate(r90, "wbbm")["verdict"], "fail");
    // Step 5: 52/2014 with TLHP 75 %.
    let r52 = &h["hasil"][1];
    assert_eq!(ind(r52, 0), ("14.2500".into(), "[13.7642, 14.7358]".into()));
    assert_eq!(f4(&r52["indicators"][1]["score"]), "3.7500");
    assert_eq!(ind(r52, 2), ("16.1111".into(), "[15.0327, 17.1895]".into()));
    assert_eq!(f4(&r52["components"][0]["score"]), "18.0000");
    assert_eq!(ci(&r52["components"][0], "score_ci_low", "score_ci_high"), "[17.5142, 18.4858]");
    assert_eq!(f4(&r52["hasil_total"]), "34.1111");
    assert_eq!(
        verdicts(r52, "wbk"),
        pairs(&[("bersih", "undetermined"), ("ipak_score", "pass"), ("tlhp_score", "pass")])
    );
    assert_eq!(
        verdicts(r52, "wbbm"),
        pairs(&[
            ("bersih", "undetermined"),
            ("ipak_score", "pass"),
            ("tlhp_score", "pass"),
            ("pelayanan", "undetermined")
        ])
    );
    assert_eq!(predicate(r52, "wbbm")["verdict"], "undetermined");
}

//! Upgrading a database that already holds data: the migrations bring old rows along, so old
//! campaigns keep their results, breakdowns, desk figures and verifiable ledger.

use crate::foundation::persistent_database;

/// Upgrading a database that already holds responses: migration 000005 copies each response's
/// score onto its field rows, 000006 marks the responses already in a block and gives every
/// existing block its tallies, and 000030 its desk tallies, so old data keeps its results,
/// breakdowns and desk figures.
#[tokio::test]
async fn upgrading_backfills_the_breakdown_scores() {
    use migrations::MigratorTrait;
    use sea_orm::{ConnectionTrait, Value};
    let (url, _guard) = persistent_database().await;
    let db = sea_orm::Database::connect(&url).await.unwrap();
    migrations::Migrator::up(&db, Some(4)).await.unwrap();
    let run = |sql: &'static str, values: Vec<Value>| {
        let db = db.clone();
        async move { db.execute_raw(integritas::repo::stmt(&db, sql, values)).await.unwrap() }
    };
    let now = chrono::Utc::now();
    let (unit, campaign) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    run(
        "INSERT INTO unit (id, slug, name, instansi, service_types, default_rule, created_at) VALUES ($1, 'lama', 'Lama', 'K', '[]', 'permenpanrb-90-2021', $2)",
        vec![unit.into(), now.into()],
    )
    .await;
    run(
        "INSERT INTO form_version (form_id, version, fingerprint, canonical, frozen_at) VALUES ('ipkp', 1, 'f', '{}', $1)",
        vec![now.into()],
    )
    .await;
    run(
        "INSERT INTO campaign (id, unit_id, form_id, form_version, title, rule, created_at) VALUES ($1, $2, 'ipkp', 1, 'Lama', 'permenpanrb-90-2021', $3)",
        vec![campaign.into(), unit.into(), now.into()],
    )
    .await;
    let scores = [2.5f64, 3.625];
    let mut ids = Vec::new();
    for score in scores {
        let id = uuid::Uuid::new_v4();
        ids.push(id);
        run(
            "INSERT INTO response (id, campaign_id, submitted_on, channel, score, total, speeder, diarahkan, flagged, content_hash) \
             VALUES ($1, $2, $3, 'token', $4, 20, FALSE, FALSE, FALSE, 'h')",
            vec![id.into(), campaign.into(), now.date_naive().into(), score.into()],
        )
        .await;
        run(
            "INSERT INTO response_field (response_id, campaign_id, kind, key, value) VALUES ($1, $2, 'demographic', 'usia', '25-39'), ($3, $4, 'screening', 'diarahkan', 'tidak')",
            vec![id.into(), campaign.into(), id.into(), campaign.into()],
        )
        .await;
    }
    // The first came through a desk (open link).
    let desk = uuid::Uuid::new_v4();
    run(
        "INSERT INTO open_link (id, campaign_id, code, label, created_at) VALUES ($1, $2, 'lama-loket', 'Loket 1', $3)",
        vec![desk.into(), campaign.into(), now.into()],
    )
    .await;
    run(
        "UPDATE response SET channel = 'open_link', open_link_id = $1 WHERE id = $2",
        vec![desk.into(), ids[0].into()],
    )
    .await;
    // The first response was already sealed into a block before the upgrade.
    let block = uuid::Uuid::new_v4();
    run(
        "INSERT INTO ledger_block (id, campaign_id, seq, prev_hash, hash, count, sealed_at) VALUES ($1, $2, 1, 'g', 'h', 1, $3)",
        vec![block.into(), campaign.into(), now.into()],
    )
    .await;
    run(
        "INSERT INTO ledger_entry (response_id, block_id, campaign_id, position) VALUES ($1, $2, $3, 0)",
        vec![ids[0].into(), block.into(), campaign.into()],
    )
    .await;
    migrations::Migrator::up(&db, None).await.unwrap();
    // It is marked sealed and its block has tallies; the other stays in the live part.
    let sealed = |id: uuid::Uuid| {
        let db = db.clone();
        async move {
            let r = db
                .query_one_raw(integritas::repo::stmt(
                    &db,
                    "SELECT sealed FROM response WHERE id = $1",
                    vec![id.into()],
                ))
                .await
                .unwrap()
                .unwrap();
            r.try_get::<bool>("", "sealed").unwrap()
        }
    };
    assert!(sealed(ids[0]).await);
    assert!(!sealed(ids[1]).await);
    let tallies = db
        .query_all_raw(integritas::repo::stmt(
            &db,
            "SELECT kind, key, value, n, s FROM ledger_tally WHERE block_id = $1 ORDER BY kind",
            vec![block.into()],
        ))
        .await
        .unwrap();
    let tallies: Vec<(String, String, String, i64, f64)> = tallies
        .iter()
        .map(|r| {
            (
                r.try_get("", "kind").unwrap(),
                r.try_get("", "key").unwrap(),
                r.try_get("", "value").unwrap(),
                r.try_get("", "n").unwrap(),
                r.try_get("", "s").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tallies,
        [
            ("desk".to_owned(), desk.simple().to_string(), String::new(), 1, 2.5),
            ("field".to_owned(), "usia".to_owned(), "25-39".to_owned(), 1, 2.5),
            ("response".to_owned(), String::new(), String::new(), 1, 2.5)
        ]
    );
    let desks = integritas::repo::publication::desk_cells(&db, campaign).await.unwrap();
    assert_eq!(desks.get(&desk.to_string()).map(|m| (m.n, m.sum)), Some((1, 2.5)));
    for (id, score) in ids.iter().zip(scores) {
        let rows = db
            .query_all_raw(integritas::repo::stmt(
                &db,
                "SELECT score FROM response_field WHERE response_id = $1",
                vec![(*id).into()],
            ))
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        for r in rows {
            assert_eq!(r.try_get::<Option<f64>>("", "score").unwrap(), Some(score));
        }
    }
    // The results read sealed blocks only: the block's cell; the response that was waiting for the
    // sealer at the upgrade is chained at start-up (`seal_legacy`), and then counts too.
    let cells = integritas::repo::results::breakdowns(&db, campaign).await.unwrap();
    assert_eq!((cells[0].0.as_str(), cells[0].1.as_str(), cells[0].2.n), ("usia", "25-39", 1));
    assert_eq!(integritas::repo::ledger::seal_legacy(&db).await.unwrap(), 1);
    assert!(sealed(ids[1]).await);
    let cells = integritas::repo::results::breakdowns(&db, campaign).await.unwrap();
    assert_eq!(cells.len(), 1);
    assert_eq!((cells[0].0.as_str(), cells[0].1.as_str(), cells[0].2.n), ("usia", "25-39", 2));
    assert_eq!(cells[0].2.sum, 6.125);
    let _ = db.close().await;
}

//! Baseline mode: the same rows, with the same transaction shape as `repo::responses`, straight
//! through the database driver (no HTTP, no lookups), on a fresh database of the same kind with the
//! service's own pool settings — the limit for durable submissions on this machine.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use integritas::config::Settings;
use integritas::domain::credentials::new_token;
use integritas::domain::forms::{Form, ValidSubmission, validate_submission};
use integritas::domain::ledger::{ResponseContent, content_hash};
use migrations::{Migrator, MigratorTrait};
use rand::SeedableRng;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait, Value};

use crate::db::fresh_db;
use crate::measure::{CpuWatch, Summary, Tally, cpu_report, machine_cpu, own_cpu};
use crate::plan::{Channel, Work, make_answers, plan, raw_submission};
use crate::service::redact;
use crate::{Args, tokens_for, work_for};

// ---------------------------------------------------------------------------------------------
// The raw baseline.

pub(crate) struct BaselineSetup {
    pub(crate) campaign_id: uuid::Uuid,
    pub(crate) link: (uuid::Uuid, String),
    pub(crate) form: Form,
    pub(crate) service_types: Vec<String>,
    pub(crate) token_hashes: Vec<String>,
}

pub(crate) async fn baseline_setup(db: &DatabaseConnection, args: &Args, tokens: u64) -> anyhow::Result<BaselineSetup> {
    use integritas::repo;
    Migrator::up(db, None).await?;
    let forms = integritas::startup::load_forms(&args.forms_dir)
        .map_err(|p| anyhow::anyhow!("forms: {}", p.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("; ")))?;
    let form = forms
        .into_iter()
        .map(|(_, f)| f)
        .find(|f| f.id == args.form)
        .ok_or_else(|| anyhow::anyhow!("no form `{}` in {}", args.form, args.forms_dir.display()))?;
    repo::form_versions::freeze(db, &form).await?;
    let service_types = vec!["Paspor".to_owned(), "Visa".to_owned(), "Izin Tinggal".to_owned()];
    let unit = repo::units::insert(
        db,
        repo::units::NewUnit {
            slug: "load-baseline".into(),
            name: "Unit uji beban".into(),
            instansi: "Kementerian Contoh".into(),
            service_types: service_types.clone(),
            default_rule: "permenpanrb-90-2021".into(),
            time_zone: integritas::domain::time_zone::TimeZone::Wib,
        },
    )
    .await?;
    let campaign = repo::campaigns::insert(
        db,
        repo::campaigns::NewCampaign {
            unit_id: unit.id,
            form_id: form.id.clone(),
            form_version: form.version,
            title: "Uji beban".into(),
            opens_at: None,
            closes_at: None,
            population: Some(100_000),
        },
    )
    .await?;
    let link = repo::links::insert(
        db,
        repo::links::NewLink {
            campaign_id: campaign.id,
            code: integritas::domain::credentials::new_link_code(),
            label: "Loket beban".into(),
            max_responses: None,
            expires_at: None,
        },
    )
    .await?;
    let token_hashes: Vec<String> = (0..tokens).map(|_| new_token().1).collect();
    repo::tokens::insert_batch(db, campaign.id, Some("beban".into()), None, &token_hashes).await?;
    Ok(BaselineSetup {
        campaign_id: campaign.id,
        link: (link.id, link.label),
        form,
        service_types,
        token_hashes,
    })
}

/// One submission as `repo::responses::insert` stores it: the same statements in one transaction.
pub(crate) async fn baseline_insert(
    db: &DatabaseConnection,
    campaign_id: uuid::Uuid,
    open_link: Option<(uuid::Uuid, &str)>,
    token_hash: Option<&str>,
    v: &ValidSubmission,
    turn: Option<&tokio::sync::Mutex<()>>,
) -> Result<bool, sea_orm::DbErr> {
    use integritas::repo::stmt;
    let id = uuid::Uuid::new_v4();
    let submitted_on = integritas::domain::time_zone::local_date(integritas::domain::time_zone::TimeZone::Wib, integritas::domain::now());
    let channel = if token_hash.is_some() { "token" } else { "open_link" };
    let fields: Vec<(String, String, String)> = v
        .screening
        .iter()
        .map(|(k, x)| ("screening".to_owned(), k.clone(), x.clone()))
        .chain(v.demographics.iter().map(|(k, x)| ("demographic".to_owned(), k.clone(), x.clone())))
        .collect();
    let flagged = v.flagged_screening;
    let hash = content_hash(&ResponseContent {
        id: &id.to_string(),
        campaign_id: &campaign_id.to_string(),
        submitted_on: &submitted_on.to_string(),
        channel,
        link_label: open_link.map(|(_, l)| l),
        answers: &v.answers,
        fields: &fields,
        speeder: false,
        diarahkan: flagged,
    });
    let txn = db.begin().await?;
    let _turn = match turn {
        Some(m) => Some(m.lock().await),
        None => None,
    };
    if let Some(h) = token_hash {
        let r = txn
            .execute_raw(stmt(
                &txn,
                "UPDATE token SET redeemed = TRUE WHERE token_hash = $1 AND redeemed = FALSE",
                vec![h.to_owned().into()],
            ))
            .await?;
        if r.rows_affected() != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
    }
    txn.execute_raw(stmt(
        &txn,
        "INSERT INTO response (id, campaign_id, submitted_on, channel, open_link_id, link_label, score, total, speeder, diarahkan, flagged, content_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        vec![
            id.into(),
            campaign_id.into(),
            submitted_on.into(),
            channel.into(),
            open_link.map(|(l, _)| l).into(),
            open_link.map(|(_, l)| l.to_owned()).into(),
            v.score.into(),
            (v.total as i32).into(),
            false.into(),
            flagged.into(),
            flagged.into(),
            hash.into(),
        ],
    ))
    .await?;
    let mut sql = String::from("INSERT INTO answer (response_id, campaign_id, item, value, flagged) VALUES ");
    let mut values: Vec<Value> = Vec::new();
    for (i, (item, x)) in v.answers.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        let n = values.len();
        sql.push_str(&format!("(${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5));
        values.extend([
            id.into(),
            campaign_id.into(),
            item.clone().into(),
            (*x as i16).into(),
            flagged.into(),
        ]);
    }
    txn.execute_raw(stmt(&txn, &sql, values)).await?;
    if !fields.is_empty() {
        let mut sql = String::from("INSERT INTO response_field (response_id, campaign_id, kind, key, value, score) VALUES ");
        let mut values: Vec<Value> = Vec::new();
        for (i, (kind, key, x)) in fields.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let n = values.len();
            sql.push_str(&format!("(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
            values.extend([
                id.into(),
                campaign_id.into(),
                kind.clone().into(),
                key.clone().into(),
                x.clone().into(),
                v.score.into(),
            ]);
        }
        txn.execute_raw(stmt(&txn, &sql, values)).await?;
    }
    txn.commit().await?;
    Ok(true)
}

pub(crate) async fn run_baseline(args: &Args, db: &DatabaseConnection, s: Arc<BaselineSetup>, work: Arc<Work>) -> Tally {
    let next_token = Arc::new(AtomicUsize::new(0));
    let lock = args.baseline_lock.then(|| Arc::new(tokio::sync::Mutex::new(())));
    let mut handles = Vec::new();
    for _ in 0..args.concurrency {
        let (db, s, work, next_token, lock) = (db.clone(), s.clone(), work.clone(), next_token.clone(), lock.clone());
        handles.push(tokio::spawn(async move {
            let mut t = Tally::default();
            // ThreadRng is not Send; a seeded StdRng is.
            let mut rng = rand::rngs::StdRng::from_rng(&mut rand::rng());
            while let Some(i) = work.take() {
                let token = match plan(i).0 {
                    Channel::Token => s.token_hashes.get(next_token.fetch_add(1, Ordering::Relaxed)),
                    Channel::OpenLink => None,
                };
                let a = make_answers(&s.form, &s.service_types, &mut rng);
                let valid = match validate_submission(&s.form, &s.service_types, &raw_submission(&a)) {
                    Ok(v) => v,
                    Err(e) => {
                        eprintln!("generated answers are invalid: {e:?}");
                        *t.statuses.entry("invalid".into()).or_default() += 1;
                        continue;
                    }
                };
                let link = if token.is_none() {
                    Some((s.link.0, s.link.1.as_str()))
                } else {
                    None
                };
                let started = Instant::now();
                let key = match baseline_insert(&db, s.campaign_id, link, token.map(String::as_str), &valid, lock.as_deref()).await {
                    Ok(true) => {
                        t.latencies.push(started.elapsed().as_micros() as u64);
                        "201".to_owned()
                    }
                    Ok(false) => "token used".to_owned(),
                    Err(e) => {
                        let msg = e.to_string();
                        format!("error: {}", msg.chars().take(60).collect::<String>())
                    }
                };
                *t.statuses.entry(key).or_default() += 1;
            }
            t
        }));
    }
    let mut all = Tally::default();
    for h in handles {
        if let Ok(t) = h.await {
            all.merge(t);
        }
    }
    all
}

pub(crate) async fn baseline_stored(db: &DatabaseConnection, campaign_id: uuid::Uuid) -> anyhow::Result<u64> {
    let row = db
        .query_one_raw(integritas::repo::stmt(
            db,
            "SELECT COUNT(*) AS n FROM response WHERE campaign_id = $1",
            vec![campaign_id.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count"))?;
    Ok(row.try_get::<i64>("", "n")? as u64)
}

pub(crate) async fn baseline_mode(args: &Args, tmp: &std::path::Path) -> anyhow::Result<(Summary, bool)> {
    let d = fresh_db(&args.db, tmp, "baseline").await?;
    let result = async {
        let env: BTreeMap<&str, String> = [
            ("INTEGRITAS_DATABASE_URL", d.url.clone()),
            ("INTEGRITAS_DB_POOL", args.pool.to_string()),
        ]
        .into_iter()
        .collect();
        let settings = Settings::from_lookup(|k| env.get(k).cloned())?;
        // The service's own connect: the same pool options, WAL, synchronous=FULL, busy timeout.
        let db = integritas::startup::connect(&settings).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let s = Arc::new(baseline_setup(&db, args, tokens_for(args)).await?);
        println!(
            "baseline: {} ({} tokens), pool {}, {} concurrent transactions{}",
            redact(&d.url),
            s.token_hashes.len(),
            args.pool,
            args.concurrency,
            if args.baseline_lock {
                ", one at a time (--baseline-lock)"
            } else {
                ""
            }
        );
        let pg0 = d.pg_counters().await;
        let cpu0 = CpuWatch {
            own: own_cpu(),
            machine: machine_cpu(),
            server: None,
        };
        let work = Arc::new(work_for(args));
        let started = Instant::now();
        let tally = run_baseline(args, &db, s.clone(), work).await;
        let elapsed = started.elapsed();
        let cpu1 = CpuWatch {
            own: own_cpu(),
            machine: machine_cpu(),
            server: None,
        };
        let summary = Summary::of("baseline", tally, elapsed);
        summary.print();
        cpu_report(&cpu0, &cpu1, elapsed);
        if let Some((x0, i0)) = pg0 {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            if let Some((x1, i1)) = d.pg_counters().await {
                let n = summary.acknowledged.max(1) as f64;
                println!(
                    "          postgres: {:.2} commits and {:.2} index scans per acknowledged submission",
                    (x1 - x0) as f64 / n,
                    (i1 - i0) as f64 / n
                );
            }
        }
        let stored = baseline_stored(&db, s.campaign_id).await?;
        let ok = stored == summary.acknowledged;
        println!(
            "          stored responses: {stored}; committed: {} → {}",
            summary.acknowledged,
            if ok { "none lost" } else { "MISMATCH" }
        );
        let _ = db.close().await;
        anyhow::Ok((summary, ok))
    }
    .await;
    d.cleanup(args.keep).await;
    result
}

//! The aggregates behind results and hasil, computed by the database: per-item answer counts and
//! per-response score moments, grouped by campaign and flag, over many campaigns in one query.
//! Exclusions are subtracted by a second, small query over the excluded responses only, so the
//! big scan stays an index-only GROUP BY.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};
use uuid::Uuid;

use crate::domain::stats::Moments;

/// One campaign's aggregates, split by the `flagged` flag.
#[derive(Debug, Default, Clone)]
pub struct Aggregate {
    /// (item, value, flagged) → count
    pub counts: HashMap<(String, u8, bool), i64>,
    /// flagged → (scores y, totals T)
    pub moments: HashMap<bool, (Moments, Moments)>,
}

impl Aggregate {
    /// Moments of y and T over the analysis set (with or without flagged responses).
    pub fn moments(&self, include_flagged: bool) -> (Moments, Moments) {
        let mut out = (Moments::default(), Moments::default());
        for (flagged, (y, t)) in &self.moments {
            if include_flagged || !*flagged {
                out = (out.0.merge(y), out.1.merge(t));
            }
        }
        out
    }

    pub fn count(&self, item: &str, value: u8, include_flagged: bool) -> u64 {
        let own = |f: bool| self.counts.get(&(item.to_owned(), value, f)).copied().unwrap_or(0);
        let n = own(false) + if include_flagged { own(true) } else { 0 };
        n.max(0) as u64
    }
}

fn placeholders(from: usize, n: usize) -> String {
    (0..n).map(|i| format!("${}", from + i)).collect::<Vec<_>>().join(", ")
}

fn ids_values(ids: &[Uuid]) -> Vec<Value> {
    ids.iter().map(|i| (*i).into()).collect()
}

fn moments_of(r: &QueryResult, n: &str, s: &str, ss: &str) -> Result<Moments, DbErr> {
    Ok(Moments {
        n: r.try_get::<i64>("", n)?.max(0) as u64,
        sum: r.try_get::<Option<f64>>("", s)?.unwrap_or(0.0),
        sum_sq: r.try_get::<Option<f64>>("", ss)?.unwrap_or(0.0),
    })
}

fn negate(m: Moments) -> Moments {
    Moments {
        n: 0,
        sum: -m.sum,
        sum_sq: -m.sum_sq,
    }
}

/// Aggregates for each campaign in `ids` (an empty map entry when it has no responses).
pub async fn aggregates(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, Aggregate>, DbErr> {
    let mut out: HashMap<Uuid, Aggregate> = ids.iter().map(|i| (*i, Aggregate::default())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    for chunk in ids.chunks(1000) {
        let ph = placeholders(1, chunk.len());
        let counts = db
            .query_all_raw(super::stmt(
                db,
                &format!(
                    "SELECT campaign_id, item, value, flagged, COUNT(*) AS n FROM answer WHERE campaign_id IN ({ph}) \
                     GROUP BY campaign_id, flagged, item, value"
                ),
                ids_values(chunk),
            ))
            .await?;
        for r in counts {
            let c: Uuid = r.try_get("", "campaign_id")?;
            let key = (
                r.try_get::<String>("", "item")?,
                r.try_get::<i16>("", "value")? as u8,
                r.try_get::<bool>("", "flagged")?,
            );
            *out.entry(c).or_default().counts.entry(key).or_insert(0) += r.try_get::<i64>("", "n")?;
        }
        let excluded_counts = db
            .query_all_raw(super::stmt(
                db,
                &format!(
                    "SELECT a.campaign_id AS campaign_id, a.item AS item, a.value AS value, a.flagged AS flagged, COUNT(*) AS n \
                     FROM exclusion e JOIN answer a ON a.response_id = e.response_id WHERE e.campaign_id IN ({ph}) \
                     GROUP BY a.campaign_id, a.flagged, a.item, a.value"
                ),
                ids_values(chunk),
            ))
            .await?;
        for r in excluded_counts {
            let c: Uuid = r.try_get("", "campaign_id")?;
            let key = (
                r.try_get::<String>("", "item")?,
                r.try_get::<i16>("", "value")? as u8,
                r.try_get::<bool>("", "flagged")?,
            );
            *out.entry(c).or_default().counts.entry(key).or_insert(0) -= r.try_get::<i64>("", "n")?;
        }
        let sums = "COUNT(*) AS n, SUM(r.score) AS s, SUM(r.score * r.score) AS ss, \
                    CAST(SUM(r.total) AS DOUBLE PRECISION) AS t, CAST(SUM(r.total * r.total) AS DOUBLE PRECISION) AS tt";
        let moments = db
            .query_all_raw(super::stmt(
                db,
                &format!("SELECT r.campaign_id AS campaign_id, r.flagged AS flagged, {sums} FROM response r WHERE r.campaign_id IN ({ph}) GROUP BY r.campaign_id, r.flagged"),
                ids_values(chunk),
            ))
            .await?;
        for r in moments {
            let c: Uuid = r.try_get("", "campaign_id")?;
            let f: bool = r.try_get("", "flagged")?;
            let (y, t) = (moments_of(&r, "n", "s", "ss")?, moments_of(&r, "n", "t", "tt")?);
            let e = out.entry(c).or_default().moments.entry(f).or_default();
            *e = (e.0.merge(&y), e.1.merge(&t));
        }
        let excluded = db
            .query_all_raw(super::stmt(
                db,
                &format!(
                    "SELECT r.campaign_id AS campaign_id, r.flagged AS flagged, {sums} FROM exclusion e JOIN response r ON r.id = e.response_id \
                     WHERE e.campaign_id IN ({ph}) GROUP BY r.campaign_id, r.flagged"
                ),
                ids_values(chunk),
            ))
            .await?;
        for r in excluded {
            let c: Uuid = r.try_get("", "campaign_id")?;
            let f: bool = r.try_get("", "flagged")?;
            let (y, t) = (moments_of(&r, "n", "s", "ss")?, moments_of(&r, "n", "t", "tt")?);
            let e = out.entry(c).or_default().moments.entry(f).or_default();
            let n = e.0.n.saturating_sub(y.n);
            let y2 = e.0.merge(&negate(y));
            let t2 = e.1.merge(&negate(t));
            *e = (Moments { n, ..y2 }, Moments { n, ..t2 });
        }
    }
    Ok(out)
}

/// Flag counts over the analysis set (excluded responses not counted), and the excluded count.
#[derive(Debug, Default, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub struct Flags {
    pub speeder: i64,
    pub diarahkan: i64,
    /// Responses with any flag (speeder or diarahkan).
    pub flagged: i64,
    pub excluded: i64,
}

pub async fn flags(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Flags, DbErr> {
    let sql = "SELECT \
        COALESCE(SUM(CASE WHEN r.speeder THEN 1 ELSE 0 END), 0) AS speeder, \
        COALESCE(SUM(CASE WHEN r.diarahkan THEN 1 ELSE 0 END), 0) AS diarahkan, \
        COALESCE(SUM(CASE WHEN r.flagged THEN 1 ELSE 0 END), 0) AS flagged, \
        (SELECT COUNT(*) FROM exclusion x WHERE x.campaign_id = $1) AS excluded \
        FROM response r WHERE r.campaign_id = $2 AND NOT EXISTS (SELECT 1 FROM exclusion e WHERE e.response_id = r.id)";
    let row = db
        .query_one_raw(super::stmt(db, sql, vec![campaign_id.into(), campaign_id.into()]))
        .await?;
    let Some(r) = row else { return Ok(Flags::default()) };
    Ok(Flags {
        speeder: r.try_get::<i64>("", "speeder")?,
        diarahkan: r.try_get::<i64>("", "diarahkan")?,
        flagged: r.try_get::<i64>("", "flagged")?,
        excluded: r.try_get::<i64>("", "excluded")?,
    })
}

/// Score moments per demographic value (key, value) over the analysis set.
///
/// Each demographic field row is joined to its response's score. `CROSS JOIN` makes SQLite read
/// the fields first, along `ix_response_field_breakdown` (already in GROUP BY order, response ids
/// ascending within a value), and probe `ix_response_analysis` index-only; PostgreSQL plans it as
/// the inner join it is. Exclusions are rare: without any, the per-row anti-join is left out.
pub async fn breakdowns(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<(String, String, Moments)>, DbErr> {
    let excluded = db
        .query_one_raw(super::stmt(
            db,
            "SELECT COUNT(*) AS n FROM exclusion WHERE campaign_id = $1",
            vec![campaign_id.into()],
        ))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    let not_excluded = if excluded > 0 {
        " AND NOT EXISTS (SELECT 1 FROM exclusion e WHERE e.response_id = f.response_id)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT f.key AS key, f.value AS value, COUNT(*) AS n, SUM(r.score) AS s, SUM(r.score * r.score) AS ss \
         FROM response_field f CROSS JOIN response r \
         WHERE f.campaign_id = $1 AND f.kind = 'demographic' AND r.campaign_id = f.campaign_id AND r.id = f.response_id{not_excluded} \
         GROUP BY f.key, f.value ORDER BY f.key, f.value"
    );
    let rows = db.query_all_raw(super::stmt(db, &sql, vec![campaign_id.into()])).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String>("", "key")?,
                r.try_get::<String>("", "value")?,
                moments_of(r, "n", "s", "ss")?,
            ))
        })
        .collect()
}

/// Responses per submission date over the analysis set.
pub async fn per_day(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<(chrono::NaiveDate, i64)>, DbErr> {
    let rows = db
        .query_all_raw(super::stmt(
            db,
            "SELECT r.submitted_on AS d, COUNT(*) AS n FROM response r WHERE r.campaign_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM exclusion e WHERE e.response_id = r.id) GROUP BY r.submitted_on ORDER BY r.submitted_on",
            vec![campaign_id.into()],
        ))
        .await?;
    rows.iter().map(|r| Ok((r.try_get("", "d")?, r.try_get("", "n")?))).collect()
}

/// One page of anonymous response rows for an export, after `after` (keyset pagination by id),
/// with their answers and fields: three queries a page, so memory is bounded by the page size.
pub struct ExportRow {
    pub id: Uuid,
    pub submitted_on: chrono::NaiveDate,
    pub channel: String,
    pub link_label: Option<String>,
    pub speeder: bool,
    pub diarahkan: bool,
    pub excluded: bool,
    pub answers: HashMap<String, i16>,
    pub fields: HashMap<(String, String), String>,
}

pub async fn export_page(db: &impl ConnectionTrait, campaign_id: Uuid, after: Option<Uuid>, limit: u64) -> Result<Vec<ExportRow>, DbErr> {
    let (cond, mut values): (&str, Vec<Value>) = match after {
        Some(a) => ("AND r.id > $2", vec![campaign_id.into(), a.into()]),
        None => ("", vec![campaign_id.into()]),
    };
    let _ = &mut values;
    let rows = db
        .query_all_raw(super::stmt(
            db,
            &format!(
                "SELECT r.id AS id, r.submitted_on AS submitted_on, r.channel AS channel, r.link_label AS link_label, r.speeder AS speeder, \
                 r.diarahkan AS diarahkan, CASE WHEN e.response_id IS NULL THEN 0 ELSE 1 END AS excluded \
                 FROM response r LEFT JOIN exclusion e ON e.response_id = r.id WHERE r.campaign_id = $1 {cond} ORDER BY r.id LIMIT {limit}"
            ),
            values,
        ))
        .await?;
    let mut out: Vec<ExportRow> = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(ExportRow {
            id: r.try_get("", "id")?,
            submitted_on: r.try_get("", "submitted_on")?,
            channel: r.try_get("", "channel")?,
            link_label: r.try_get("", "link_label")?,
            speeder: r.try_get("", "speeder")?,
            diarahkan: r.try_get("", "diarahkan")?,
            excluded: r.try_get::<i32>("", "excluded")? == 1,
            answers: HashMap::new(),
            fields: HashMap::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let ids: Vec<Value> = out.iter().map(|r| r.id.into()).collect();
    let ph = placeholders(1, ids.len());
    let index: HashMap<Uuid, usize> = out.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for a in db
        .query_all_raw(super::stmt(
            db,
            &format!("SELECT response_id, item, value FROM answer WHERE response_id IN ({ph})"),
            ids.clone(),
        ))
        .await?
    {
        let id: Uuid = a.try_get("", "response_id")?;
        if let Some(i) = index.get(&id) {
            out[*i].answers.insert(a.try_get("", "item")?, a.try_get("", "value")?);
        }
    }
    for f in db
        .query_all_raw(super::stmt(
            db,
            &format!("SELECT response_id, kind, key, value FROM response_field WHERE response_id IN ({ph})"),
            ids,
        ))
        .await?
    {
        let id: Uuid = f.try_get("", "response_id")?;
        if let Some(i) = index.get(&id) {
            out[*i]
                .fields
                .insert((f.try_get("", "kind")?, f.try_get("", "key")?), f.try_get("", "value")?);
        }
    }
    Ok(out)
}

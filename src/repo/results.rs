//! The aggregates behind results and hasil, computed by the database: per-item answer counts,
//! score and total moments per flag, and demographic cells, over many campaigns at once. Every
//! stored response is sealed (submissions wait in the inbox until the sealer moves a whole group),
//! so answer-derived figures come from the sealed blocks' tallies alone, written once by the
//! sealer; excluded responses are subtracted by small queries over the exclusions only. All of one
//! call is read in one snapshot, so a block sealed meanwhile is counted exactly once. Also here:
//! the page reader of the streamed responses export (sealed responses only).

use std::collections::{BTreeMap, HashMap};

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, FromQueryResult, IsolationLevel, Statement,
    TransactionTrait, Value,
};
use uuid::Uuid;

use crate::domain::stats::Moments;

/// One campaign's aggregates, split by the `flagged` flag.
#[derive(Debug, Default, Clone)]
pub struct Aggregate {
    /// (item, value, flagged) → count
    pub counts: HashMap<(String, u8, bool), i64>,
    /// flagged → (scores y, totals T)
    pub moments: HashMap<bool, (Moments, Moments)>,
    /// Speeders and steered (`diarahkan`) responses in the analysis set, and the excluded count.
    pub speeder: i64,
    pub diarahkan: i64,
    pub excluded: i64,
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

fn negate(m: Moments) -> Moments {
    Moments {
        n: 0,
        sum: -m.sum,
        sum_sq: -m.sum_sq,
    }
}

/// The fixed statements `aggregates` runs for a chunk of up to 1,000 campaign ids, named (the
/// benchmark times exactly these): the sealed blocks' tallies, and the excluded responses to
/// subtract.
pub fn aggregate_statements(db: &impl ConnectionTrait, chunk: &[Uuid]) -> [(&'static str, Statement); 3] {
    let ph = placeholders(1, chunk.len());
    let sums = "COUNT(*) AS n, SUM(r.score) AS s, SUM(r.score * r.score) AS ss, \
                CAST(SUM(r.total) AS DOUBLE PRECISION) AS t, CAST(SUM(r.total * r.total) AS DOUBLE PRECISION) AS tt";
    let st = |sql: String| super::stmt(db, &sql, ids_values(chunk));
    [
        (
            "block tallies",
            st(format!(
                "SELECT campaign_id, kind, key, value, flagged, speeder, diarahkan, CAST(SUM(n) AS BIGINT) AS n, SUM(s) AS s, SUM(ss) AS ss, \
                 SUM(t) AS t, SUM(tt) AS tt FROM ledger_tally WHERE campaign_id IN ({ph}) AND kind IN ('answer', 'response') \
                 GROUP BY campaign_id, kind, key, value, flagged, speeder, diarahkan"
            )),
        ),
        (
            "excluded answer counts",
            st(format!(
                "SELECT a.campaign_id AS campaign_id, a.item AS item, a.value AS value, a.flagged AS flagged, COUNT(*) AS n \
                 FROM exclusion e JOIN answer a ON a.response_id = e.response_id WHERE e.campaign_id IN ({ph}) \
                 GROUP BY a.campaign_id, a.flagged, a.item, a.value"
            )),
        ),
        (
            "excluded moments",
            st(format!(
                "SELECT r.campaign_id AS campaign_id, r.flagged AS flagged, r.speeder AS speeder, r.diarahkan AS diarahkan, {sums} \
                 FROM exclusion e JOIN response r ON r.id = e.response_id WHERE e.campaign_id IN ({ph}) \
                 GROUP BY r.campaign_id, r.flagged, r.speeder, r.diarahkan"
            )),
        ),
    ]
}

/// The rows the statements of this file return, read by column name (`FromQueryResult`).
pub(super) mod rows {
    use sea_orm::FromQueryResult;
    use uuid::Uuid;

    use crate::domain::stats::Moments;

    /// Responses with the same flags: their count and the sums of y, y², T and T² (excluded, or
    /// a sealed block's `response` tally).
    #[derive(FromQueryResult)]
    pub struct Group {
        pub campaign_id: Uuid,
        pub flagged: bool,
        pub speeder: bool,
        pub diarahkan: bool,
        pub n: i64,
        pub s: Option<f64>,
        pub ss: Option<f64>,
        pub t: Option<f64>,
        pub tt: Option<f64>,
    }

    fn moments(n: i64, sum: Option<f64>, sum_sq: Option<f64>) -> Moments {
        Moments {
            n: n.max(0) as u64,
            sum: sum.unwrap_or(0.0),
            sum_sq: sum_sq.unwrap_or(0.0),
        }
    }

    impl Group {
        /// Moments of the scores y and of the totals T.
        pub fn moments(&self) -> (Moments, Moments) {
            (moments(self.n, self.s, self.ss), moments(self.n, self.t, self.tt))
        }
    }

    /// A row of the "block tallies" statement: an answer count (`kind` answer: `key` the item,
    /// `value` the answer as text) or a group's sums (`kind` response).
    #[derive(FromQueryResult)]
    pub struct Tally {
        pub campaign_id: Uuid,
        pub kind: String,
        pub key: String,
        pub value: String,
        pub flagged: bool,
        pub speeder: bool,
        pub diarahkan: bool,
        pub n: i64,
        pub s: Option<f64>,
        pub ss: Option<f64>,
        pub t: Option<f64>,
        pub tt: Option<f64>,
    }

    impl Tally {
        pub fn group(&self) -> Group {
            Group {
                campaign_id: self.campaign_id,
                flagged: self.flagged,
                speeder: self.speeder,
                diarahkan: self.diarahkan,
                n: self.n,
                s: self.s,
                ss: self.ss,
                t: self.t,
                tt: self.tt,
            }
        }
    }

    /// How often an item got a value (excluded answers).
    #[derive(FromQueryResult)]
    pub struct AnswerCount {
        pub campaign_id: Uuid,
        pub item: String,
        pub value: i16,
        pub flagged: bool,
        pub n: i64,
    }

    /// A demographic cell's count and score sum.
    #[derive(FromQueryResult)]
    pub struct CellSums {
        pub key: String,
        pub value: String,
        pub n: i64,
        pub s: Option<f64>,
    }

    impl CellSums {
        /// Its count and sum (a cell shows n and the mean: no sum of squares).
        pub fn moments(&self) -> Moments {
            moments(self.n, self.s, Some(0.0))
        }
    }

    #[derive(FromQueryResult)]
    pub struct DayCount {
        pub d: chrono::NaiveDate,
        pub n: i64,
    }

    /// A response row of an export page.
    #[derive(FromQueryResult)]
    pub struct ExportResponse {
        pub id: Uuid,
        pub submitted_on: chrono::NaiveDate,
        pub channel: String,
        pub link_label: Option<String>,
        pub speeder: bool,
        pub diarahkan: bool,
        /// 1 when an exclusion names the response (a CASE, an integer on both databases).
        pub excluded: i32,
    }

    #[derive(FromQueryResult)]
    pub struct ExportAnswer {
        pub response_id: Uuid,
        pub item: String,
        pub value: i16,
    }

    #[derive(FromQueryResult)]
    pub struct ExportField {
        pub response_id: Uuid,
        pub kind: String,
        pub key: String,
        pub value: String,
    }
}

/// Runs a statement and reads its rows into `T`.
async fn all<T: FromQueryResult>(db: &impl ConnectionTrait, stmt: Statement) -> Result<Vec<T>, DbErr> {
    T::find_by_statement(stmt).all(db).await
}

impl Aggregate {
    pub(super) fn add_count(&mut self, item: String, value: u8, flagged: bool, n: i64) {
        *self.counts.entry((item, value, flagged)).or_insert(0) += n;
    }

    /// Adds (sign 1) or subtracts (sign -1) one group of responses with the same flags.
    pub(super) fn add_group(&mut self, g: &rows::Group, sign: i64) {
        let (y, t) = g.moments();
        let n = y.n as i64;
        self.speeder += sign * n * g.speeder as i64;
        self.diarahkan += sign * n * g.diarahkan as i64;
        let e = self.moments.entry(g.flagged).or_default();
        if sign > 0 {
            *e = (e.0.merge(&y), e.1.merge(&t));
        } else {
            self.excluded += n;
            let n = e.0.n.saturating_sub(y.n);
            *e = (
                Moments {
                    n,
                    ..e.0.merge(&negate(y))
                },
                Moments {
                    n,
                    ..e.1.merge(&negate(t))
                },
            );
        }
    }
}

/// A read-only snapshot, so the tallies and the exclusions are read as of one moment (a block
/// sealed in between is counted once or not at all): repeatable read on PostgreSQL; on SQLite (WAL) a
/// transaction reads one snapshot from its first read.
pub async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                .await
        }
        _ => db.begin().await,
    }
}

/// Aggregates for each campaign in `ids` (an empty map entry when it has no responses).
pub async fn aggregates(db: &DatabaseConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, Aggregate>, DbErr> {
    let mut out: HashMap<Uuid, Aggregate> = ids.iter().map(|i| (*i, Aggregate::default())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let txn = snapshot(db).await?;
    for chunk in ids.chunks(1000) {
        let [tallies, excluded_counts, excluded] = aggregate_statements(&txn, chunk).map(|(_, s)| s);
        for r in all::<rows::Tally>(&txn, tallies).await? {
            let a = out.entry(r.campaign_id).or_default();
            match r.kind.as_str() {
                "answer" => {
                    let value: u8 = r
                        .value
                        .parse()
                        .map_err(|_| DbErr::Type("ledger_tally: an answer value that is not a number".into()))?;
                    a.add_count(r.key, value, r.flagged, r.n);
                }
                _ => a.add_group(&r.group(), 1),
            }
        }
        for r in all::<rows::AnswerCount>(&txn, excluded_counts).await? {
            out.entry(r.campaign_id)
                .or_default()
                .add_count(r.item, r.value as u8, r.flagged, -r.n);
        }
        for g in all::<rows::Group>(&txn, excluded).await? {
            out.entry(g.campaign_id).or_default().add_group(&g, -1);
        }
    }
    txn.rollback().await?;
    Ok(out)
}

/// The fixed statements `breakdowns` runs for a campaign: the demographic cells of its sealed
/// blocks (tallies), and the cells of its excluded responses (to subtract).
pub fn breakdown_statements(db: &impl ConnectionTrait, campaign_id: Uuid) -> [(&'static str, Statement); 2] {
    let st = |sql: &str| super::stmt(db, sql, vec![campaign_id.into()]);
    [
        (
            "tallied breakdowns",
            st(
                "SELECT key, value, CAST(SUM(n) AS BIGINT) AS n, SUM(s) AS s FROM ledger_tally WHERE campaign_id = $1 AND kind = 'field' \
                GROUP BY key, value",
            ),
        ),
        (
            "excluded breakdowns",
            st(
                "SELECT f.key AS key, f.value AS value, COUNT(*) AS n, SUM(f.score) AS s FROM exclusion e JOIN response_field f ON f.response_id = e.response_id \
                 WHERE e.campaign_id = $1 AND f.kind = 'demographic' GROUP BY f.key, f.value",
            ),
        ),
    ]
}

/// Count and score sum per demographic value (key, value) over the analysis set (`sum_sq` is 0:
/// a cell shows n and the mean).
pub async fn breakdowns(db: &DatabaseConnection, campaign_id: Uuid) -> Result<Vec<(String, String, Moments)>, DbErr> {
    let txn = snapshot(db).await?;
    let [tallied, excluded] = breakdown_statements(&txn, campaign_id).map(|(_, s)| s);
    let mut cells: BTreeMap<(String, String), Moments> = BTreeMap::new();
    for (stmt, sign) in [(tallied, 1.0), (excluded, -1.0)] {
        for r in all::<rows::CellSums>(&txn, stmt).await? {
            let x = r.moments();
            let m = cells.entry((r.key, r.value)).or_default();
            let n = if sign > 0.0 { m.n + x.n } else { m.n.saturating_sub(x.n) };
            *m = Moments {
                n,
                sum: m.sum + sign * x.sum,
                sum_sq: 0.0,
            };
        }
    }
    txn.rollback().await?;
    Ok(cells.into_iter().filter(|(_, m)| m.n > 0).map(|((k, v), m)| (k, v, m)).collect())
}

/// Responses per submission date over the analysis set.
pub async fn per_day(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<(chrono::NaiveDate, i64)>, DbErr> {
    let stmt = super::stmt(
        db,
        "SELECT r.submitted_on AS d, COUNT(*) AS n FROM response r WHERE r.campaign_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM exclusion e WHERE e.response_id = r.id) GROUP BY r.submitted_on ORDER BY r.submitted_on",
        vec![campaign_id.into()],
    );
    Ok(all::<rows::DayCount>(db, stmt).await?.into_iter().map(|r| (r.d, r.n)).collect())
}

/// One page of anonymous response rows for an export, after `after` (keyset pagination by id):
/// every row of `response` is a sealed one (only the sealer writes them), so a response shows up
/// in a group with its block (docs/anonymity.md),
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
    let (cond, values): (&str, Vec<Value>) = match after {
        Some(a) => ("AND r.id > $2", vec![campaign_id.into(), a.into()]),
        None => ("", vec![campaign_id.into()]),
    };
    let page = super::stmt(
        db,
        &format!(
            "SELECT r.id AS id, r.submitted_on AS submitted_on, r.channel AS channel, r.link_label AS link_label, r.speeder AS speeder, \
             r.diarahkan AS diarahkan, CASE WHEN e.response_id IS NULL THEN 0 ELSE 1 END AS excluded \
             FROM response r LEFT JOIN exclusion e ON e.response_id = r.id WHERE r.campaign_id = $1 {cond} ORDER BY r.id LIMIT {limit}"
        ),
        values,
    );
    let mut out: Vec<ExportRow> = all::<rows::ExportResponse>(db, page)
        .await?
        .into_iter()
        .map(|r| ExportRow {
            id: r.id,
            submitted_on: r.submitted_on,
            channel: r.channel,
            link_label: r.link_label,
            speeder: r.speeder,
            diarahkan: r.diarahkan,
            excluded: r.excluded == 1,
            answers: HashMap::new(),
            fields: HashMap::new(),
        })
        .collect();
    if out.is_empty() {
        return Ok(out);
    }
    let ids: Vec<Value> = out.iter().map(|r| r.id.into()).collect();
    let ph = placeholders(1, ids.len());
    let index: HashMap<Uuid, usize> = out.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let answers = super::stmt(
        db,
        &format!("SELECT response_id, item, value FROM answer WHERE response_id IN ({ph})"),
        ids.clone(),
    );
    for a in all::<rows::ExportAnswer>(db, answers).await? {
        if let Some(i) = index.get(&a.response_id) {
            out[*i].answers.insert(a.item, a.value);
        }
    }
    let fields = super::stmt(
        db,
        &format!("SELECT response_id, kind, key, value FROM response_field WHERE response_id IN ({ph})"),
        ids,
    );
    for f in all::<rows::ExportField>(db, fields).await? {
        if let Some(i) = index.get(&f.response_id) {
            out[*i].fields.insert((f.kind, f.key), f.value);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_from_where_the_statement_is() {
        assert_eq!(super::placeholders(1, 3), "$1, $2, $3");
        assert_eq!(super::placeholders(3, 2), "$3, $4");
        assert_eq!(super::placeholders(1, 0), "");
    }
}

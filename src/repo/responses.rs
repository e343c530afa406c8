//! Storing a citizen's response: one transaction holds the token redemption (if any), the
//! response row, its answers and its fields. Nothing is stored unless all of it is.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, TransactionTrait, Value};
use uuid::Uuid;

use crate::domain::forms::ValidSubmission;
use crate::domain::ledger::{ResponseContent, content_hash};

pub struct NewResponse<'a> {
    pub campaign_id: Uuid,
    /// `open_link` or `token`.
    pub channel: &'static str,
    pub open_link: Option<(Uuid, &'a str)>,
    pub token_hash: Option<&'a str>,
    pub submission: &'a ValidSubmission,
    pub speeder: bool,
    pub submitted_on: chrono::NaiveDate,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Stored {
    Accepted(Uuid),
    /// Another submission redeemed the token first.
    TokenAlreadyUsed,
}

/// Stores one response. `turn`, when given (SQLite), is held from just after `BEGIN` to the
/// commit, so writers queue in order instead of polling the database lock.
pub async fn insert(db: &DatabaseConnection, r: NewResponse<'_>, turn: Option<&tokio::sync::Mutex<()>>) -> Result<Stored, DbErr> {
    let id = Uuid::new_v4();
    let v = r.submission;
    let diarahkan = v.flagged_screening;
    let flagged = r.speeder || diarahkan;
    let fields: Vec<(String, String, String)> = v
        .screening
        .iter()
        .map(|(k, val)| ("screening".to_owned(), k.clone(), val.clone()))
        .chain(
            v.demographics
                .iter()
                .map(|(k, val)| ("demographic".to_owned(), k.clone(), val.clone())),
        )
        .collect();
    let id_s = id.to_string();
    let campaign_s = r.campaign_id.to_string();
    let date_s = r.submitted_on.to_string();
    let hash = content_hash(&ResponseContent {
        id: &id_s,
        campaign_id: &campaign_s,
        submitted_on: &date_s,
        channel: r.channel,
        link_label: r.open_link.map(|(_, l)| l),
        answers: &v.answers,
        fields: &fields,
        speeder: r.speeder,
        diarahkan,
    });

    let txn = db.begin().await?;
    // A deferred BEGIN takes no lock on SQLite; the first write below does.
    let _turn = match turn {
        Some(m) => Some(m.lock().await),
        None => None,
    };
    if let Some(h) = r.token_hash
        && !super::tokens::redeem(&txn, h).await?
    {
        txn.rollback().await?;
        return Ok(Stored::TokenAlreadyUsed);
    }
    txn.execute_raw(super::stmt(
        &txn,
        "INSERT INTO response (id, campaign_id, submitted_on, channel, open_link_id, link_label, score, total, speeder, diarahkan, flagged, content_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        vec![
            id.into(),
            r.campaign_id.into(),
            r.submitted_on.into(),
            r.channel.into(),
            r.open_link.map(|(l, _)| l).into(),
            r.open_link.map(|(_, l)| l.to_owned()).into(),
            v.score.into(),
            (v.total as i32).into(),
            r.speeder.into(),
            diarahkan.into(),
            flagged.into(),
            hash.into(),
        ],
    ))
    .await?;
    // One multi-row INSERT for the answers and one for the fields: three statements a response.
    let mut sql = String::from("INSERT INTO answer (response_id, campaign_id, item, value, flagged) VALUES ");
    let mut values: Vec<Value> = Vec::with_capacity(v.answers.len() * 5);
    for (i, (item, value)) in v.answers.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        let n = values.len();
        sql.push_str(&format!("(${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5));
        values.extend([
            id.into(),
            r.campaign_id.into(),
            item.clone().into(),
            (*value as i16).into(),
            flagged.into(),
        ]);
    }
    txn.execute_raw(super::stmt(&txn, &sql, values)).await?;
    if !fields.is_empty() {
        // Each field row carries the response's score: breakdowns then read one index, no join.
        let mut sql = String::from("INSERT INTO response_field (response_id, campaign_id, kind, key, value, score) VALUES ");
        let mut values: Vec<Value> = Vec::with_capacity(fields.len() * 6);
        for (i, (kind, key, value)) in fields.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let n = values.len();
            sql.push_str(&format!("(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
            values.extend([
                id.into(),
                r.campaign_id.into(),
                kind.clone().into(),
                key.clone().into(),
                value.clone().into(),
                v.score.into(),
            ]);
        }
        txn.execute_raw(super::stmt(&txn, &sql, values)).await?;
    }
    txn.commit().await?;
    Ok(Stored::Accepted(id))
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

/// Responses stored through one open link (for its cap).
pub async fn count_for_link(db: &impl ConnectionTrait, link_id: Uuid) -> Result<i64, DbErr> {
    let row = Count::find_by_statement(super::stmt(
        db,
        "SELECT COUNT(*) AS n FROM response WHERE open_link_id = $1",
        vec![link_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.n).unwrap_or(0))
}

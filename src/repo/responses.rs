//! Writing a sealed response: the sealer moves an inbox entry into the response row, its answers
//! and its fields under a new random id, in its own transaction (`repo::ledger::seal_campaign`).
//! Nothing here runs in the transaction that redeemed a token.

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};
use uuid::Uuid;

use crate::domain::inbox::Waiting;
use crate::domain::ledger::{ResponseContent, content_hash};

/// Writes one response with its answers and fields (three statements); returns its content hash.
pub async fn insert_sealed(db: &impl ConnectionTrait, campaign_id: Uuid, id: Uuid, w: &Waiting) -> Result<String, DbErr> {
    let flagged = w.flagged();
    let id_s = id.to_string();
    let campaign_s = campaign_id.to_string();
    let date_s = w.submitted_on.to_string();
    let hash = content_hash(&ResponseContent {
        id: &id_s,
        campaign_id: &campaign_s,
        submitted_on: &date_s,
        channel: &w.channel,
        link_label: w.link_label.as_deref(),
        answers: &w.answers,
        fields: &w.fields,
        speeder: w.speeder,
        diarahkan: w.diarahkan,
    });
    db.execute_raw(super::stmt(
        db,
        "INSERT INTO response (id, campaign_id, submitted_on, channel, open_link_id, link_label, score, total, speeder, diarahkan, flagged, content_hash, sealed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, TRUE)",
        vec![
            id.into(),
            campaign_id.into(),
            w.submitted_on.into(),
            w.channel.clone().into(),
            w.open_link_id.into(),
            w.link_label.clone().into(),
            w.score.into(),
            (w.total as i32).into(),
            w.speeder.into(),
            w.diarahkan.into(),
            flagged.into(),
            hash.clone().into(),
        ],
    ))
    .await?;
    // One multi-row INSERT for the answers and one for the fields.
    let mut sql = String::from("INSERT INTO answer (response_id, campaign_id, item, value, flagged) VALUES ");
    let mut values: Vec<Value> = Vec::with_capacity(w.answers.len() * 5);
    for (i, (item, value)) in w.answers.iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        let n = values.len();
        sql.push_str(&format!("(${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5));
        values.extend([
            id.into(),
            campaign_id.into(),
            item.clone().into(),
            (*value as i16).into(),
            flagged.into(),
        ]);
    }
    if !values.is_empty() {
        db.execute_raw(super::stmt(db, &sql, values)).await?;
    }
    if !w.fields.is_empty() {
        // Each field row carries the response's score: breakdowns then read one index, no join.
        let mut sql = String::from("INSERT INTO response_field (response_id, campaign_id, kind, key, value, score) VALUES ");
        let mut values: Vec<Value> = Vec::with_capacity(w.fields.len() * 6);
        for (i, (kind, key, value)) in w.fields.iter().enumerate() {
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
                value.clone().into(),
                w.score.into(),
            ]);
        }
        db.execute_raw(super::stmt(db, &sql, values)).await?;
    }
    Ok(hash)
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

/// Responses stored through one open link, sealed or waiting (for its cap).
pub async fn count_for_link(db: &impl ConnectionTrait, link_id: Uuid) -> Result<i64, DbErr> {
    let row = Count::find_by_statement(super::stmt(
        db,
        "SELECT COUNT(*) AS n FROM response WHERE open_link_id = $1",
        vec![link_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.n).unwrap_or(0) + super::inbox::pending_for_link(db, link_id).await?)
}

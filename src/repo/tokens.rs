//! Single-use tokens: batches, and the redemption ledger (hash + redeemed flag, nothing that
//! points at a response).

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, Set, Value};
use uuid::Uuid;

use crate::entities::{token, token_batch};

/// Rows per INSERT statement: well under SQLite's bound-parameter limit.
const CHUNK: usize = 2_000;

pub async fn insert_batch(
    db: &impl ConnectionTrait,
    campaign_id: Uuid,
    label: Option<String>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
    hashes: &[String],
) -> Result<token_batch::Model, DbErr> {
    let batch = token_batch::ActiveModel {
        id: Set(Uuid::new_v4()),
        campaign_id: Set(campaign_id),
        label: Set(label),
        issued: Set(hashes.len() as i64),
        expires_at: Set(expires_at.map(crate::domain::truncate_micros)),
        revoked_at: Set(None),
        created_at: Set(crate::domain::now()),
    }
    .insert(db)
    .await?;
    // One multi-row INSERT per chunk: the same shape the raw baseline in BENCHMARKS.md uses.
    for chunk in hashes.chunks(CHUNK) {
        let mut sql = String::from("INSERT INTO token (token_hash, batch_id, redeemed) VALUES ");
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 2);
        for (i, h) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            let n = values.len();
            sql.push_str(&format!("(${}, ${}, FALSE)", n + 1, n + 2));
            values.push(h.clone().into());
            values.push(batch.id.into());
        }
        db.execute_raw(super::stmt(db, &sql, values)).await?;
    }
    Ok(batch)
}

pub async fn find_batch(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<token_batch::Model>, DbErr> {
    token_batch::Entity::find_by_id(id).one(db).await
}

pub async fn list_batches(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<token_batch::Model>, DbErr> {
    token_batch::Entity::find()
        .filter(token_batch::Column::CampaignId.eq(campaign_id))
        .order_by_asc(token_batch::Column::CreatedAt)
        .all(db)
        .await
}

#[derive(FromQueryResult)]
struct BatchCount {
    batch_id: Uuid,
    n: i64,
}

/// Redeemed tokens per batch of a campaign (one GROUP BY).
pub async fn redeemed_counts(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<(Uuid, i64)>, DbErr> {
    let rows = BatchCount::find_by_statement(super::stmt(
        db,
        "SELECT t.batch_id AS batch_id, COUNT(*) AS n FROM token t JOIN token_batch b ON b.id = t.batch_id \
         WHERE b.campaign_id = $1 AND t.redeemed = TRUE GROUP BY t.batch_id",
        vec![campaign_id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.batch_id, r.n)).collect())
}

pub async fn revoke_batch(db: &impl ConnectionTrait, b: token_batch::Model) -> Result<token_batch::Model, DbErr> {
    if b.revoked_at.is_some() {
        return Ok(b);
    }
    let mut am: token_batch::ActiveModel = b.into();
    am.revoked_at = Set(Some(crate::domain::now()));
    am.update(db).await
}

/// A token's state, looked up by its hash.
pub async fn find(db: &impl ConnectionTrait, hash: &str) -> Result<Option<(token::Model, token_batch::Model)>, DbErr> {
    let Some(t) = token::Entity::find_by_id(hash.to_owned()).one(db).await? else {
        return Ok(None);
    };
    let b = token_batch::Entity::find_by_id(t.batch_id).one(db).await?;
    Ok(b.map(|b| (t, b)))
}

/// Marks a token used, atomically: true only for the one caller that flipped it.
pub async fn redeem(db: &impl ConnectionTrait, hash: &str) -> Result<bool, DbErr> {
    let r = db
        .execute_raw(super::stmt(
            db,
            "UPDATE token SET redeemed = TRUE WHERE token_hash = $1 AND redeemed = FALSE",
            vec![hash.to_owned().into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

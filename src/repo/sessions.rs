//! Login sessions (the `session` table): the SHA-256 of each session's random id, the key that
//! logged in, when it expires and whether it was ended. The id itself is only in the cookie.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use uuid::Uuid;

#[derive(FromQueryResult)]
struct Live {
    key_id: Uuid,
}

/// Records a new session, and forgets the ones that expired (they open nothing anyway).
pub async fn insert(
    db: &impl ConnectionTrait,
    id_hash: &str,
    key_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(super::stmt(db, "DELETE FROM session WHERE expires_at < $1", vec![now.into()]))
        .await?;
    db.execute_raw(super::stmt(
        db,
        "INSERT INTO session (id_hash, key_id, created_at, expires_at, revoked) VALUES ($1, $2, $3, $4, FALSE)",
        vec![id_hash.into(), key_id.into(), now.into(), expires_at.into()],
    ))
    .await?;
    Ok(())
}

/// The key of a session that is neither ended nor expired.
pub async fn live_key(db: &impl ConnectionTrait, id_hash: &str, now: DateTime<Utc>) -> Result<Option<Uuid>, DbErr> {
    let row = Live::find_by_statement(super::stmt(
        db,
        "SELECT key_id FROM session WHERE id_hash = $1 AND revoked = FALSE AND expires_at > $2",
        vec![id_hash.into(), now.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.key_id))
}

/// Ends one session (logout).
pub async fn revoke(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), DbErr> {
    db.execute_raw(super::stmt(
        db,
        "UPDATE session SET revoked = TRUE WHERE id_hash = $1",
        vec![id_hash.into()],
    ))
    .await?;
    Ok(())
}

/// Ends every session of a key (the key was revoked).
pub async fn revoke_for_key(db: &impl ConnectionTrait, key_id: Uuid) -> Result<(), DbErr> {
    db.execute_raw(super::stmt(
        db,
        "UPDATE session SET revoked = TRUE WHERE key_id = $1",
        vec![key_id.into()],
    ))
    .await?;
    Ok(())
}

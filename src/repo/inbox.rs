//! The inbox: submissions stored and acknowledged but not sealed yet (docs/anonymity.md, storage).
//!
//! [`land`] runs inside the group commit's transaction, under a savepoint of its own: it checks
//! that the campaign is still open (on PostgreSQL with a shared lock on the campaign row, so a
//! close waits for it), redeems the token (single use: `UPDATE … WHERE redeemed = FALSE` and the
//! rows affected), checks an open link's cap, and inserts the entry under a random id. The sealer
//! reads a campaign's entries through `ix_inbox_campaign` and deletes them once moved.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QuerySelect};
use uuid::Uuid;

use crate::domain::campaign::CampaignStatus;
use crate::domain::inbox::Waiting;
use crate::entities::campaign;

/// What became of one submission in the group commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landed {
    Accepted,
    TokenUsed,
    LinkFull,
    CampaignClosed,
}

/// One submission to land: its campaign, the entry, the token it redeems, the link's cap.
pub struct Landing {
    pub campaign_id: Uuid,
    pub entry: Waiting,
    pub token_hash: Option<String>,
    pub link_cap: Option<i64>,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

#[derive(FromQueryResult)]
struct CampaignCount {
    campaign_id: Uuid,
    n: i64,
}

#[derive(FromQueryResult)]
struct CampaignId {
    campaign_id: Uuid,
}

/// An entry as the sealer reads it.
#[derive(FromQueryResult)]
pub struct Entry {
    pub id: Uuid,
    pub body: String,
}

/// Checks and stores one submission; the caller rolls its savepoint back unless `Accepted`.
pub async fn land(db: &impl ConnectionTrait, l: &Landing) -> Result<Landed, DbErr> {
    let mut q = campaign::Entity::find_by_id(l.campaign_id);
    if db.get_database_backend() == DbBackend::Postgres {
        // A close (an UPDATE of this row) waits for the submissions in flight, and those after it
        // see it closed.
        q = q.lock_shared();
    }
    let Some(c) = q.one(db).await? else {
        return Ok(Landed::CampaignClosed);
    };
    if super::campaigns::period(&c).status(crate::domain::now()) != CampaignStatus::Open {
        return Ok(Landed::CampaignClosed);
    }
    if let Some(h) = &l.token_hash
        && !super::tokens::redeem(db, h).await?
    {
        return Ok(Landed::TokenUsed);
    }
    if let (Some(cap), Some(link)) = (l.link_cap, l.entry.open_link_id)
        && super::responses::count_for_link(db, link).await? >= cap
    {
        return Ok(Landed::LinkFull);
    }
    let body = serde_json::to_string(&l.entry).map_err(|e| DbErr::Custom(format!("an inbox entry as JSON: {e}")))?;
    db.execute_raw(super::stmt(
        db,
        "INSERT INTO inbox (id, campaign_id, open_link_id, body) VALUES ($1, $2, $3, $4)",
        vec![
            Uuid::new_v4().into(),
            l.campaign_id.into(),
            l.entry.open_link_id.into(),
            body.into(),
        ],
    ))
    .await?;
    Ok(Landed::Accepted)
}

/// Entries waiting per campaign (a campaign with none is left out), by the campaign index.
pub async fn pending_counts(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, i64>, DbErr> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(1000) {
        let ph = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let rows = CampaignCount::find_by_statement(super::stmt(
            db,
            &format!("SELECT campaign_id, COUNT(*) AS n FROM inbox WHERE campaign_id IN ({ph}) GROUP BY campaign_id"),
            chunk.iter().map(|i| (*i).into()).collect(),
        ))
        .all(db)
        .await?;
        out.extend(rows.into_iter().map(|r| (r.campaign_id, r.n)));
    }
    Ok(out)
}

/// Entries waiting for one campaign.
pub async fn pending(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<i64, DbErr> {
    Ok(pending_counts(db, &[campaign_id]).await?.get(&campaign_id).copied().unwrap_or(0))
}

/// Entries waiting through one open link (for its cap).
pub async fn pending_for_link(db: &impl ConnectionTrait, link_id: Uuid) -> Result<i64, DbErr> {
    let row = Count::find_by_statement(super::stmt(
        db,
        "SELECT COUNT(*) AS n FROM inbox WHERE open_link_id = $1",
        vec![link_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map_or(0, |r| r.n))
}

/// The campaigns with entries waiting (the sealer's periodic scan, through the campaign index).
pub async fn waiting_campaigns(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    let rows = CampaignId::find_by_statement(super::stmt(db, "SELECT DISTINCT campaign_id FROM inbox", vec![]))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.campaign_id).collect())
}

/// A campaign's waiting entries, in the order of their random ids.
pub async fn entries(db: &impl ConnectionTrait, campaign_id: Uuid) -> Result<Vec<Entry>, DbErr> {
    Entry::find_by_statement(super::stmt(
        db,
        "SELECT id, body FROM inbox WHERE campaign_id = $1 ORDER BY id",
        vec![campaign_id.into()],
    ))
    .all(db)
    .await
}

/// Deletes moved entries.
pub async fn delete(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), DbErr> {
    for chunk in ids.chunks(1000) {
        let ph = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        db.execute_raw(super::stmt(
            db,
            &format!("DELETE FROM inbox WHERE id IN ({ph})"),
            chunk.iter().map(|i| (*i).into()).collect(),
        ))
        .await?;
    }
    Ok(())
}

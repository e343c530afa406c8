//! The integrity ledger as a use case: a campaign's chain verified from the stored rows, and
//! sealing (in groups of `INTEGRITAS_MIN_GROUP`; everything when a campaign closes). The hashing
//! and sealing are `repo::ledger`'s and the domain's; this module adds the role check and the form.
//!
//! Verification is incremental: the ledger view and the reports re-check only blocks sealed since
//! the head stored in `ledger_verified`, one block's rows at a time, so a call costs what was
//! sealed since the last one, not the campaign. The full re-check ([`verify_full`]) starts from
//! the genesis hash and also looks for rows no block accounts for; the background job runs it
//! every `INTEGRITAS_VERIFY_HOURS`, and `integritas ledger verify` on demand.

use sea_orm::EntityTrait;
use uuid::Uuid;

use super::campaigns::{Access, load};
use crate::domain::access::Principal;
use crate::domain::forms::Form;
use crate::domain::ledger::{self as chain, BlockCheck, GENESIS};
use crate::error::{AppError, AppResult, During};
use crate::repo::{self, ledger::Turn, ledger_check::Verified};
use crate::state::AppState;
use crate::views::results::Verification;

/// The ledger of a campaign, verified up to its newest block (admin, the unit's operator,
/// assessor): blocks sealed since the stored head are checked now.
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn verify(state: &AppState, who: &Principal, id: Uuid) -> AppResult<Verification> {
    let c = load(state, who, id, Access::Read).await?;
    let form = super::forms::of_campaign(state, &c)?;
    check(state, c.id, &form, false).await
}

/// The same for a campaign already loaded and authorised (the report pages).
pub async fn verify_loaded(state: &AppState, c: &crate::entities::campaign::Model, form: &Form) -> AppResult<Verification> {
    check(state, c.id, form, false).await
}

/// The full re-check of one campaign: every block from the genesis hash, block by block, and
/// the rows no block accounts for. Stores the result as the new verified head.
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn verify_full(state: &AppState, id: Uuid) -> AppResult<Verification> {
    let c = crate::entities::campaign::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .during("loading the campaign")?
        .ok_or_else(|| AppError::not_found("campaign"))?;
    let form = super::forms::of_campaign(state, &c)?;
    check(state, c.id, &form, true).await
}

/// [`verify_full`] for every campaign, in id order (the background job, the command line).
/// A campaign whose check could not run (its rows unreadable, its form unknown) is reported with
/// its error and the others are still checked: one broken campaign must not hide the rest.
pub async fn verify_all(state: &AppState) -> AppResult<Vec<(Uuid, AppResult<Verification>)>> {
    let ids = repo::ledger_check::campaign_ids(&state.db).await.during("listing campaigns")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push((id, verify_full(state, id).await));
    }
    Ok(out)
}

async fn check(state: &AppState, id: Uuid, form: &Form, full: bool) -> AppResult<Verification> {
    let db = &state.db;
    let blocks = repo::ledger_check::blocks(db, id).await.during("reading the ledger's blocks")?;
    let stored = if full {
        None
    } else {
        repo::ledger_check::verified(db, id).await.during("reading the verified head")?
    };
    // The stored head counts only while the block at its position still carries its hash;
    // otherwise the chain was rewritten there, and everything is checked again.
    let stored =
        stored.filter(|s| s.head_seq == 0 && s.head_hash == GENESIS || blocks.iter().any(|b| b.seq == s.head_seq && b.hash == s.head_hash));
    let (mut prev, done, mut result) = match &stored {
        Some(s) => (
            s.head_hash.clone(),
            blocks.iter().position(|b| b.seq == s.head_seq).map_or(0, |i| i + 1),
            s.clone(),
        ),
        None => (
            GENESIS.to_owned(),
            0,
            Verified {
                head_seq: 0,
                head_hash: GENESIS.to_owned(),
                ok: true,
                failed_seq: None,
                problem: None,
            },
        ),
    };
    let mut checks = Vec::with_capacity(blocks.len());
    for (i, b) in blocks.iter().enumerate() {
        if i < done {
            // Verified before: its stored result, without reading its rows.
            let failed = result.failed_seq == Some(b.seq);
            checks.push(BlockCheck {
                seq: b.seq,
                hash: b.hash.clone(),
                prev_hash: b.prev_hash.clone(),
                count: b.count,
                sealed_at: b.sealed_at,
                ok: !failed,
                problems: if failed {
                    result.problem.clone().into_iter().collect()
                } else {
                    Vec::new()
                },
            });
            continue;
        }
        let rows = repo::ledger_check::block_rows(db, b.id).await.during("reading a block's rows")?;
        let c = chain::verify_block(id, form, i as i64 + 1, &prev, b, &rows);
        if !c.ok && result.ok {
            result.ok = false;
            result.failed_seq = Some(b.seq);
            result.problem = Some(c.problems.join("; "));
        }
        prev = b.hash.clone();
        result.head_seq = b.seq;
        result.head_hash = b.hash.clone();
        checks.push(c);
    }
    let mut problems = Vec::new();
    if full || stored.is_none() {
        problems.extend(repo::ledger_check::orphans(db, id).await.during("looking for orphan ledger rows")?);
        let unlisted = repo::ledger_check::unlisted_rows(db, id)
            .await
            .during("reading unlisted responses")?;
        problems.extend(chain::unlisted_problems(id, form, &unlisted));
        problems.sort();
        if !problems.is_empty() && result.ok {
            result.ok = false;
            result.problem = Some(problems.join("; "));
        }
    } else if !result.ok && result.failed_seq.is_none() {
        problems.extend(result.problem.clone());
    }
    store(state, id, &result).await?;
    let checked_blocks = (blocks.len() - done.min(blocks.len())) as i64;
    Ok(Verification {
        campaign_id: id,
        ok: result.ok,
        head: repo::ledger::head(db, id).await.during("reading the ledger head")?,
        blocks: checks,
        checked_blocks,
        problems,
    })
}

/// Stores the verified head, in the process's writer turn on SQLite.
async fn store(state: &AppState, id: Uuid, v: &Verified) -> AppResult<()> {
    let _writer = match state.writer_turn.as_deref() {
        Some(m) => Some(m.lock().await),
        None => None,
    };
    repo::ledger_check::store_verified(&state.db, id, v, crate::domain::inbox::sealed_at(crate::domain::now()))
        .await
        .during("storing the verified head")
}

/// Seals a campaign's waiting submissions as far as the group size allows (everything, once it
/// is closed), waiting for a sealer of another process rather than racing it; then, on
/// PostgreSQL, settles its tokens (`repo::ledger::settle_tokens`).
#[tracing::instrument(skip_all, fields(campaign_id = %campaign_id))]
pub async fn seal_campaign(state: &AppState, campaign_id: Uuid) -> AppResult<()> {
    let turn = Turn {
        wait: true,
        writer: state.writer_turn.as_deref(),
    };
    let mut sealed = 0;
    loop {
        let n = repo::ledger::seal_campaign(&state.db, campaign_id, state.settings.min_group, turn)
            .await
            .during("sealing the campaign's ledger")?;
        if n == 0 {
            break;
        }
        sealed += n;
    }
    if sealed > 0 {
        repo::ledger::settle_tokens(&state.db, campaign_id)
            .await
            .during("settling the campaign's tokens")?;
    }
    Ok(())
}

/// The periodic pass: every campaign with submissions waiting, without waiting for another
/// process's sealer (it finishes what it started).
pub async fn seal_all(state: &AppState) -> AppResult<i64> {
    repo::ledger::seal_all(&state.db, state.settings.min_group, state.writer_turn.as_deref())
        .await
        .during("sealing the ledger")
}

//! The figures a campaign publishes (issue 12): while it is open, those of its published snapshot
//! of sealed blocks and of each cell's own checkpoint (`domain::publication`); once closed, the
//! exact ones. Every reader of answer-derived figures — results, reports, exports, the workbench —
//! goes through [`read`], so all of them see the same thing.

use std::collections::BTreeMap;

use crate::domain::campaign::CampaignStatus;
use crate::domain::publication::{BlockCounts, CellKey, Dimension, Publication, publish};
use crate::domain::stats::Moments;
use crate::entities::campaign;
use crate::error::{AppResult, During};
use crate::repo::{self, results::Aggregate};
use crate::state::AppState;

/// A campaign's published figures.
pub struct Published {
    /// The aggregates of the published snapshot (everything, once closed).
    pub agg: Aggregate,
    pub publication: Publication,
    /// Each cell's count and score sum over its own published blocks.
    pub cells: BTreeMap<CellKey, Moments>,
    /// The `seq` of the last block the campaign-level figures cover (0: none).
    pub snapshot_seq: i64,
}

/// Whether the campaign is closed now (its figures are then exact).
pub fn is_closed(c: &campaign::Model) -> bool {
    repo::campaigns::period(c).status(crate::domain::now()) == CampaignStatus::Closed
}

/// The campaign's published figures (see the module doc).
#[tracing::instrument(skip_all, fields(campaign_id = %c.id))]
pub async fn read(state: &AppState, c: &campaign::Model) -> AppResult<Published> {
    let k = state.settings.min_group;
    if is_closed(c) {
        return exact(state, c, k).await;
    }
    let blocks = repo::publication::sealed_blocks(&state.db, c.id)
        .await
        .during("reading the campaign's sealed blocks")?;
    let counts: Vec<BlockCounts> = blocks
        .iter()
        .map(|b| BlockCounts {
            n: b.n,
            cells: b.cells.iter().map(|(key, m)| (key.clone(), m.n)).collect(),
        })
        .collect();
    let publication = publish(k, false, &counts);
    let snapshot_seq = publication.snapshot.checked_sub(1).map_or(0, |i| blocks[i].seq);
    let agg = repo::publication::aggregate_upto(&state.db, c.id, snapshot_seq)
        .await
        .during("reading the campaign's published aggregates")?;
    let cells = publication
        .cells
        .iter()
        .map(|(key, view)| {
            let m = blocks[..view.upto]
                .iter()
                .filter_map(|b| b.cells.get(key))
                .fold(Moments::default(), |a, m| a.merge(m));
            (key.clone(), m)
        })
        .collect();
    Ok(Published {
        agg,
        publication,
        cells,
        snapshot_seq,
    })
}

/// A closed campaign: every response, exact; only the statistics' minimum cell size hides.
async fn exact(state: &AppState, c: &campaign::Model, k: u64) -> AppResult<Published> {
    let ids = [c.id];
    let (aggs, fields, desks, head) = futures_util::try_join!(
        repo::results::aggregates(&state.db, &ids),
        repo::results::breakdowns(&state.db, c.id),
        repo::publication::desk_cells(&state.db, c.id),
        repo::ledger::head(&state.db, c.id),
    )
    .during("reading the campaign's aggregates")?;
    let agg = aggs.get(&c.id).cloned().unwrap_or_default();
    let mut cells: BTreeMap<CellKey, Moments> = fields
        .into_iter()
        .map(|(key, value, m)| ((Dimension::Demographic(key), value), m))
        .collect();
    cells.extend(desks.into_iter().map(|(link, m)| ((Dimension::Desk, link), m)));
    let block = BlockCounts {
        n: agg.moments(true).0.n,
        cells: cells.iter().map(|(key, m)| (key.clone(), m.n)).collect(),
    };
    Ok(Published {
        agg,
        publication: publish(k, true, &[block]),
        cells,
        snapshot_seq: head.blocks,
    })
}

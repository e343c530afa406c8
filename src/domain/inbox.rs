//! Submissions waiting to be sealed, and the rules of sealing them (docs/anonymity.md, storage).
//!
//! A submission is stored first as a [`Waiting`] entry in the inbox: what the response rows will
//! hold, and no time finer than the date. The sealer later moves whole groups of k
//! (`INTEGRITAS_MIN_GROUP`) into the response tables: [`blocks_to_seal`] says how many and how
//! large, and [`shuffled`] gives each entry its new id and its place, from random ids alone, so
//! neither the ids nor the order the rows are stored in say anything about arrival order.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::ValidSubmission;

/// A validated submission as the inbox keeps it (JSON text), until the sealer moves it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Waiting {
    /// `open_link` or `token`.
    pub channel: String,
    pub open_link_id: Option<Uuid>,
    pub link_label: Option<String>,
    /// The date it was recorded on, in the unit's time zone: nothing finer.
    pub submitted_on: NaiveDate,
    pub answers: Vec<(String, u8)>,
    /// (kind, key, value): `screening` or `demographic`.
    pub fields: Vec<(String, String, String)>,
    pub score: f64,
    pub total: u32,
    pub speeder: bool,
    pub diarahkan: bool,
}

impl Waiting {
    pub fn new(v: &ValidSubmission, channel: &str, open_link: Option<(Uuid, &str)>, speeder: bool, submitted_on: NaiveDate) -> Waiting {
        let fields = v
            .screening
            .iter()
            .map(|(k, val)| ("screening".to_owned(), k.clone(), val.clone()))
            .chain(
                v.demographics
                    .iter()
                    .map(|(k, val)| ("demographic".to_owned(), k.clone(), val.clone())),
            )
            .collect();
        Waiting {
            channel: channel.to_owned(),
            open_link_id: open_link.map(|(id, _)| id),
            link_label: open_link.map(|(_, l)| l.to_owned()),
            submitted_on,
            answers: v.answers.clone(),
            fields,
            score: v.score,
            total: v.total,
            speeder,
            diarahkan: v.flagged_screening,
        }
    }

    pub fn flagged(&self) -> bool {
        self.speeder || self.diarahkan
    }
}

/// The sizes of the blocks to seal now, for a campaign with `waiting` entries in the inbox and
/// groups of `k`.
///
/// While the campaign is open only whole blocks of exactly k are sealed, and at least k entries
/// stay waiting: with `sealed` a multiple of k, after sealing `sealed` is the largest multiple of
/// k that is at most n − k (n = sealed + waiting), so what readers see moves in steps of k and the
/// step to the final results at close holds at least k too. Once it is closed everything waiting
/// is sealed: blocks of k, and the last one takes the remainder (k to 2k − 1 entries); when fewer
/// than k are waiting at all (a campaign that got fewer than k responses) they form one block,
/// smaller than k — the published figures of such a campaign are suppressed anyway.
pub fn blocks_to_seal(waiting: u64, k: u64, open: bool) -> Vec<u64> {
    let k = k.max(1);
    if open {
        let blocks = waiting.saturating_sub(k) / k;
        return vec![k; blocks as usize];
    }
    if waiting == 0 {
        return Vec::new();
    }
    if waiting < 2 * k {
        return vec![waiting];
    }
    let mut out = vec![k; (waiting / k - 1) as usize];
    out.push(waiting - k * out.len() as u64);
    out
}

/// Gives each entry of a block its new id and sorts the block by it: the rows are inserted, hashed
/// into the block and stored (a `WITHOUT ROWID` table keeps key order) in an order drawn from the
/// random ids alone. `ids` must be as many as `entries`, fresh and random.
pub fn shuffled<T>(entries: Vec<T>, ids: Vec<Uuid>) -> Vec<(Uuid, T)> {
    assert_eq!(entries.len(), ids.len(), "one new id per entry");
    let mut out: Vec<(Uuid, T)> = ids.into_iter().zip(entries).collect();
    out.sort_by_key(|(id, _)| *id);
    out
}

/// A block's `sealed_at`: the hour, no finer, so a block's time cannot single out a visitor.
pub fn sealed_at(now: DateTime<Utc>) -> DateTime<Utc> {
    now.with_nanosecond(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_minute(0))
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_open_campaign_seals_whole_groups_and_keeps_k_waiting() {
        assert_eq!(blocks_to_seal(0, 10, true), Vec::<u64>::new());
        assert_eq!(blocks_to_seal(19, 10, true), Vec::<u64>::new());
        assert_eq!(blocks_to_seal(20, 10, true), vec![10]);
        assert_eq!(blocks_to_seal(29, 10, true), vec![10]);
        assert_eq!(blocks_to_seal(35, 10, true), vec![10, 10]);
    }

    #[test]
    fn a_closed_campaign_seals_everything_with_the_remainder_in_the_last_block() {
        assert_eq!(blocks_to_seal(0, 10, false), Vec::<u64>::new());
        assert_eq!(blocks_to_seal(3, 10, false), vec![3]);
        assert_eq!(blocks_to_seal(10, 10, false), vec![10]);
        assert_eq!(blocks_to_seal(19, 10, false), vec![19]);
        assert_eq!(blocks_to_seal(20, 10, false), vec![10, 10]);
        assert_eq!(blocks_to_seal(37, 10, false), vec![10, 10, 17]);
    }

    #[test]
    fn block_times_are_whole_hours() {
        let t = DateTime::parse_from_rfc3339("2026-11-30T13:47:12.345678Z").unwrap().to_utc();
        assert_eq!(sealed_at(t).to_rfc3339(), "2026-11-30T13:00:00+00:00");
    }

    /// Spearman's rank correlation of a permutation with the identity.
    fn rho(ranks: &[usize]) -> f64 {
        let n = ranks.len() as f64;
        let d2: f64 = ranks.iter().enumerate().map(|(i, r)| (i as f64 - *r as f64).powi(2)).sum();
        1.0 - 6.0 * d2 / (n * (n * n - 1.0))
    }

    proptest! {
        #[test]
        fn blocks_add_up_and_respect_the_group_size(waiting in 0u64..500, k in 5u64..30, open: bool) {
            let blocks = blocks_to_seal(waiting, k, open);
            let sealed: u64 = blocks.iter().sum();
            prop_assert!(sealed <= waiting);
            if open {
                prop_assert!(blocks.iter().all(|b| *b == k));
                prop_assert!(waiting - sealed >= k.min(waiting));
                prop_assert!(waiting - sealed < 2 * k);
            } else {
                prop_assert_eq!(sealed, waiting);
                if waiting >= k {
                    prop_assert!(blocks.iter().all(|b| *b >= k && *b < 2 * k));
                }
            }
        }

        /// The stored order is independent of the submission order: it is a function of the new
        /// ids alone (the same ids put any entries in the same places), nothing is lost or
        /// doubled, and against arrival it is uncorrelated.
        #[test]
        fn stored_order_is_independent_of_submission_order(
            seeds in proptest::collection::vec(any::<u128>(), 400..600),
            rotate in 0usize..400,
        ) {
            let ids: Vec<Uuid> = seeds.iter().map(|s| Uuid::from_u128(*s)).collect();
            let n = ids.len();
            let arrival: Vec<usize> = (0..n).collect();
            let stored = shuffled(arrival.clone(), ids.clone());
            let mut seen: Vec<usize> = stored.iter().map(|(_, i)| *i).collect();
            seen.sort();
            prop_assert_eq!(&seen, &arrival);
            // Other contents in another arrival order, the same ids: the same places.
            let mut other: Vec<usize> = arrival.iter().map(|i| (i + rotate) % n).collect();
            other.reverse();
            let places: Vec<Uuid> = shuffled(other, ids.clone()).into_iter().map(|(id, _)| id).collect();
            prop_assert_eq!(places, stored.iter().map(|(id, _)| *id).collect::<Vec<_>>());
            let ranks: Vec<usize> = stored.iter().map(|(_, i)| *i).collect();
            // |rho| of a random permutation has a standard deviation of 1/sqrt(n-1) < 0.05.
            prop_assert!(rho(&ranks).abs() < 0.3, "rho {}", rho(&ranks));
        }
    }
}

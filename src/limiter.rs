//! The submission rate limit, in memory only (DESIGN §4: nothing about who submitted is kept):
//! a budget per (open link or token batch, client group), refilled evenly over the window (GCRA:
//! one stored instant per key, the "theoretical arrival time").
//!
//! Memory is bounded whatever the traffic. Keys are fixed-size (a link or batch id and an
//! address group, never a code from the path: a code is resolved before it is counted, so junk
//! codes never reach this map), and the map holds at most `capacity` keys. A key whose budget is
//! whole again carries no information and is dropped first; only if the map is still full are the
//! keys nearest to refilled forgotten (those clients get their budget back early — the limit
//! fails open for them rather than refusing citizens it has never seen).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::config::RateLimit;

/// What a budget is counted for: an open link or a token batch (by id), and a client group
/// (`domain::network::client_group`).
pub type Key = (Uuid, IpAddr);

struct Inner {
    /// Nanoseconds between two refills of one submission.
    every: u64,
    /// The budget: `count × every` nanoseconds ahead of now at most.
    window: u64,
    capacity: usize,
    start: Instant,
    tats: Mutex<HashMap<Key, u64>>,
}

/// Per link or batch and client group; `None` inside when the limit is off.
pub struct SubmitLimiter {
    inner: Option<Inner>,
}

impl SubmitLimiter {
    pub fn new(limit: Option<RateLimit>, capacity: usize) -> SubmitLimiter {
        let inner = limit.map(|l| {
            let every = (l.per.as_nanos() / u128::from(l.count.max(1))).clamp(1, u128::from(u64::MAX / 4)) as u64;
            Inner {
                every,
                window: every.saturating_mul(u64::from(l.count.max(1))),
                capacity: capacity.max(1),
                start: Instant::now(),
                tats: Mutex::new(HashMap::new()),
            }
        });
        SubmitLimiter { inner }
    }

    /// Takes one submission from the key's budget; `Err(seconds)` to wait when it is spent.
    pub fn check(&self, key: Key) -> Result<(), u64> {
        let Some(l) = &self.inner else { return Ok(()) };
        let now = l.now();
        let mut tats = l.tats.lock().unwrap_or_else(|p| p.into_inner());
        let tat = tats.get(&key).copied().unwrap_or(now).max(now);
        let next = tat + l.every;
        if next - now > l.window {
            let wait = Duration::from_nanos(next - now - l.window);
            return Err(wait.as_secs().max(1));
        }
        if !tats.contains_key(&key) && tats.len() >= l.capacity {
            l.make_room(&mut tats, now);
        }
        tats.insert(key, next);
        Ok(())
    }

    /// Keys held now (for the metrics and the memory test).
    pub fn len(&self) -> usize {
        self.inner
            .as_ref()
            .map_or(0, |l| l.tats.lock().unwrap_or_else(|p| p.into_inner()).len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the keys whose budget is whole again, and gives their memory back.
    pub fn forget_idle(&self) {
        if let Some(l) = &self.inner {
            let now = l.now();
            let mut tats = l.tats.lock().unwrap_or_else(|p| p.into_inner());
            tats.retain(|_, tat| *tat > now);
            tats.shrink_to_fit();
        }
    }
}

impl Inner {
    fn now(&self) -> u64 {
        // Offset by a window, so "a full budget" (a stored instant at or before now) never needs
        // an instant before the start.
        (self.start.elapsed().as_nanos() as u64).saturating_add(self.window)
    }

    /// Frees at least a quarter of the map: keys with a whole budget first, then those nearest to it.
    fn make_room(&self, tats: &mut HashMap<Key, u64>, now: u64) {
        tats.retain(|_, tat| *tat > now);
        if tats.len() < self.capacity {
            return;
        }
        let mut all: Vec<u64> = tats.values().copied().collect();
        let cut = all.len() / 4;
        let (_, threshold, _) = all.select_nth_unstable(cut);
        let threshold = *threshold;
        tats.retain(|_, tat| *tat > threshold);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> Key {
        (Uuid::nil(), IpAddr::from([192, 0, 2, n]))
    }

    #[test]
    fn a_budget_is_spent_and_refused_with_the_wait() {
        let l = SubmitLimiter::new(RateLimit::parse("2/hour").unwrap(), 10);
        assert!(l.check(key(1)).is_ok());
        assert!(l.check(key(1)).is_ok());
        let wait = l.check(key(1)).unwrap_err();
        assert!((1700..=1800).contains(&wait), "half an hour for the next one: {wait}");
        assert!(l.check(key(2)).is_ok(), "another client has its own budget");
        let other_link = (Uuid::from_u128(1), IpAddr::from([192, 0, 2, 1]));
        assert!(l.check(other_link).is_ok(), "and so has another link");
    }

    #[test]
    fn the_map_never_exceeds_its_capacity() {
        let l = SubmitLimiter::new(RateLimit::parse("5/hour").unwrap(), 100);
        for i in 0..10_000u32 {
            let k = (Uuid::from_u128(u128::from(i)), IpAddr::from([10, 0, 0, 1]));
            assert!(l.check(k).is_ok(), "a new key always has its budget");
            assert!(l.len() <= 100, "{} keys", l.len());
        }
        // The client seen last is still counted.
        let last = (Uuid::from_u128(9_999), IpAddr::from([10, 0, 0, 1]));
        for _ in 0..4 {
            assert!(l.check(last).is_ok());
        }
        assert!(l.check(last).is_err());
    }

    #[test]
    fn whole_budgets_are_forgotten() {
        let l = SubmitLimiter::new(RateLimit::parse("1000/second").unwrap(), 10);
        assert!(l.check(key(1)).is_ok());
        std::thread::sleep(Duration::from_millis(5));
        l.forget_idle();
        assert!(l.is_empty());
        let off = SubmitLimiter::new(None, 10);
        assert!(off.check(key(1)).is_ok() && off.is_empty());
    }
}

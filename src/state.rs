//! What every handler shares: the database, the settings, the loaded forms, the render-token
//! secret, the in-memory rate limiter and the metrics.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use sea_orm::DatabaseConnection;

use crate::config::{RateLimit, Settings};
use crate::domain::forms::Form;
use crate::metrics::Metrics;

/// Every form version the service can serve: the files on disk (the current versions) plus the
/// frozen versions stored by campaigns that still point at them.
#[derive(Debug, Default)]
pub struct FormRegistry {
    versions: BTreeMap<(String, u32), Arc<Form>>,
    current: BTreeMap<String, u32>,
}

impl FormRegistry {
    pub fn new(current: Vec<Form>, frozen: Vec<Form>) -> FormRegistry {
        let mut r = FormRegistry::default();
        for f in frozen {
            r.versions.insert((f.id.clone(), f.version), Arc::new(f));
        }
        for f in current {
            r.current.insert(f.id.clone(), f.version);
            r.versions.insert((f.id.clone(), f.version), Arc::new(f));
        }
        r
    }
    /// The current version of a form (the one new campaigns pin).
    pub fn current(&self, id: &str) -> Option<Arc<Form>> {
        let v = self.current.get(id)?;
        self.versions.get(&(id.to_owned(), *v)).cloned()
    }
    pub fn version(&self, id: &str, version: u32) -> Option<Arc<Form>> {
        self.versions.get(&(id.to_owned(), version)).cloned()
    }
    pub fn all_current(&self) -> Vec<Arc<Form>> {
        self.current.keys().filter_map(|id| self.current(id)).collect()
    }
}

/// Per client address and link, in memory only (DESIGN §4): nothing about who submitted is kept.
pub struct SubmitLimiter {
    inner: Option<DefaultKeyedRateLimiter<(String, String)>>,
}

impl SubmitLimiter {
    pub fn new(limit: Option<RateLimit>) -> SubmitLimiter {
        let inner = limit.map(|l| {
            let burst = NonZeroU32::new(l.count).unwrap_or(NonZeroU32::MIN);
            let period = l.per / l.count.max(1);
            let quota = Quota::with_period(period)
                .unwrap_or_else(|| Quota::per_hour(burst))
                .allow_burst(burst);
            governor::RateLimiter::keyed(quota)
        });
        SubmitLimiter { inner }
    }
    /// `Err(seconds)` to wait when the client is over its limit for this link.
    pub fn check(&self, client: &str, link: &str) -> Result<(), u64> {
        let Some(l) = &self.inner else { return Ok(()) };
        match l.check_key(&(client.to_owned(), link.to_owned())) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(wait.as_secs().max(1))
            }
        }
    }
    /// Drops idle keys so memory does not grow with the number of clients seen.
    pub fn forget_idle(&self) {
        if let Some(l) = &self.inner {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub forms: Arc<FormRegistry>,
    pub render_secret: Arc<Vec<u8>>,
    pub limiter: Arc<SubmitLimiter>,
    pub metrics: Arc<Metrics>,
    /// On SQLite (one writer at a time), the group commit and the sealer take turns here
    /// instead of polling the database lock through the busy timeout. `None` on PostgreSQL.
    pub writer_turn: Option<Arc<tokio::sync::Mutex<()>>>,
    /// The process's one submission writer (`group_commit`).
    pub group_commit: crate::group_commit::GroupCommit,
}

//! What every handler shares: the database, the settings, the loaded forms, the signing keys,
//! the in-memory rate limiter and the metrics.

use std::collections::BTreeMap;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::domain::forms::Form;
pub use crate::limiter::SubmitLimiter;
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

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub forms: Arc<FormRegistry>,
    /// The render-token key; the session and CSRF keys beside it. Each is derived from the
    /// master secret (`INTEGRITAS_SECRET` or the key file, never the database) for its purpose.
    pub render_secret: Arc<Vec<u8>>,
    pub session_key: Arc<Vec<u8>>,
    pub csrf_key: Arc<Vec<u8>>,
    pub limiter: Arc<SubmitLimiter>,
    pub metrics: Arc<Metrics>,
    /// On SQLite (one writer at a time), the group commit and the sealer take turns here
    /// instead of polling the database lock through the busy timeout. `None` on PostgreSQL.
    pub writer_turn: Option<Arc<tokio::sync::Mutex<()>>>,
    /// The process's one submission writer (`group_commit`).
    pub group_commit: crate::group_commit::GroupCommit,
}

//! Fresh databases for a run: a file in the run's temporary folder (SQLite) or a new database on
//! the given PostgreSQL server, removed afterwards unless `--keep`.

use std::path::PathBuf;

use sea_orm::ConnectionTrait;

/// The same PostgreSQL server, another database.
pub(crate) fn with_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A fresh database of the chosen kind; dropped (or its folder removed) by `cleanup`.
pub(crate) struct FreshDb {
    pub(crate) url: String,
    pub(crate) pg: Option<(String, String)>,
    pub(crate) file: Option<PathBuf>,
}

pub(crate) async fn fresh_db(kind: &str, tmp: &std::path::Path, name: &str) -> anyhow::Result<FreshDb> {
    if kind == "sqlite" {
        let file = tmp.join(format!("{name}.db"));
        return Ok(FreshDb {
            url: format!("sqlite://{}?mode=rwc", file.display()),
            pg: None,
            file: Some(file),
        });
    }
    if !(kind.starts_with("postgres://") || kind.starts_with("postgresql://")) {
        anyhow::bail!("--db must be `sqlite` or a postgres:// URL");
    }
    let db_name = format!("integritas_load_{}_{}", name, &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let admin = sea_orm::Database::connect(kind).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE \"{db_name}\"")).await?;
    let _ = admin.close().await;
    Ok(FreshDb {
        url: with_db_name(kind, &db_name),
        pg: Some((kind.to_owned(), db_name)),
        file: None,
    })
}

impl FreshDb {
    pub(crate) async fn cleanup(&self, keep: bool) {
        if keep {
            eprintln!("kept database {}", self.url);
            return;
        }
        if let Some((admin, name)) = &self.pg
            && let Ok(db) = sea_orm::Database::connect(admin.as_str()).await
        {
            let _ = db
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            let _ = db.close().await;
        }
        if let Some(f) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }

    /// Commits and index scans so far (PostgreSQL only): transactions and lookups per submission.
    pub(crate) async fn pg_counters(&self) -> Option<(i64, i64)> {
        let (admin, name) = self.pg.as_ref()?;
        let db = sea_orm::Database::connect(admin.as_str()).await.ok()?;
        let b = db.get_database_backend();
        let _ = db.execute_unprepared("SELECT pg_stat_clear_snapshot()").await;
        let xact = db
            .query_one_raw(sea_orm::Statement::from_string(
                b,
                format!("SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = '{name}'"),
            ))
            .await
            .ok()??
            .try_get::<i64>("", "n")
            .ok()?;
        let _ = db.close().await;
        // Index scans are per database: read them from the database itself.
        let own = sea_orm::Database::connect(self.url.as_str()).await.ok()?;
        let scans = own
            .query_one_raw(sea_orm::Statement::from_string(
                b,
                "SELECT COALESCE(SUM(idx_scan), 0)::bigint AS n FROM pg_stat_user_tables",
            ))
            .await
            .ok()??
            .try_get::<i64>("", "n")
            .ok()?;
        let _ = own.close().await;
        Some((xact, scans))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_get_another_database() {
        assert_eq!(
            with_db_name("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_db_name("postgres://u:p@h/db?sslmode=disable", "y"),
            "postgres://u:p@h/y?sslmode=disable"
        );
        assert_eq!(with_db_name("postgres://h:5432", "z"), "postgres://h:5432/z");
    }
}

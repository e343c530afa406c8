//! The only code that talks to the database. Functions take `&impl ConnectionTrait`, so they
//! compose inside transactions; aggregates are computed by the database (GROUP BY), never by
//! loading every response.

pub mod audit;
pub mod campaigns;
pub mod evaluations;
pub mod exclusions;
pub mod form_versions;
pub mod inbox;
pub mod keys;
pub mod ledger;
pub mod ledger_check;
pub mod links;
pub mod publication;
pub mod responses;
pub mod results;
pub mod sessions;
pub mod survey;
pub mod tokens;
pub mod units;

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// Builds a raw statement for this connection's backend, writing `$1, $2…` placeholders; on
/// SQLite they are rewritten to `?`. Only positional placeholders, in order, are used in this crate.
pub fn stmt(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    statement(db.get_database_backend(), sql, values)
}

/// [`stmt`] for a backend (what it does, without a connection).
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => rewrite_placeholders(sql),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Whether the database answers a trivial query (readiness).
pub async fn ping(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

fn rewrite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, Value};

    use super::statement;

    #[test]
    fn placeholders() {
        assert_eq!(super::rewrite_placeholders("a = $1 AND b = $12"), "a = ? AND b = ?");
        // A `$` that starts no number is no placeholder.
        assert_eq!(super::rewrite_placeholders("a = '$' AND b = $2"), "a = '$' AND b = ?");
    }

    #[test]
    fn one_statement_for_both_databases() {
        let sql = "SELECT n FROM t WHERE a = $1 AND b IN ($2, $3) AND c = $10";
        let values = || -> Vec<Value> { vec![1i64.into(), "x".into(), true.into(), Option::<String>::None.into()] };
        let pg = statement(DbBackend::Postgres, sql, values());
        assert_eq!(pg.sql, sql, "PostgreSQL keeps its numbered placeholders");
        assert_eq!(pg.db_backend, DbBackend::Postgres);
        let lite = statement(DbBackend::Sqlite, sql, values());
        assert_eq!(lite.sql, "SELECT n FROM t WHERE a = ? AND b IN (?, ?) AND c = ?");
        assert_eq!(lite.db_backend, DbBackend::Sqlite);
        // The values go along unchanged and in order, whichever the backend.
        for s in [&pg, &lite] {
            assert_eq!(s.values.as_ref().map(|v| v.0.clone()), Some(values()));
        }
        let none = statement(DbBackend::Sqlite, "SELECT 1", vec![]);
        assert_eq!(none.sql, "SELECT 1");
    }
}

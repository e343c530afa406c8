//! The only code that talks to the database. Functions take `&impl ConnectionTrait`, so they
//! compose inside transactions; aggregates are computed by the database (GROUP BY), never by
//! loading every response.

pub mod audit;
pub mod campaigns;
pub mod exclusions;
pub mod form_versions;
pub mod keys;
pub mod ledger;
pub mod links;
pub mod responses;
pub mod results;
pub mod secrets;
pub mod survey;
pub mod tokens;
pub mod units;

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// Builds a raw statement for this connection's backend, writing `$1, $2…` placeholders; on
/// SQLite they are rewritten to `?`. Only positional placeholders, in order, are used in this crate.
pub fn stmt(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
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
    #[test]
    fn placeholders() {
        assert_eq!(super::rewrite_placeholders("a = $1 AND b = $12"), "a = ? AND b = ?");
    }
}

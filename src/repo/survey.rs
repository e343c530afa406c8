//! What a survey code opens, in one query: the open link (or the token and its batch), its
//! campaign and the campaign's unit. A submission looks its code up once, instead of three or
//! four SELECTs in a row (issue 7).

use std::sync::LazyLock;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable};

use crate::entities::{campaign, open_link, token, token_batch, unit};

/// `"a"."col" AS "a_col", …` for every column of an entity, so one row carries several models.
fn columns<E: EntityTrait>(alias: &str) -> String {
    E::Column::iter()
        .map(|c| format!("\"{alias}\".\"{col}\" AS \"{alias}_{col}\"", col = c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

static LINK_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, {}, {} FROM open_link l JOIN campaign c ON c.id = l.campaign_id JOIN unit u ON u.id = c.unit_id \
         WHERE l.code = $1",
        columns::<open_link::Entity>("l"),
        columns::<campaign::Entity>("c"),
        columns::<unit::Entity>("u"),
    )
});

static TOKEN_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, {}, {}, {} FROM token t JOIN token_batch b ON b.id = t.batch_id JOIN campaign c ON c.id = b.campaign_id \
         JOIN unit u ON u.id = c.unit_id WHERE t.token_hash = $1",
        columns::<token::Entity>("t"),
        columns::<token_batch::Entity>("b"),
        columns::<campaign::Entity>("c"),
        columns::<unit::Entity>("u"),
    )
});

/// An open link by its public code, with its campaign and unit.
pub async fn link(db: &impl ConnectionTrait, code: &str) -> Result<Option<(open_link::Model, campaign::Model, unit::Model)>, DbErr> {
    let Some(row) = db.query_one_raw(super::stmt(db, &LINK_SQL, vec![code.into()])).await? else {
        return Ok(None);
    };
    Ok(Some((
        open_link::Model::from_query_result(&row, "l_")?,
        campaign::Model::from_query_result(&row, "c_")?,
        unit::Model::from_query_result(&row, "u_")?,
    )))
}

/// A token by its hash, with its batch, campaign and unit.
#[allow(clippy::type_complexity)]
pub async fn token(
    db: &impl ConnectionTrait,
    hash: &str,
) -> Result<Option<(token::Model, token_batch::Model, campaign::Model, unit::Model)>, DbErr> {
    let Some(row) = db.query_one_raw(super::stmt(db, &TOKEN_SQL, vec![hash.into()])).await? else {
        return Ok(None);
    };
    Ok(Some((
        token::Model::from_query_result(&row, "t_")?,
        token_batch::Model::from_query_result(&row, "b_")?,
        campaign::Model::from_query_result(&row, "c_")?,
        unit::Model::from_query_result(&row, "u_")?,
    )))
}

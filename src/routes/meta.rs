//! Sample size.

use actix_web::{get, web};
use serde::Deserialize;

use crate::domain::sample_size::{SampleSize, sample_size as compute};
use crate::error::AppError;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SampleSizeQuery {
    /// Service users in the period, 1 to 10^12; omit when unknown.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1_000_000_000_000_i64)]
    #[serde(default, deserialize_with = "not_blank")]
    pub population: Option<String>,
}

/// An unknown population is a left-out parameter: `?population=` (or only spaces) is refused as
/// the number it is not, rather than read as "unknown".
fn not_blank<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(s) if s.trim().is_empty() => Err(serde::de::Error::custom(
            "`population` must be a whole number from 1 to 10^12; leave it out when unknown",
        )),
        s => Ok(s),
    }
}

/// Krejcie & Morgan sample size and the respondents a campaign needs.
#[utoipa::path(tag = "meta", params(SampleSizeQuery), responses((status = 200, body = SampleSize), (status = 422, body = crate::error::Problem)))]
#[get("/sample-size")]
pub async fn sample_size(q: web::Query<SampleSizeQuery>) -> Result<web::Json<SampleSize>, AppError> {
    let population = match q.population.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse::<u64>() {
            Ok(n) if (1..=1_000_000_000_000).contains(&n) => Some(n),
            _ => return Err(AppError::field("population", "must be a whole number from 1 to 10^12")),
        },
    };
    Ok(web::Json(compute(population)))
}

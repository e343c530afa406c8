//! TEMPORARY placeholder until the stats module lands.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SampleSize { pub population: Option<u64>, pub krejcie_morgan: Option<u64>, pub required_n: u64 }
pub fn sample_size(population: Option<u64>) -> SampleSize { SampleSize { population, krejcie_morgan: None, required_n: 384 } }

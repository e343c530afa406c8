//! The citizen's survey as JSON: the form with its campaign and a render token, and the receipt
//! of an accepted response (a date, nothing more precise).

use serde::Serialize;

use crate::domain::forms::Form;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CampaignInfo {
    pub title: String,
    pub unit_name: String,
    /// The choices of the `layanan` demographic.
    pub service_types: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SurveyForm {
    pub form: Form,
    pub campaign: CampaignInfo,
    pub render_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub status: &'static str,
    /// The date recorded with the response (WIB); nothing more precise is kept.
    pub submitted_on: chrono::NaiveDate,
}

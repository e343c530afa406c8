//! The survey definitions the service holds: the current version of each form, and the frozen
//! version a campaign pinned.

use std::sync::Arc;

use crate::domain::forms::Form;
use crate::entities::campaign;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The current version of every form.
pub fn list(state: &AppState) -> Vec<Form> {
    state.forms.all_current().iter().map(|f| (**f).clone()).collect()
}

/// One form's current version, or 404.
pub fn get(state: &AppState, id: &str) -> AppResult<Form> {
    let f = state.forms.current(id).ok_or_else(|| AppError::not_found("form"))?;
    Ok((*f).clone())
}

/// The form version a campaign pinned. Start-up loads every frozen version, so a miss is a bug.
pub fn of_campaign(state: &AppState, c: &campaign::Model) -> AppResult<Arc<Form>> {
    state
        .forms
        .version(&c.form_id, c.form_version as u32)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("form {} v{} not loaded", c.form_id, c.form_version)))
}

//! The citizen's survey, shared by the HTML pages (`/s/{code}`) and the JSON API
//! (`/api/v1/respond/{code}`): resolve a code to its campaign, check it can take a response,
//! and store a submission (rate limit → honeypot → render token → validation → one transaction).

use std::sync::Arc;

use actix_web::HttpRequest;
use sea_orm::DbErr;

use crate::domain::credentials::{
    RenderTokenError, hash_secret, looks_like_link_code, looks_like_token, sign_render_token, verify_render_token,
};
use crate::domain::forms::{FieldErrors, Form, RawSubmission, validate_submission};
use crate::domain::respond::{self, Channel, Closed, OpenLinkState, TokenState};
use crate::entities::{campaign, open_link, token, token_batch, unit};
use crate::error::AppError;
use crate::repo;
use crate::repo::responses::{NewResponse, Stored};
use crate::state::AppState;

pub enum Via {
    OpenLink(open_link::Model),
    Token {
        hash: String,
        token: token::Model,
        batch: token_batch::Model,
    },
}

pub struct Target {
    pub campaign: campaign::Model,
    pub unit: unit::Model,
    pub form: Arc<Form>,
    pub via: Via,
}

impl Target {
    pub fn service_types(&self) -> Vec<String> {
        repo::units::service_types(&self.unit)
    }
}

/// Why a survey request did not store a response.
#[derive(Debug)]
pub enum Refused {
    Closed(Closed),
    RateLimited(u64),
    Honeypot,
    StaleForm(RenderTokenError),
    Invalid(FieldErrors),
    Failed(AppError),
}

impl From<DbErr> for Refused {
    fn from(e: DbErr) -> Refused {
        Refused::Failed(e.into())
    }
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Refused {
        Refused::Failed(e)
    }
}

/// Finds what a code opens and whether it can take a response now.
pub async fn resolve(state: &AppState, code: &str) -> Result<Target, Refused> {
    let db = &state.db;
    // One query per code (the link or token with its campaign and unit), not three or four.
    let (campaign, unit, via) = if looks_like_token(code) {
        let hash = hash_secret(code);
        let (token, batch, campaign, unit) = repo::survey::token(db, &hash).await?.ok_or(Refused::Closed(Closed::UnknownLink))?;
        (campaign, unit, Via::Token { hash, token, batch })
    } else if looks_like_link_code(code) {
        let (link, campaign, unit) = repo::survey::link(db, code).await?.ok_or(Refused::Closed(Closed::UnknownLink))?;
        (campaign, unit, Via::OpenLink(link))
    } else {
        return Err(Refused::Closed(Closed::UnknownLink));
    };
    let form = state
        .forms
        .version(&campaign.form_id, campaign.form_version as u32)
        .ok_or_else(|| {
            Refused::Failed(AppError::Internal(anyhow::anyhow!(
                "form {} v{} not loaded",
                campaign.form_id,
                campaign.form_version
            )))
        })?;
    let channel = match &via {
        Via::OpenLink(l) => {
            let responses = match l.max_responses {
                Some(_) => Some(repo::responses::count_for_link(db, l.id).await?),
                None => None,
            };
            Channel::OpenLink(OpenLinkState {
                revoked: l.revoked_at.is_some(),
                expires_at: l.expires_at,
                max_responses: l.max_responses,
                responses,
            })
        }
        Via::Token { token, batch, .. } => Channel::Token(TokenState {
            redeemed: token.redeemed,
            batch_revoked: batch.revoked_at.is_some(),
            expires_at: batch.expires_at,
        }),
    };
    respond::check(&repo::campaigns::period(&campaign), &channel, crate::domain::now()).map_err(Refused::Closed)?;
    Ok(Target { campaign, unit, form, via })
}

/// A fresh render token for this code.
pub fn render_token(state: &AppState, code: &str) -> String {
    sign_render_token(&state.render_secret, code, crate::domain::now().timestamp())
}

/// The client's address for rate limiting only (never stored or logged).
pub fn client_address(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(xff) = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = xff.split(',').next().map(str::trim).filter(|s| !s.is_empty())
    {
        return first.to_owned();
    }
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()
}

/// Limits submissions per client address and link (tokens share one bucket per client).
pub fn rate_limit(state: &AppState, req: &HttpRequest, code: &str) -> Result<(), Refused> {
    let client = client_address(req, state.settings.trust_proxy);
    let bucket = if looks_like_token(code) { "token" } else { code };
    state.limiter.check(&client, bucket).map_err(Refused::RateLimited)
}

pub struct Submission {
    pub raw: RawSubmission,
    pub render_token: Option<String>,
    pub honeypot: Option<String>,
}

/// Checks and stores one submission; returns the date recorded.
pub async fn submit(state: &AppState, code: &str, target: &Target, s: &Submission) -> Result<chrono::NaiveDate, Refused> {
    let outcome = |o: &str| state.metrics.submissions.with_label_values(&[o]).inc();
    if s.honeypot.as_deref().is_some_and(|h| !h.trim().is_empty()) {
        outcome("honeypot");
        return Err(Refused::Honeypot);
    }
    let now = crate::domain::now();
    let rendered_at = verify_render_token(
        &state.render_secret,
        code,
        s.render_token.as_deref(),
        now.timestamp(),
        state.settings.render_token_ttl.as_secs() as i64,
    )
    .map_err(|e| {
        outcome("stale_form");
        Refused::StaleForm(e)
    })?;
    let valid = validate_submission(&target.form, &target.service_types(), &s.raw).map_err(|e| {
        outcome("invalid");
        Refused::Invalid(e)
    })?;
    let speeder = respond::is_speeder(rendered_at, now.timestamp(), state.settings.min_seconds);
    let submitted_on = respond::submission_date(now);
    let (channel, open_link, token_hash) = match &target.via {
        Via::OpenLink(l) => ("open_link", Some((l.id, l.label.as_str())), None),
        Via::Token { hash, .. } => ("token", None, Some(hash.as_str())),
    };
    let stored = repo::responses::insert(
        &state.db,
        NewResponse {
            campaign_id: target.campaign.id,
            channel,
            open_link,
            token_hash,
            submission: &valid,
            speeder,
            submitted_on,
        },
        // SQLite: one submission transaction at a time (see `AppState::submit_turn`).
        state.submit_turn.as_deref(),
    )
    .await?;
    match stored {
        Stored::Accepted(_) => {
            outcome("accepted");
            Ok(submitted_on)
        }
        Stored::TokenAlreadyUsed => {
            outcome("token_used");
            Err(Refused::Closed(Closed::TokenUsed))
        }
    }
}

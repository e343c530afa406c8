//! A citizen's survey, shared by the HTML pages (`/s/{code}`) and the JSON API
//! (`/api/v1/respond/{code}`): resolve a code to its campaign, check it can take a response, and
//! store a submission (resolve → rate limit → honeypot → render token → validation → the
//! inbox, through the group commit).
//!
//! Nothing here logs or records the code, the client's address or anything about the person: the
//! spans carry the campaign id only.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::NaiveDate;
use sea_orm::DbErr;
use tracing::field::Empty;

use crate::domain::credentials::{
    RenderTokenError, looks_like_link_code, looks_like_token, sign_render_token, token_hash, verify_render_token,
};
use crate::domain::forms::{FieldErrors, Form, RawSubmission, validate_submission};
use crate::domain::inbox::Waiting;
use crate::domain::network::client_group;
use crate::domain::respond::{self, Channel, Closed, OpenLinkState, TokenState};
use crate::entities::{campaign, open_link, token, token_batch, unit};
use crate::error::AppError;
use crate::repo;
use crate::repo::inbox::{Landed, Landing};
use crate::state::AppState;
use crate::views::survey::{Accepted, CampaignInfo, SurveyForm};

/// What a code opens: an open link, or a single-use token with its batch.
pub enum Via {
    OpenLink(open_link::Model),
    Token {
        hash: String,
        token: token::Model,
        batch: token_batch::Model,
    },
}

/// A code resolved to the campaign it can answer, with the campaign's unit and form.
pub struct Target {
    pub campaign: campaign::Model,
    pub unit: unit::Model,
    pub form: Arc<Form>,
    pub via: Via,
}

impl Target {
    /// The unit's service types: the choices of the `layanan` demographic.
    pub fn service_types(&self) -> Vec<String> {
        repo::units::service_types(&self.unit)
    }
}

/// Why a page's body could not be read as a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// Not `application/x-www-form-urlencoded`.
    NotAForm,
    /// A form body that does not parse.
    Malformed,
}

/// Why a survey request did not store a response.
#[derive(Debug)]
pub enum Refused {
    Closed(Closed),
    RateLimited(u64),
    Honeypot,
    StaleForm(RenderTokenError),
    Invalid(FieldErrors),
    Unreadable(Unreadable),
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
#[tracing::instrument(skip_all, fields(campaign_id = Empty))]
pub async fn resolve(state: &AppState, code: &str) -> Result<Target, Refused> {
    let db = &state.db;
    // One query per code (the link or token with its campaign and unit), not three or four.
    let (campaign, unit, via) = if looks_like_token(code) {
        let hash = token_hash(code);
        let (token, batch, campaign, unit) = repo::survey::token(db, &hash).await?.ok_or(Refused::Closed(Closed::UnknownLink))?;
        (campaign, unit, Via::Token { hash, token, batch })
    } else if looks_like_link_code(code) {
        let (link, campaign, unit) = repo::survey::link(db, code).await?.ok_or(Refused::Closed(Closed::UnknownLink))?;
        (campaign, unit, Via::OpenLink(link))
    } else {
        return Err(Refused::Closed(Closed::UnknownLink));
    };
    tracing::Span::current().record("campaign_id", tracing::field::display(campaign.id));
    let form = super::forms::of_campaign(state, &campaign)?;
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

/// Limits submissions per open link or token batch and client group (an IPv4 address, an IPv6
/// /64). Called only once the code resolved, so a code that opens nothing is never a key. The
/// address is only a key of the in-memory limiter: never stored or logged.
fn rate_limit(state: &AppState, client: IpAddr, target: &Target) -> Result<(), Refused> {
    let scope = match &target.via {
        Via::OpenLink(l) => l.id,
        Via::Token { batch, .. } => batch.id,
    };
    let checked = state.limiter.check((scope, client_group(client)));
    state.metrics.rate_limit_keys.set(state.limiter.len() as i64);
    checked.map_err(|secs| {
        state.metrics.submissions.with_label_values(&["rate_limited"]).inc();
        Refused::RateLimited(secs)
    })
}

/// One submission as the citizen sent it.
pub struct Submission {
    pub raw: RawSubmission,
    pub render_token: Option<String>,
    pub honeypot: Option<String>,
}

/// Checks and stores one submission; returns the date recorded.
async fn store(state: &AppState, code: &str, target: &Target, s: &Submission) -> Result<NaiveDate, Refused> {
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
    // The date in the unit's own zone (WIB, WITA or WIT).
    let submitted_on = crate::domain::time_zone::local_date(repo::units::time_zone(&target.unit), now);
    let (channel, open_link, token_hash, link_cap) = match &target.via {
        Via::OpenLink(l) => ("open_link", Some((l.id, l.label.as_str())), None, l.max_responses),
        Via::Token { hash, .. } => ("token", None, Some(hash.clone()), None),
    };
    // Into the inbox through the group commit: acknowledged only once committed. The campaign
    // being open, the token unused and the link's cap are checked again inside that transaction.
    let landed = state
        .group_commit
        .land(Landing {
            campaign_id: target.campaign.id,
            entry: Waiting::new(&valid, channel, open_link, speeder, submitted_on),
            token_hash,
            link_cap,
        })
        .await
        .map_err(Refused::Failed)?;
    let refused = |o: &str, why: Closed| {
        outcome(o);
        Err(Refused::Closed(why))
    };
    match landed {
        Landed::Accepted => {
            outcome("accepted");
            Ok(submitted_on)
        }
        Landed::TokenUsed => refused("token_used", Closed::TokenUsed),
        Landed::LinkFull => refused("link_full", Closed::LinkFull),
        Landed::CampaignClosed => refused("closed", Closed::CampaignClosed),
    }
}

/// The JSON API's form behind a code, with a render token.
#[tracing::instrument(skip_all)]
pub async fn survey_form(state: &AppState, code: &str) -> Result<SurveyForm, Refused> {
    let t = resolve(state, code).await?;
    Ok(SurveyForm {
        campaign: CampaignInfo {
            title: t.campaign.title.clone(),
            unit_name: t.unit.name.clone(),
            service_types: t.service_types(),
        },
        form: (*t.form).clone(),
        render_token: render_token(state, code),
    })
}

/// The JSON API's submission: rate limit, resolve, check and store.
#[tracing::instrument(skip_all)]
pub async fn submit_answers(state: &AppState, client: IpAddr, code: &str, s: Submission) -> Result<Accepted, Refused> {
    let t = resolve(state, code).await?;
    rate_limit(state, client, &t)?;
    let submitted_on = store(state, code, &t, &s).await?;
    Ok(Accepted {
        status: "accepted",
        submitted_on,
    })
}

/// A form page's fields, after the page's own fields (render token, honeypot) were taken out.
pub struct FormFields {
    pub pairs: Vec<(String, String)>,
    pub render_token: Option<String>,
    pub honeypot: Option<String>,
}

/// A refused page submission; `retry` holds what the page needs to show the form again with what
/// the person typed (when the code still opens a form).
pub struct PageRefusal {
    pub refused: Refused,
    pub retry: Option<(Target, BTreeMap<String, String>)>,
}

impl From<Refused> for PageRefusal {
    fn from(refused: Refused) -> PageRefusal {
        PageRefusal { refused, retry: None }
    }
}

/// The HTML form's submission: resolve, read the body (refused only now, so an unknown or closed
/// code says so first), split it by the form, rate limit, check and store. A refusal after the
/// body was read carries what was typed, so the page shows the form again with the answers.
#[tracing::instrument(skip_all)]
pub async fn submit_page(
    state: &AppState,
    client: IpAddr,
    code: &str,
    body: Result<FormFields, Unreadable>,
) -> Result<NaiveDate, PageRefusal> {
    let target = resolve(state, code).await?;
    let fields = body.map_err(Refused::Unreadable)?;
    let (raw, values) = split(&target.form, fields.pairs);
    if let Err(refused) = rate_limit(state, client, &target) {
        return Err(PageRefusal {
            refused,
            retry: Some((target, values)),
        });
    }
    let s = Submission {
        raw,
        render_token: fields.render_token,
        honeypot: fields.honeypot,
    };
    match store(state, code, &target, &s).await {
        Ok(on) => Ok(on),
        Err(refused) => Err(PageRefusal {
            refused,
            retry: Some((target, values)),
        }),
    }
}

/// Splits posted pairs into answers, screening and demographics by the form's ids, and keeps
/// what was typed (to show the form again).
fn split(form: &Form, pairs: Vec<(String, String)>) -> (RawSubmission, BTreeMap<String, String>) {
    let mut raw = RawSubmission::default();
    let mut values = BTreeMap::new();
    for (k, v) in pairs {
        values.insert(k.clone(), v.clone());
        if form.screening.iter().any(|s| s.id == k) {
            raw.screening.push((k, v));
        } else if form.demographics.iter().any(|d| d.id == k) {
            raw.demographics.push((k, v));
        } else {
            raw.answers.push((k, serde_json::Value::String(v)));
        }
    }
    (raw, values)
}

/// The unit and campaign names behind a code, without the availability check (a used token still
/// names its campaign on the thank-you page).
#[tracing::instrument(skip_all)]
pub async fn names(state: &AppState, code: &str) -> Option<(String, String)> {
    let (campaign, unit) = if looks_like_token(code) {
        let (_, _, c, u) = repo::survey::token(&state.db, &token_hash(code)).await.ok()??;
        (c, u)
    } else {
        let (_, c, u) = repo::survey::link(&state.db, code).await.ok()??;
        (c, u)
    };
    Some((unit.name, campaign.title))
}

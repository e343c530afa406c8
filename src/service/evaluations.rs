//! A unit's evaluation record for a year: what an assessor enters for its hasil (the rule set,
//! TLHP, kinerja, optionally the campaigns that count and pooling, a note). Assessors and admins
//! write it; the unit's operator reads it. Every change is audited with the old and the new
//! content (the audit entry names the key); writing what is already stored changes nothing and
//! records nothing.
//!
//! [`get`] and [`put`] are the whole use case: the API and the assessor's form call them alike.

use uuid::Uuid;

use crate::domain::access::Principal;
use crate::domain::evaluation::record::{check_note, check_tlhp, check_year};
use crate::domain::evaluation::{Evaluation, Pooling};
use crate::domain::scoring::{KinerjaGrade, RuleId};
use crate::entities::unit;
use crate::error::{AppError, AppResult, During, Fields};
use crate::repo::{self, audit};
use crate::state::AppState;
use crate::views::evaluations::EvaluationView;

/// An evaluation record as asked for, every field still unchecked. A `put` replaces the whole
/// record: a field left out is empty afterwards (`rule`: the unit's default; `pooling`: `none`).
#[derive(Debug, Clone, Default)]
pub struct EvaluationInput {
    pub rule: Option<String>,
    pub tlhp_percent: Option<f64>,
    pub kinerja: Option<String>,
    pub ipak_campaign_id: Option<Uuid>,
    pub ipkp_campaign_id: Option<Uuid>,
    pub pooling: Option<String>,
    pub note: Option<String>,
}

/// The record after a `put`, and whether it was new.
pub struct Saved {
    pub evaluation: EvaluationView,
    pub created: bool,
}

/// The unit's record for `year`, if one is recorded (admin, assessor, the unit's operator).
#[tracing::instrument(skip_all, fields(unit_id = %unit_id, year))]
pub async fn get(state: &AppState, who: &Principal, unit_id: Uuid, year: i32) -> AppResult<Option<EvaluationView>> {
    who.require_read(unit_id)?;
    check_year(year).map_err(|m| AppError::field("year", m))?;
    super::units::find(state, unit_id).await?;
    Ok(repo::evaluations::find(&state.db, unit_id, year)
        .await
        .during("reading an evaluation record")?
        .map(EvaluationView::from))
}

/// Records the unit's evaluation for `year`, replacing what was there (admin, assessor). Every
/// wrong field is listed in one 422 and nothing is stored.
#[tracing::instrument(skip_all, fields(unit_id = %unit_id, year))]
pub async fn put(state: &AppState, who: &Principal, unit_id: Uuid, year: i32, input: EvaluationInput) -> AppResult<Saved> {
    who.require_admin_or_assessor()?;
    let u = super::units::find(state, unit_id).await?;
    let new = check(state, &u, year, input).await?;
    let existing = repo::evaluations::find(&state.db, unit_id, year)
        .await
        .during("reading an evaluation record")?;
    let old = existing.as_ref().map(repo::evaluations::content);
    if let (Some(m), Some(old)) = (&existing, &old)
        && *old == new
    {
        // Nothing changes: no write, no audit entry.
        return Ok(Saved {
            evaluation: m.clone().into(),
            created: false,
        });
    }
    let created = existing.is_none();
    let saved = super::audited(&state.db, who.into(), async |txn| {
        let m = repo::evaluations::save(txn, unit_id, year, existing, &new, Some(who.key_id))
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Conflict(_) => AppError::Conflict("this evaluation was recorded meanwhile; try again".into()),
                other => other,
            })?;
        let entry = audit::Entry {
            action: if created { "evaluation.create" } else { "evaluation.update" },
            entity: "evaluation",
            entity_id: format!("{unit_id}/{year}"),
            unit_id: Some(unit_id),
            reason: None,
            detail: serde_json::json!({"year": year, "old": old, "new": new}),
        };
        Ok((m, Some(entry)))
    })
    .await?;
    Ok(Saved {
        evaluation: saved.into(),
        created,
    })
}

/// Checks every field; a named campaign must be the unit's, of the right form, and ended (a
/// record is what an assessor signs: its figures must be final).
async fn check(state: &AppState, u: &unit::Model, year: i32, input: EvaluationInput) -> AppResult<Evaluation> {
    let mut f = Fields::new();
    f.check("year", check_year(year));
    let rule = match &input.rule {
        None => RuleId::parse(&u.default_rule).or(Some(RuleId::Permenpanrb90_2021)),
        Some(r) => f.check(
            "rule",
            RuleId::parse(r).ok_or_else(|| format!("unknown rule `{r}` (permenpanrb-90-2021, permenpanrb-52-2014)")),
        ),
    };
    let tlhp_percent = input.tlhp_percent.and_then(|t| f.check("tlhp_percent", check_tlhp(t)));
    let kinerja = input.kinerja.as_deref().and_then(|k| {
        f.check(
            "kinerja",
            k.parse::<KinerjaGrade>().map_err(|_| "must be one of A, B, C, D, E".to_owned()),
        )
    });
    let pooling = match &input.pooling {
        None => Some(Pooling::None),
        Some(p) => f.check("pooling", Pooling::parse(p).ok_or_else(|| "must be `none` or `year`".to_owned())),
    };
    let note = input.note.as_deref().and_then(|n| f.check("note", check_note(n))).flatten();
    let now = crate::domain::now();
    for (field, form, id) in [
        ("ipak_campaign_id", "ipak", input.ipak_campaign_id),
        ("ipkp_campaign_id", "ipkp", input.ipkp_campaign_id),
    ] {
        let Some(id) = id else { continue };
        let c = repo::campaigns::find(&state.db, id).await.during("reading a campaign")?;
        match c {
            Some(c) if c.unit_id == u.id && c.form_id == form => {
                if repo::campaigns::period(&c).ended_at(now).is_none() {
                    f.add(field, "this campaign has not ended: its results are not final");
                }
            }
            _ => f.add(field, format!("no {form} campaign of this unit has this id")),
        }
    }
    f.finish()?;
    let (Some(rule), Some(pooling)) = (rule, pooling) else {
        return Err(AppError::Internal(anyhow::anyhow!("validated evaluation fields missing")));
    };
    Ok(Evaluation {
        rule,
        tlhp_percent,
        kinerja,
        ipak_campaign_id: input.ipak_campaign_id,
        ipkp_campaign_id: input.ipkp_campaign_id,
        pooling,
        note,
    })
}

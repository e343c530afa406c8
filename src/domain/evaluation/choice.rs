//! Which campaigns a unit's hasil for a year rests on, and which earlier campaign a campaign's
//! change is measured against.
//!
//! For each survey (IPAK, IPKP) separately:
//! * a campaign **counts for a year** when it ended (closed by hand, or its `closes_at` passed)
//!   on a date in that year in the unit's time zone;
//! * the chosen campaign is the one the evaluation record names, or else the **latest ended
//!   campaign of the year with responses**: later ones that ended empty — or with fewer responses
//!   than the anonymity group size, whose figures are never published — are skipped, each with a
//!   note saying so;
//! * with pooling, every other campaign of the **same form version** that counts for the year
//!   joins it (each with at least the group size: a smaller one could be recovered by taking the
//!   pool apart), and campaigns of other versions are named in a note and left out — their items
//!   or texts differ, so their answers do not measure the same thing.
//!
//! A change (Welch's test) compares a campaign with the latest earlier campaign of the same form
//! **version**; none, or only other versions before it, gives no comparison and says why.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::Pooling;
use crate::domain::campaign::Period;
use crate::domain::time_zone::{TimeZone, local_year};

/// A campaign of one unit and one form, as the choice sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: Uuid,
    pub title: String,
    pub form_version: u32,
    pub period: Period,
    pub created_at: DateTime<Utc>,
    /// Responses in its analysis set (stored, minus excluded).
    pub n: u64,
}

impl Candidate {
    /// When it ended, if it has.
    pub fn ended_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.period.ended_at(now)
    }

    /// The year it counts for: the year it ended in, in the unit's zone.
    pub fn year(&self, zone: TimeZone, now: DateTime<Utc>) -> Option<i32> {
        self.ended_at(now).map(|e| local_year(zone, e))
    }
}

/// What a note about the choice says, for pages to word in their language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// A later campaign of the year ended with no responses and was skipped.
    SkippedEmpty,
    /// A campaign of the year has fewer responses than the anonymity group size: no published
    /// figures, so it was skipped (or left out of the pool).
    SkippedTooFew,
    /// The figures pool several campaigns of one form version.
    Pooled,
    /// A campaign of the year used another form version and was not pooled.
    OtherVersion,
    /// The named campaign has not ended: its figures are not final.
    NamedNotEnded,
    /// The named campaign ended in another year.
    NamedOtherYear,
    /// The named campaign has fewer responses than the anonymity group size.
    NamedTooFew,
}

/// A note about how a survey's campaigns were chosen.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Note {
    /// `ipak` or `ipkp`.
    pub survey: String,
    pub kind: NoteKind,
    /// The campaign the note is about (none for a note about the whole pool).
    pub campaign_id: Option<Uuid>,
    /// In English; the pages word it from `kind`.
    pub text: String,
}

/// The campaigns a survey's figures come from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Choice {
    /// The chosen campaign first, then the campaigns pooled with it (latest first); empty when no
    /// campaign qualifies.
    pub campaigns: Vec<Uuid>,
    pub notes: Vec<Note>,
}

/// The named campaign is not one of the candidates (not this unit's, or not this form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownCampaign;

/// What a choice is made for: the year, the unit's zone, the moment, and the anonymity group size
/// (a campaign with fewer responses publishes no figures).
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub year: i32,
    pub zone: TimeZone,
    pub now: DateTime<Utc>,
    pub min_group: u64,
}

/// Chooses the campaigns of one survey (`survey`: `ipak`/`ipkp`; `candidates`: the unit's
/// campaigns of that form). `named` is the evaluation record's campaign, if any.
pub fn choose(
    survey: &str,
    candidates: &[Candidate],
    scope: &Scope,
    named: Option<Uuid>,
    pooling: Pooling,
) -> Result<Choice, UnknownCampaign> {
    let Scope {
        year,
        zone,
        now,
        min_group,
    } = *scope;
    let note = |kind, c: &Candidate, text: String| Note {
        survey: survey.to_owned(),
        kind,
        campaign_id: Some(c.id),
        text,
    };
    let too_few = |c: &Candidate| {
        format!(
            "campaign \"{}\" has {} responses, fewer than {min_group}: no published figures",
            c.title, c.n
        )
    };
    // The year's ended campaigns, latest first.
    let mut in_year: Vec<&Candidate> = candidates.iter().filter(|c| c.year(zone, now) == Some(year)).collect();
    in_year.sort_by_key(|c| std::cmp::Reverse((c.ended_at(now), c.created_at)));

    let mut notes = Vec::new();
    let mut noted: Vec<Uuid> = Vec::new();
    let anchor: Option<&Candidate> = match named {
        Some(id) => {
            let c = candidates.iter().find(|c| c.id == id).ok_or(UnknownCampaign)?;
            match c.year(zone, now) {
                None => notes.push(note(
                    NoteKind::NamedNotEnded,
                    c,
                    format!("the named campaign \"{}\" has not ended: its figures are not final", c.title),
                )),
                Some(y) if y != year => notes.push(note(
                    NoteKind::NamedOtherYear,
                    c,
                    format!("the named campaign \"{}\" ended in {y}, not in {year}", c.title),
                )),
                Some(_) => {}
            }
            if c.n < min_group {
                notes.push(note(NoteKind::NamedTooFew, c, too_few(c)));
            }
            Some(c)
        }
        None => {
            let mut found = None;
            for c in &in_year {
                if c.n == 0 {
                    notes.push(note(
                        NoteKind::SkippedEmpty,
                        c,
                        format!("campaign \"{}\" ended with no responses and was skipped", c.title),
                    ));
                } else if c.n < min_group {
                    notes.push(note(NoteKind::SkippedTooFew, c, too_few(c)));
                } else {
                    found = Some(*c);
                    break;
                }
                noted.push(c.id);
            }
            found
        }
    };
    let Some(anchor) = anchor else {
        return Ok(Choice {
            campaigns: Vec::new(),
            notes,
        });
    };
    let mut campaigns = vec![anchor.id];
    if pooling == Pooling::Year {
        for c in in_year.iter().filter(|c| c.id != anchor.id && !noted.contains(&c.id)) {
            if c.form_version != anchor.form_version {
                if c.n > 0 {
                    notes.push(note(
                        NoteKind::OtherVersion,
                        c,
                        format!(
                            "campaign \"{}\" used form version {}, not {}: not pooled",
                            c.title, c.form_version, anchor.form_version
                        ),
                    ));
                }
            } else if c.n == 0 {
                notes.push(note(
                    NoteKind::SkippedEmpty,
                    c,
                    format!("campaign \"{}\" ended with no responses and was skipped", c.title),
                ));
            } else if c.n < min_group {
                notes.push(note(NoteKind::SkippedTooFew, c, too_few(c)));
            } else {
                campaigns.push(c.id);
            }
        }
        if campaigns.len() > 1 {
            notes.push(Note {
                survey: survey.to_owned(),
                kind: NoteKind::Pooled,
                campaign_id: None,
                text: format!(
                    "{} campaigns of form version {} that ended in {year} are pooled as one",
                    campaigns.len(),
                    anchor.form_version
                ),
            });
        }
    }
    Ok(Choice { campaigns, notes })
}

/// A campaign as the change comparison sees it.
#[derive(Debug, Clone, Copy)]
pub struct PreviousCampaign {
    pub id: Uuid,
    pub form_version: u32,
    pub created_at: DateTime<Utc>,
}

/// The campaign a change is measured against: among `earlier` (the unit's other campaigns of the
/// same form), the latest created before `current` with the same form version. `Err` says why
/// there is none.
pub fn previous_for_change(current: &PreviousCampaign, others: &[PreviousCampaign]) -> Result<Uuid, String> {
    let before: Vec<&PreviousCampaign> = others
        .iter()
        .filter(|p| p.id != current.id && p.created_at < current.created_at)
        .collect();
    let latest = |v: &[&PreviousCampaign]| v.iter().max_by_key(|p| p.created_at).map(|p| (p.id, p.form_version));
    let same: Vec<&PreviousCampaign> = before.iter().copied().filter(|p| p.form_version == current.form_version).collect();
    if let Some((id, _)) = latest(&same) {
        return Ok(id);
    }
    match latest(&before) {
        Some((id, version)) => Err(format!(
            "the previous campaign of this form ({id}) used form version {version} and this one version {}: \
             indices of different versions are not compared",
            current.form_version
        )),
        None => Err("no earlier campaign of this form".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone as _};

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn cand(n: u64, version: u32, closed: DateTime<Utc>) -> Candidate {
        Candidate {
            id: Uuid::new_v4(),
            title: format!("n{n}"),
            form_version: version,
            period: Period {
                opens_at: None,
                closes_at: None,
                closed_at: Some(closed),
            },
            created_at: closed - Duration::days(30),
            n,
        }
    }

    fn now() -> DateTime<Utc> {
        at(2027, 6, 1, 0)
    }

    fn scope(year: i32, zone: TimeZone) -> Scope {
        Scope {
            year,
            zone,
            now: now(),
            min_group: 5,
        }
    }

    fn kinds(c: &Choice) -> Vec<NoteKind> {
        c.notes.iter().map(|n| n.kind).collect()
    }

    /// Issue 13: closing an empty campaign after one with data must not empty the hasil.
    #[test]
    fn the_latest_campaign_with_responses_counts_and_empty_ones_are_noted() {
        let data = cand(40, 1, at(2026, 6, 30, 3));
        let empty = cand(0, 1, at(2026, 12, 1, 3));
        let few = cand(3, 1, at(2026, 11, 1, 3));
        let open = Candidate {
            period: Period {
                opens_at: None,
                closes_at: None,
                closed_at: None,
            },
            ..cand(90, 1, at(2026, 12, 2, 3))
        };
        let all = [data.clone(), empty.clone(), few.clone(), open];
        let c = choose("ipak", &all, &scope(2026, TimeZone::Wib), None, Pooling::None).unwrap();
        assert_eq!(c.campaigns, vec![data.id]);
        assert_eq!(kinds(&c), [NoteKind::SkippedEmpty, NoteKind::SkippedTooFew]);
        assert_eq!(c.notes[0].campaign_id, Some(empty.id));
        assert!(c.notes[0].text.contains("no responses"));
        assert_eq!(c.notes[1].campaign_id, Some(few.id));
        // Nothing of 2025: no campaign, no note.
        let none = choose("ipak", &all, &scope(2025, TimeZone::Wib), None, Pooling::None).unwrap();
        assert!(none.campaigns.is_empty() && none.notes.is_empty());
        // Only empty ones in the year: no campaign, each noted.
        let only = choose(
            "ipak",
            std::slice::from_ref(&empty),
            &scope(2026, TimeZone::Wib),
            None,
            Pooling::None,
        )
        .unwrap();
        assert!(only.campaigns.is_empty());
        assert_eq!(kinds(&only), [NoteKind::SkippedEmpty]);
    }

    /// 31 December 2025, 16:30 UTC is 23:30 in Jakarta and 00:30 on New Year's Day in Makassar.
    #[test]
    fn the_year_follows_the_units_zone() {
        let c = cand(40, 1, at(2025, 12, 31, 16) + Duration::minutes(30));
        let in_year = |zone, year| {
            choose("ipkp", std::slice::from_ref(&c), &scope(year, zone), None, Pooling::None)
                .unwrap()
                .campaigns
        };
        assert_eq!(in_year(TimeZone::Wib, 2025), vec![c.id]);
        assert!(in_year(TimeZone::Wib, 2026).is_empty());
        assert_eq!(in_year(TimeZone::Wita, 2026), vec![c.id]);
        assert_eq!(in_year(TimeZone::Wit, 2026), vec![c.id]);
        assert!(in_year(TimeZone::Wita, 2025).is_empty());
    }

    #[test]
    fn pooling_takes_the_years_campaigns_of_one_version() {
        let s1 = cand(40, 2, at(2026, 6, 30, 3));
        let s2 = cand(35, 2, at(2026, 12, 20, 3));
        let old = cand(50, 1, at(2026, 3, 1, 3));
        let tiny = cand(4, 2, at(2026, 9, 1, 3));
        let last_year = cand(60, 2, at(2025, 12, 1, 3));
        let all = [s1.clone(), s2.clone(), old.clone(), tiny.clone(), last_year];
        let c = choose("ipkp", &all, &scope(2026, TimeZone::Wib), None, Pooling::Year).unwrap();
        assert_eq!(c.campaigns, vec![s2.id, s1.id]);
        assert_eq!(kinds(&c), [NoteKind::SkippedTooFew, NoteKind::OtherVersion, NoteKind::Pooled]);
        assert_eq!(c.notes[1].campaign_id, Some(old.id));
        assert!(c.notes[2].text.starts_with("2 campaigns of form version 2"));
        // Without pooling only the latest counts.
        let one = choose("ipkp", &all, &scope(2026, TimeZone::Wib), None, Pooling::None).unwrap();
        assert_eq!(one.campaigns, vec![s2.id]);
        assert!(one.notes.is_empty());
    }

    #[test]
    fn a_named_campaign_wins_and_is_noted_when_unusual() {
        let a = cand(40, 1, at(2026, 6, 30, 3));
        let b = cand(45, 1, at(2026, 12, 1, 3));
        let prior = cand(2, 1, at(2025, 12, 1, 3));
        let all = [a.clone(), b.clone(), prior.clone()];
        let c = choose("ipak", &all, &scope(2026, TimeZone::Wib), Some(a.id), Pooling::None).unwrap();
        assert_eq!(c.campaigns, vec![a.id]);
        assert!(c.notes.is_empty());
        let c = choose("ipak", &all, &scope(2026, TimeZone::Wib), Some(prior.id), Pooling::None).unwrap();
        assert_eq!(c.campaigns, vec![prior.id]);
        assert_eq!(kinds(&c), [NoteKind::NamedOtherYear, NoteKind::NamedTooFew]);
        // Named and pooled: the named one first, then the year's others of its version.
        let c = choose("ipak", &all, &scope(2026, TimeZone::Wib), Some(a.id), Pooling::Year).unwrap();
        assert_eq!(c.campaigns, vec![a.id, b.id]);
        assert_eq!(
            choose("ipak", &all, &scope(2026, TimeZone::Wib), Some(Uuid::new_v4()), Pooling::None),
            Err(UnknownCampaign)
        );
    }

    #[test]
    fn a_change_compares_only_the_same_form_version() {
        let t = at(2026, 1, 1, 0);
        let p = |v: u32, days: i64| PreviousCampaign {
            id: Uuid::new_v4(),
            form_version: v,
            created_at: t + Duration::days(days),
        };
        let (v1a, v1b, v2a, v2b) = (p(1, 0), p(1, 10), p(2, 20), p(2, 30));
        let all = [v1a, v1b, v2a, v2b];
        assert_eq!(previous_for_change(&v2b, &all), Ok(v2a.id));
        assert_eq!(previous_for_change(&v1b, &all), Ok(v1a.id));
        let why = previous_for_change(&v2a, &all).unwrap_err();
        assert!(
            why.contains(&v1b.id.to_string()) && why.contains("version 1") && why.contains("version 2"),
            "{why}"
        );
        assert_eq!(previous_for_change(&v1a, &all), Err("no earlier campaign of this form".to_owned()));
    }
}

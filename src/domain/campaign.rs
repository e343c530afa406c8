//! Campaigns (survey periods): their status follows their times and an explicit close.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CampaignStatus {
    Scheduled,
    Open,
    Closed,
}

/// The times that decide a campaign's status.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Period {
    pub fn status(&self, now: DateTime<Utc>) -> CampaignStatus {
        if self.closed_at.is_some_and(|c| c <= now) || self.closes_at.is_some_and(|c| c <= now) {
            CampaignStatus::Closed
        } else if self.opens_at.is_some_and(|o| now < o) {
            CampaignStatus::Scheduled
        } else {
            CampaignStatus::Open
        }
    }

    /// When the campaign ended (explicitly or by its close time), if it has.
    pub fn ended_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let by_time = self.closes_at.filter(|c| *c <= now);
        match (self.closed_at, by_time) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Checks a new campaign's times.
    pub fn validate_new(
        opens_at: Option<DateTime<Utc>>,
        closes_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), (&'static str, String)> {
        if let (Some(o), Some(c)) = (opens_at, closes_at)
            && c <= o
        {
            return Err(("closes_at", "must be after opens_at".into()));
        }
        if let Some(c) = closes_at
            && c <= now
        {
            return Err(("closes_at", "must be in the future".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    #[test]
    fn status_follows_times_and_explicit_close() {
        let now = Utc::now();
        let h = Duration::hours(1);
        let p = |o, c, x| Period {
            opens_at: o,
            closes_at: c,
            closed_at: x,
        };
        assert_eq!(p(None, None, None).status(now), CampaignStatus::Open);
        assert_eq!(p(Some(now + h), None, None).status(now), CampaignStatus::Scheduled);
        assert_eq!(p(Some(now - h), Some(now + h), None).status(now), CampaignStatus::Open);
        assert_eq!(p(Some(now - h), Some(now - h / 2), None).status(now), CampaignStatus::Closed);
        assert_eq!(p(Some(now + h), None, Some(now - h)).status(now), CampaignStatus::Closed);
        assert!(Period::validate_new(Some(now + h), Some(now), now).is_err());
        assert!(Period::validate_new(None, Some(now - h), now).is_err());
        assert!(Period::validate_new(Some(now), Some(now + h), now).is_ok());
    }

    proptest! {
        #[test]
        fn an_explicit_close_always_wins(o in -1000i64..1000, c in -1000i64..1000) {
            let now = Utc::now();
            let p = Period { opens_at: Some(now + Duration::seconds(o)), closes_at: Some(now + Duration::seconds(c)), closed_at: Some(now) };
            prop_assert_eq!(p.status(now), CampaignStatus::Closed);
        }
    }
}

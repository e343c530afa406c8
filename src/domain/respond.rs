//! Whether a survey link can take a response now, and whether it came too fast (a speeder).
//! The date a response is recorded under is the unit's: [`time_zone::local_date`](super::time_zone::local_date).
//!
//! The checks are pure: the caller loads the link or token, its batch and campaign, and asks.

use chrono::{DateTime, Utc};

use super::campaign::{CampaignStatus, Period};

/// Why a link cannot take a response (each is a polite 410, or 404 for an unknown link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    UnknownLink,
    TokenUsed,
    LinkRevoked,
    LinkExpired,
    LinkFull,
    CampaignClosed,
    CampaignNotYetOpen,
}

/// The state of an open link, as the database holds it.
pub struct OpenLinkState {
    pub revoked: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_responses: Option<i64>,
    /// Responses already stored through this link (only needed when there is a cap).
    pub responses: Option<i64>,
}

/// The state of a single-use token.
pub struct TokenState {
    pub redeemed: bool,
    pub batch_revoked: bool,
    pub expires_at: Option<DateTime<Utc>>,
}

pub enum Channel {
    OpenLink(OpenLinkState),
    Token(TokenState),
}

/// The first reason the link is closed, campaign first (a closed campaign says so even for a
/// fresh token).
pub fn check(period: &Period, channel: &Channel, now: DateTime<Utc>) -> Result<(), Closed> {
    match period.status(now) {
        CampaignStatus::Closed => return Err(Closed::CampaignClosed),
        CampaignStatus::Scheduled => return Err(Closed::CampaignNotYetOpen),
        CampaignStatus::Open => {}
    }
    match channel {
        Channel::OpenLink(l) => {
            if l.revoked {
                return Err(Closed::LinkRevoked);
            }
            if l.expires_at.is_some_and(|e| e <= now) {
                return Err(Closed::LinkExpired);
            }
            if let (Some(max), Some(n)) = (l.max_responses, l.responses)
                && n >= max
            {
                return Err(Closed::LinkFull);
            }
        }
        Channel::Token(t) => {
            if t.redeemed {
                return Err(Closed::TokenUsed);
            }
            if t.batch_revoked {
                return Err(Closed::LinkRevoked);
            }
            if t.expires_at.is_some_and(|e| e <= now) {
                return Err(Closed::LinkExpired);
            }
        }
    }
    Ok(())
}

/// A completion faster than `min_seconds` is flagged as a speeder (kept, never dropped).
pub fn is_speeder(rendered_at: i64, now: i64, min_seconds: u64) -> bool {
    now.saturating_sub(rendered_at) < min_seconds as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn open() -> Period {
        Period {
            opens_at: None,
            closes_at: None,
            closed_at: None,
        }
    }

    fn link(revoked: bool, expires: Option<DateTime<Utc>>, max: Option<i64>, n: Option<i64>) -> Channel {
        Channel::OpenLink(OpenLinkState {
            revoked,
            expires_at: expires,
            max_responses: max,
            responses: n,
        })
    }

    #[test]
    fn link_checks() {
        let now = Utc::now();
        assert_eq!(check(&open(), &link(false, None, None, None), now), Ok(()));
        assert_eq!(check(&open(), &link(true, None, None, None), now), Err(Closed::LinkRevoked));
        assert_eq!(
            check(&open(), &link(false, Some(now - Duration::seconds(1)), None, None), now),
            Err(Closed::LinkExpired)
        );
        assert_eq!(check(&open(), &link(false, None, Some(3), Some(3)), now), Err(Closed::LinkFull));
        assert_eq!(check(&open(), &link(false, None, Some(3), Some(2)), now), Ok(()));
        let closed = Period {
            closed_at: Some(now),
            ..open()
        };
        assert_eq!(check(&closed, &link(false, None, None, None), now), Err(Closed::CampaignClosed));
        let later = Period {
            opens_at: Some(now + Duration::hours(1)),
            ..open()
        };
        assert_eq!(check(&later, &link(false, None, None, None), now), Err(Closed::CampaignNotYetOpen));
    }

    #[test]
    fn token_checks() {
        let now = Utc::now();
        let t = |r, b, e| {
            Channel::Token(TokenState {
                redeemed: r,
                batch_revoked: b,
                expires_at: e,
            })
        };
        assert_eq!(check(&open(), &t(false, false, None), now), Ok(()));
        assert_eq!(check(&open(), &t(true, false, None), now), Err(Closed::TokenUsed));
        assert_eq!(check(&open(), &t(false, true, None), now), Err(Closed::LinkRevoked));
        assert_eq!(check(&open(), &t(false, false, Some(now)), now), Err(Closed::LinkExpired));
    }

    #[test]
    fn speeders_are_flagged() {
        assert!(is_speeder(100, 110, 20));
        assert!(!is_speeder(100, 120, 20));
        assert!(!is_speeder(100, 100, 0));
    }
}

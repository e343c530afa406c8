//! What the workbench pages (`/kelola`, and the assessor's forms beside `/laporan`) need from the
//! use cases: each function here checks nothing itself but composes the use cases that do (units,
//! keys, campaigns, links, tokens, results, exclusions, the audit log, evaluations), reading a
//! submitted form's text fields into their typed inputs on the way, and returns the data a page
//! is drawn from. The JSON API and these pages therefore share every rule, role check and audit
//! entry.
//!
//! A form arrives as its text fields by name ([`Form`]); a field that does not read as its type
//! (a number, a date) is refused here with the same field-message shape as the use case's own
//! validation, so the page shows both the same way.
//!
//! `admin` (units, keys), `campaigns` (dashboard, new campaign, the campaign page, closing),
//! `assessor` (responses, evaluation record, audit log); this file: the navigation, the session's
//! CSRF token, and reading form fields.

pub mod admin;
pub mod assessor;
pub mod campaigns;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::reports::Session;
use crate::domain::credentials::{Role, csrf_token};
use crate::error::{AppError, AppResult, During, FieldMessages};
use crate::pages::kelola::Nav;
use crate::repo;
use crate::state::AppState;

/// A submitted form: its fields by name, as typed.
pub type Form = BTreeMap<String, String>;

/// The CSRF token of a session: every workbench form carries it in its `csrf` field.
pub fn csrf(state: &AppState, s: &Session) -> String {
    csrf_token(&state.csrf_key, s.value)
}

/// Checks a form's `csrf` field against the session (403, and nothing done, when it is missing
/// or wrong).
pub fn check_csrf(state: &AppState, s: &Session, form: &Form) -> AppResult<()> {
    if super::reports::csrf_matches(state, s.value, form.get("csrf").map(String::as_str)) {
        Ok(())
    } else {
        Err(AppError::Forbidden("the form's CSRF token does not match the session".into()))
    }
}

/// The navigation bar for a signed-in caller: its key's name and role, and what the role opens.
#[tracing::instrument(skip_all)]
pub async fn nav(state: &AppState, s: &Session<'_>) -> AppResult<Nav> {
    let name = repo::keys::find(&state.db, s.who.key_id)
        .await
        .during("reading the session's key")?
        .map(|k| k.name)
        .unwrap_or_default();
    let role = s.who.role;
    Ok(Nav {
        who: format!("{name} ({})", role.as_str()),
        csrf: csrf(state, s),
        manage_href: match (role, s.who.unit_id) {
            (Role::Admin, _) => Some("/kelola/unit".to_owned()),
            (Role::Operator, Some(u)) => Some(format!("/kelola/unit/{u}")),
            _ => None,
        },
        keys: role == Role::Admin,
        reports_href: super::reports::home_path(&s.who),
        audit: role != Role::Operator,
    })
}

/// Where `/kelola` sends a caller: the admin's units, an operator's own unit; an assessor has no
/// workbench (403).
pub fn home(s: &Session) -> AppResult<String> {
    match (s.who.role, s.who.unit_id) {
        (Role::Admin, _) => Ok("/kelola/unit".to_owned()),
        (Role::Operator, Some(u)) => Ok(format!("/kelola/unit/{u}")),
        _ => Err(AppError::Forbidden("the workbench is for admins and unit operators".into())),
    }
}

/// Reads typed form fields, collecting a message per field that does not read as its type.
#[derive(Default)]
pub(crate) struct Reader {
    errors: FieldMessages,
}

impl Reader {
    /// A text field, trimmed; `None` when empty.
    pub(crate) fn text(&self, form: &Form, name: &str) -> Option<String> {
        form.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// A whole number, digits only or grouped by thousands with dots ("1.000", as Indonesians
    /// write it).
    pub(crate) fn whole(&mut self, form: &Form, name: &str) -> Option<i64> {
        let v = self.text(form, name)?;
        let groups: Vec<&str> = v.split('.').collect();
        let grouped = groups.len() > 1 && (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
        let digits = (groups.len() == 1 || grouped) && groups.iter().all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
        match digits.then(|| groups.concat().parse::<i64>().ok()).flatten() {
            Some(n) => Some(n),
            None => self.refuse(name, "must be a whole number"),
        }
    }

    /// A decimal number; a comma is read as the decimal separator (as Indonesians write it).
    pub(crate) fn decimal(&mut self, form: &Form, name: &str) -> Option<f64> {
        let v = self.text(form, name)?.replace(',', ".");
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => self.refuse(name, "must be a number"),
        }
    }

    /// A date (`YYYY-MM-DD`, as `<input type="date">` sends it) as the start of that day in WIB,
    /// or — `end_of_day` — the end of it (the next day's 00:00 WIB): "open until 30 June" means
    /// through that whole day.
    pub(crate) fn day(&mut self, form: &Form, name: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
        let v = self.text(form, name)?;
        match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
            Ok(d) => {
                let d = if end_of_day { d.succ_opt()? } else { d };
                let wib = chrono::FixedOffset::east_opt(7 * 3600)?;
                wib.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                    .single()
                    .map(|t| t.with_timezone(&Utc))
            }
            Err(_) => self.refuse(name, "must be a date (YYYY-MM-DD)"),
        }
    }

    fn refuse<T>(&mut self, name: &str, message: &str) -> Option<T> {
        self.errors.entry(name.to_owned()).or_default().push(message.to_owned());
        None
    }

    /// `Err(422)` with every field that did not read.
    pub(crate) fn finish(self) -> AppResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(self.errors))
        }
    }
}

/// Whole days from `now` until `t`, rounded up (a campaign closing in 2 hours has 1 day left).
pub(crate) fn days_until(t: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let secs = (t - now).num_seconds().max(0);
    (secs + Duration::days(1).num_seconds() - 1) / Duration::days(1).num_seconds()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn fields_read_as_their_types_or_are_refused_by_name() {
        let f = form(&[
            ("a", " 169 "),
            ("b", "1.000"),
            ("c", "12.5"),
            ("d", "87,5"),
            ("e", "2026-06-30"),
            ("g", "30/06/2026"),
            ("h", ""),
        ]);
        let mut r = Reader::default();
        assert_eq!(r.whole(&f, "a"), Some(169));
        assert_eq!(r.whole(&f, "b"), Some(1000), "a thousands separator");
        assert_eq!(r.whole(&f, "c"), None);
        assert_eq!(r.decimal(&f, "d"), Some(87.5), "a decimal comma");
        let start = r.day(&f, "e", false).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-06-29T17:00:00+00:00", "00:00 WIB");
        assert_eq!(r.day(&f, "e", true).unwrap().to_rfc3339(), "2026-06-30T17:00:00+00:00", "24:00 WIB");
        assert_eq!(r.day(&f, "g", false), None);
        assert_eq!(r.whole(&f, "h"), None, "empty is absent, not wrong");
        assert_eq!(r.text(&f, "missing"), None);
        match r.finish() {
            Err(AppError::Validation { errors, .. }) => {
                assert_eq!(errors.keys().collect::<Vec<_>>(), ["c", "g"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn days_left_round_up() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        assert_eq!(days_until(now + Duration::hours(2), now), 1);
        assert_eq!(days_until(now + Duration::days(12), now), 12);
        assert_eq!(days_until(now + Duration::days(12) + Duration::seconds(1), now), 13);
        assert_eq!(days_until(now - Duration::days(1), now), 0);
    }
}

//! The login form (`POST /masuk` with an API key) and the navigation bar every signed-in page
//! shares (`templates/report_nav.html`: who is signed in, the national table, log out).

use askama::Template;

use super::NATIONAL_PATH;
use crate::pages::render::{Fallback, render};

/// The top navigation of every signed-in page.
pub struct Nav<'a> {
    /// Who is signed in, e.g. "assessor · TPN Jakarta".
    pub who: &'a str,
    /// CSRF token for the logout form.
    pub csrf: &'a str,
    /// Show the link to the national table (admin, assessor).
    pub national: bool,
    /// Further links the role has from here, (href, text): the workbench, the audit log, this
    /// page's working pages (responses, the evaluation record).
    pub links: &'a [(String, String)],
}

/// What `report_nav.html` reads.
pub(super) struct NavView<'a> {
    pub(super) who: &'a str,
    pub(super) csrf: &'a str,
    pub(super) national: bool,
    pub(super) national_href: &'static str,
    pub(super) links: &'a [(String, String)],
}

impl<'a> NavView<'a> {
    pub(super) fn new(n: &Nav<'a>) -> NavView<'a> {
        NavView {
            who: n.who,
            csrf: n.csrf,
            national: n.national,
            national_href: NATIONAL_PATH,
            links: n.links,
        }
    }
}

/// The login form.
pub struct LoginPage<'a> {
    pub error: Option<&'a str>,
    /// Where to go after signing in (a local path).
    pub next: &'a str,
}

#[derive(Template)]
#[template(path = "report_login.html", whitespace = "minimize")]
struct LoginTemplate<'a> {
    error: Option<&'a str>,
    next: &'a str,
}

/// The login form: POST /masuk with `key` and `next`.
pub fn login_page(p: &LoginPage) -> String {
    let template = LoginTemplate {
        error: p.error,
        next: p.next,
    };
    render(&template, Fallback::Report)
}

//! Rendering a page template, and what a person sees should that ever fail.
//!
//! A failed render is a bug (a template or a value's `Display` broke), so it is logged as an
//! error naming the template and the cause before the minimal fallback page goes out; the
//! person gets a polite page instead of a blank one, and the operator gets the log line. The
//! log carries no page data: only the template's type name and askama's error.

use askama::Template;

use crate::domain::language::{Lang, Text};

const TITLE: Text = Text {
    id: "Terjadi kesalahan",
    en: "Something went wrong",
};

const APOLOGY: Text = Text {
    id: "Halaman ini tidak dapat ditampilkan. Silakan coba lagi nanti.",
    en: "This page cannot be shown. Please try again later.",
};

const CANNOT_SHOW: Text = Text {
    id: "Halaman ini tidak dapat ditampilkan.",
    en: "This page cannot be shown.",
};

/// Which fallback page a failed render turns into.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fallback {
    /// A citizen's page, in their language.
    Citizen(Lang),
    /// A signed-in report page, Indonesian with English beside it.
    Report,
}

/// Renders `template`; on failure logs the template and the error, then returns the fallback.
pub(crate) fn render<T: Template>(template: &T, fallback: Fallback) -> String {
    template.render().unwrap_or_else(|error| {
        tracing::error!(
            template = std::any::type_name::<T>(),
            error = %error,
            "page template failed to render; serving the fallback page"
        );
        fallback_page(fallback)
    })
}

/// A minimal page built without a template (so it cannot fail the same way).
fn fallback_page(fallback: Fallback) -> String {
    let (lang, title, heading, text) = match fallback {
        Fallback::Citizen(lang) => (
            lang,
            TITLE.get(lang).to_owned(),
            TITLE.get(lang).to_owned(),
            APOLOGY.get(lang).to_owned(),
        ),
        Fallback::Report => (Lang::Id, TITLE.id.to_owned(), TITLE.both(), CANNOT_SHOW.both()),
    };
    format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head><body><h1>{heading}</h1><p>{text}</p></body></html>",
        lang.code()
    )
}

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A value whose `Display` fails, the way a broken formatter would.
    struct Broken;

    impl fmt::Display for Broken {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }

    #[derive(Template)]
    #[template(source = "<p>{{ value }}</p>", ext = "html")]
    struct BrokenTemplate {
        value: Broken,
    }

    /// Log lines written while the test's subscriber is the default.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn logged(f: impl FnOnce() -> String) -> (String, String) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let page = tracing::subscriber::with_default(subscriber, f);
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        (page, log)
    }

    #[test]
    fn a_failed_render_is_logged_and_the_fallback_served() {
        let (page, log) = logged(|| render(&BrokenTemplate { value: Broken }, Fallback::Citizen(Lang::En)));
        assert!(
            page.contains("<html lang=\"en\">") && page.contains("<h1>Something went wrong</h1>"),
            "{page}"
        );
        assert!(log.contains("ERROR"), "{log}");
        assert!(log.contains("BrokenTemplate"), "names the template: {log}");
        assert!(log.contains("failed to render"), "{log}");
        assert!(log.contains("error="), "carries the error: {log}");

        let (page, _) = logged(|| render(&BrokenTemplate { value: Broken }, Fallback::Report));
        assert!(page.contains("<h1>Terjadi kesalahan / Something went wrong</h1>"), "{page}");
        assert!(page.contains("Halaman ini tidak dapat ditampilkan. / This page cannot be shown."));
    }

    #[test]
    fn a_good_render_logs_nothing() {
        #[derive(Template)]
        #[template(source = "<p>{{ value }}</p>", ext = "html")]
        struct Good<'a> {
            value: &'a str,
        }
        let (page, log) = logged(|| render(&Good { value: "<b>" }, Fallback::Report));
        assert_eq!(page, "<p>&#60;b&#62;</p>");
        assert!(log.is_empty(), "{log}");
    }
}

//! The citizen's short pages: the thank-you page after an accepted submission, and a friendly
//! message page for every refusal ([`Refusal`]: unknown or used code, closed survey, too many
//! submissions, a stale form…), each with a polite title and message in both languages and the
//! HTTP status to answer with.

use askama::Template;

use super::render::{Fallback, render};
use super::{OtherLanguage, other_language};
use crate::domain::language::{Lang, Text};

// ---------------------------------------------------------------------------
// Thank-you page
// ---------------------------------------------------------------------------

const THANKS: Text = Text {
    id: "Terima kasih!",
    en: "Thank you!",
};
const RECEIVED: Text = Text {
    id: "Jawaban Anda sudah kami terima.",
    en: "We have received your answers.",
};
const HELPS: Text = Text {
    id: "Masukan Anda membantu kami memperbaiki pelayanan.",
    en: "Your feedback helps us improve our service.",
};
const ANONYMOUS: Text = Text {
    id: "Jawaban Anda disimpan tanpa nama atau data yang dapat mengenali Anda.",
    en: "Your answers are stored without your name or anything that could identify you.",
};
const CLOSE: Text = Text {
    id: "Anda boleh menutup halaman ini sekarang.",
    en: "You may close this page now.",
};

/// Shown after an accepted submission.
pub struct ThanksPage<'a> {
    pub lang: Lang,
    pub unit_name: &'a str,
    pub campaign_title: &'a str,
}

#[derive(Template)]
#[template(path = "thanks.html", whitespace = "minimize")]
struct ThanksTemplate<'a> {
    lang: Lang,
    unit_name: &'a str,
    campaign_title: &'a str,
}

/// The thank-you page.
pub fn thanks_page(p: &ThanksPage) -> String {
    let template = ThanksTemplate {
        lang: p.lang,
        unit_name: p.unit_name,
        campaign_title: p.campaign_title,
    };
    render(&template, Fallback::Citizen(p.lang))
}

// ---------------------------------------------------------------------------
// Message (refusal) page
// ---------------------------------------------------------------------------

/// A friendly page for every citizen-facing refusal. Its language link is
/// `?lang=xx` relative to the current path.
pub struct MessagePage<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub message: &'a str,
    /// `(href, link text)`, e.g. a reload link.
    pub action: Option<(&'a str, &'a str)>,
}

#[derive(Template)]
#[template(path = "message.html", whitespace = "minimize")]
struct MessageTemplate<'a> {
    lang: Lang,
    other: OtherLanguage,
    title: &'a str,
    message: &'a str,
    action: Option<(&'a str, &'a str)>,
}

/// A refusal or notice page.
pub fn message_page(p: &MessagePage) -> String {
    let template = MessageTemplate {
        lang: p.lang,
        other: other_language(p.lang),
        title: p.title,
        message: p.message,
        action: p.action,
    };
    render(&template, Fallback::Citizen(p.lang))
}

// ---------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------

/// Why a citizen's request was refused; each has a polite title and message
/// in both languages and an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 404: no link or token with this code.
    UnknownLink,
    /// 410: the single-use token was already redeemed.
    TokenUsed,
    /// 410: the link or token was withdrawn.
    LinkRevoked,
    /// 410: the link or token expired.
    LinkExpired,
    /// 410: the open link reached its cap.
    LinkFull,
    /// 410: the campaign is closed.
    CampaignClosed,
    /// 410: the campaign has not opened yet.
    CampaignNotYetOpen,
    /// 429: rate limited.
    TooManyRequests { retry_after_secs: u64 },
    /// 400: missing, stale or forged render token.
    StaleForm,
    /// 503: try again later.
    Unavailable,
    /// 400: the honeypot field was filled in.
    Honeypot,
}

/// Where [`TOO_MANY_MESSAGE`] says how long to wait.
const WAIT: &str = "{wait}";

const TOO_MANY_MESSAGE: Text = Text {
    id: "Kami menerima terlalu banyak kiriman dari jaringan Anda dalam waktu singkat, jadi jawaban ini belum tersimpan. Silakan coba lagi dalam {wait}.",
    en: "We have received too many submissions from your network in a short time, so this answer was not saved. Please try again in {wait}.",
};

const RELOAD: Text = Text {
    id: "Muat ulang formulir",
    en: "Reload the form",
};

const TRY_AGAIN: Text = Text {
    id: "Coba lagi",
    en: "Try again",
};

/// A refusal's page title and message.
struct RefusalText {
    title: Text,
    message: Text,
}

const UNKNOWN_LINK: RefusalText = RefusalText {
    title: Text {
        id: "Tautan survei tidak ditemukan",
        en: "Survey link not found",
    },
    message: Text {
        id: "Kami tidak menemukan survei untuk tautan atau kode ini. Periksa kembali alamatnya, atau pindai ulang kode QR di tempat layanan.",
        en: "We could not find a survey for this link or code. Please check the address, or scan the QR code at the service point again.",
    },
};

const TOKEN_USED: RefusalText = RefusalText {
    title: Text {
        id: "Kode sudah digunakan",
        en: "Code already used",
    },
    message: Text {
        id: "Kode survei ini sudah pernah digunakan. Setiap kode hanya berlaku untuk satu kali pengisian. Terima kasih atas partisipasi Anda.",
        en: "This survey code has already been used. Each code is valid for one response only. Thank you for taking part.",
    },
};

const LINK_REVOKED: RefusalText = RefusalText {
    title: Text {
        id: "Tautan tidak berlaku lagi",
        en: "This link is no longer valid",
    },
    message: Text {
        id: "Tautan survei ini sudah tidak berlaku. Jika Anda ingin memberi masukan, mintalah tautan atau kode QR yang baru kepada petugas.",
        en: "This survey link has been withdrawn. If you would like to give feedback, please ask the staff for a new link or QR code.",
    },
};

const LINK_EXPIRED: RefusalText = RefusalText {
    title: Text {
        id: "Tautan sudah kedaluwarsa",
        en: "This link has expired",
    },
    message: Text {
        id: "Masa berlaku tautan survei ini sudah habis. Terima kasih atas kesediaan Anda untuk mengisi survei.",
        en: "This survey link has expired. Thank you for being willing to take part.",
    },
};

const LINK_FULL: RefusalText = RefusalText {
    title: Text {
        id: "Kuota survei sudah terpenuhi",
        en: "This survey is full",
    },
    message: Text {
        id: "Tautan survei ini sudah menerima jumlah jawaban maksimum. Terima kasih atas minat Anda.",
        en: "This survey link has already received the maximum number of answers. Thank you for your interest.",
    },
};

const CAMPAIGN_CLOSED: RefusalText = RefusalText {
    title: Text {
        id: "Survei sudah ditutup",
        en: "The survey is closed",
    },
    message: Text {
        id: "Periode survei ini sudah berakhir, sehingga jawaban baru tidak dapat diterima lagi. Terima kasih atas minat Anda.",
        en: "This survey period has ended, so new answers can no longer be accepted. Thank you for your interest.",
    },
};

const CAMPAIGN_NOT_YET_OPEN: RefusalText = RefusalText {
    title: Text {
        id: "Survei belum dibuka",
        en: "The survey is not open yet",
    },
    message: Text {
        id: "Periode survei ini belum dimulai. Silakan coba lagi nanti.",
        en: "This survey period has not started yet. Please try again later.",
    },
};

const TOO_MANY_REQUESTS: RefusalText = RefusalText {
    title: Text {
        id: "Terlalu banyak kiriman",
        en: "Too many submissions",
    },
    message: TOO_MANY_MESSAGE,
};

const STALE_FORM: RefusalText = RefusalText {
    title: Text {
        id: "Mohon muat ulang formulir",
        en: "Please reload the form",
    },
    message: Text {
        id: "Formulir ini sudah terlalu lama terbuka atau tidak lengkap, sehingga jawaban Anda belum tersimpan. Silakan muat ulang halaman survei dan isi kembali. Mohon maaf atas ketidaknyamanannya.",
        en: "This form was open for too long or arrived incomplete, so your answers were not saved. Please reload the survey page and answer again. Sorry for the inconvenience.",
    },
};

const UNAVAILABLE: RefusalText = RefusalText {
    title: Text {
        id: "Layanan sedang tidak tersedia",
        en: "Service temporarily unavailable",
    },
    message: Text {
        id: "Mohon maaf, sedang terjadi gangguan sementara dan jawaban Anda belum tersimpan. Silakan coba lagi beberapa saat lagi.",
        en: "Sorry, we are having a temporary problem and your answers were not saved. Please try again in a few moments.",
    },
};

const HONEYPOT: RefusalText = RefusalText {
    title: Text {
        id: "Kiriman tidak dapat diproses",
        en: "Submission not accepted",
    },
    message: Text {
        id: "Kiriman ini tampak dibuat secara otomatis, sehingga tidak kami simpan. Jika Anda mengisi survei ini sendiri, silakan muat ulang halaman dan kirim kembali.",
        en: "This submission looks automated, so it was not saved. If you filled in the survey yourself, please reload the page and send it again.",
    },
};

impl Refusal {
    /// HTTP status code to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::UnknownLink => 404,
            Refusal::TokenUsed
            | Refusal::LinkRevoked
            | Refusal::LinkExpired
            | Refusal::LinkFull
            | Refusal::CampaignClosed
            | Refusal::CampaignNotYetOpen => 410,
            Refusal::TooManyRequests { .. } => 429,
            Refusal::StaleForm | Refusal::Honeypot => 400,
            Refusal::Unavailable => 503,
        }
    }

    pub fn title(&self, lang: Lang) -> String {
        self.texts().title.get(lang).to_owned()
    }

    pub fn message(&self, lang: Lang) -> String {
        let message = self.texts().message.get(lang);
        match self {
            Refusal::TooManyRequests { retry_after_secs } => message.replace(WAIT, &wait_text(*retry_after_secs, lang)),
            _ => message.to_owned(),
        }
    }

    /// Text for the page's action link, where one makes sense (the route
    /// supplies the href, usually the survey URL).
    pub fn action_text(&self, lang: Lang) -> Option<String> {
        let text = match self {
            Refusal::StaleForm | Refusal::Honeypot => RELOAD,
            Refusal::Unavailable | Refusal::TooManyRequests { .. } => TRY_AGAIN,
            _ => return None,
        };
        Some(text.get(lang).to_owned())
    }

    fn texts(&self) -> &'static RefusalText {
        match self {
            Refusal::UnknownLink => &UNKNOWN_LINK,
            Refusal::TokenUsed => &TOKEN_USED,
            Refusal::LinkRevoked => &LINK_REVOKED,
            Refusal::LinkExpired => &LINK_EXPIRED,
            Refusal::LinkFull => &LINK_FULL,
            Refusal::CampaignClosed => &CAMPAIGN_CLOSED,
            Refusal::CampaignNotYetOpen => &CAMPAIGN_NOT_YET_OPEN,
            Refusal::TooManyRequests { .. } => &TOO_MANY_REQUESTS,
            Refusal::StaleForm => &STALE_FORM,
            Refusal::Unavailable => &UNAVAILABLE,
            Refusal::Honeypot => &HONEYPOT,
        }
    }
}

const SECOND: Text = Text { id: "detik", en: "second" };
const MINUTE: Text = Text { id: "menit", en: "minute" };
const HOUR: Text = Text { id: "jam", en: "hour" };

/// "30 detik", "2 menit", "1 hour"…: a wait rounded up to a friendly unit.
fn wait_text(secs: u64, lang: Lang) -> String {
    let secs = secs.max(1);
    let (n, unit) = if secs < 60 {
        (secs, SECOND)
    } else if secs <= 90 * 60 {
        (secs.div_ceil(60), MINUTE)
    } else {
        (secs.div_ceil(3600), HOUR)
    };
    // Indonesian nouns have no plural form; English ones take an "s".
    let plural = if lang == Lang::En && n != 1 { "s" } else { "" };
    format!("{n} {}{plural}", unit.get(lang))
}

/// The message page for a refusal, with its action link when `action_href`
/// is given and the refusal has one (reload, try again).
pub fn refusal_page(lang: Lang, refusal: &Refusal, action_href: Option<&str>) -> String {
    let title = refusal.title(lang);
    let message = refusal.message(lang);
    let text = refusal.action_text(lang);
    let action = action_href.zip(text.as_deref());
    message_page(&MessagePage {
        lang,
        title: &title,
        message: &message,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::test_support::{check_common, write_out};

    #[test]
    fn thanks_page_both_languages() {
        let id = thanks_page(&ThanksPage {
            lang: Lang::Id,
            unit_name: "Kantor Imigrasi",
            campaign_title: "IPKP 2025",
        });
        write_out("thanks-id.html", &id);
        check_common(&id, "id", &[]);
        assert!(id.contains("Terima kasih!") && id.contains("Kantor Imigrasi"));
        let en = thanks_page(&ThanksPage {
            lang: Lang::En,
            unit_name: "Kantor Imigrasi",
            campaign_title: "IPKP 2025",
        });
        check_common(&en, "en", &[]);
        assert!(en.contains("Thank you!") && !en.contains("Terima kasih"));
    }

    #[test]
    fn refusals_have_texts_in_both_languages() {
        let all = [
            Refusal::UnknownLink,
            Refusal::TokenUsed,
            Refusal::LinkRevoked,
            Refusal::LinkExpired,
            Refusal::LinkFull,
            Refusal::CampaignClosed,
            Refusal::CampaignNotYetOpen,
            Refusal::TooManyRequests { retry_after_secs: 125 },
            Refusal::StaleForm,
            Refusal::Unavailable,
            Refusal::Honeypot,
        ];
        for r in all {
            for lang in [Lang::Id, Lang::En] {
                write_out(&format!("refusal-{r:?}-{lang}.html"), &refusal_page(lang, &r, Some("/s/x")));
                assert!(!r.title(lang).is_empty() && !r.message(lang).is_empty());
            }
            assert_ne!(r.title(Lang::Id), r.title(Lang::En), "{r:?}");
            assert_ne!(r.message(Lang::Id), r.message(Lang::En), "{r:?}");
            assert!([400, 404, 410, 429, 503].contains(&r.status()));
        }
        assert_eq!(
            Refusal::TokenUsed.message(Lang::Id),
            "Kode survei ini sudah pernah digunakan. Setiap kode hanya berlaku untuk satu kali pengisian. Terima kasih atas partisipasi Anda."
        );
        let m = Refusal::TooManyRequests { retry_after_secs: 125 };
        assert!(m.message(Lang::Id).contains("3 menit"));
        assert!(m.message(Lang::En).contains("3 minutes"));
        assert!(!m.message(Lang::Id).contains(WAIT) && !m.message(Lang::En).contains(WAIT));
        assert_eq!(wait_text(1, Lang::En), "1 second");
        assert_eq!(wait_text(0, Lang::Id), "1 detik");
        assert_eq!(wait_text(7200, Lang::En), "2 hours");

        let html = refusal_page(Lang::Id, &Refusal::StaleForm, Some("/s/abc"));
        write_out("message-stale.html", &html);
        check_common(&html, "id", &[]);
        assert!(html.contains("<a class=\"btn\" href=\"/s/abc\">Muat ulang formulir</a>"));
        assert!(html.contains("href=\"?lang=en\""));
        let html = refusal_page(Lang::En, &Refusal::TokenUsed, Some("/s/abc"));
        write_out("message-used-en.html", &html);
        check_common(&html, "en", &[]);
        assert!(html.contains("Code already used") && !html.contains("class=\"btn\""));
        assert!(html.contains("href=\"?lang=id\""));
    }

    #[test]
    fn user_text_is_escaped() {
        let thanks = thanks_page(&ThanksPage {
            lang: Lang::Id,
            unit_name: "<script>u</script>",
            campaign_title: "<script>t</script>",
        });
        assert!(!thanks.contains("<script"));
        let msg = message_page(&MessagePage {
            lang: Lang::Id,
            title: "<script>t</script>",
            message: "<script>m</script>",
            action: Some(("\"><script>", "<script>")),
        });
        assert!(!msg.contains("<script"));
    }
}

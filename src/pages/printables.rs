//! The printed pages: an A4 poster with the QR code of an open link for a service desk, and
//! sheets of cut-out slips, one single-use token each. Both are bilingual on paper (Indonesian
//! first, English beside it), so one print serves every visitor.
//!
//! What works at a desk: a slip names the unit whole (never cut off), and carries the token's
//! code in large grouped characters to type at `/kode` when the camera will not scan; the poster
//! says how long the survey takes from the form's length ([`minutes_for`]).

use askama::Template;

use super::render::{Fallback, render};
use crate::domain::language::{Lang, Localized};

/// Slips per printed A4 sheet (3 columns × 7 rows).
pub const SLIPS_PER_SHEET: usize = 21;

/// Seconds a citizen needs per question on a phone, for the poster's time estimate (a scale
/// item is read and tapped in 6–10 s in usability studies of mobile surveys; the upper end, so
/// the promise holds for slow readers too).
pub const SECONDS_PER_QUESTION: u32 = 10;

/// Whole minutes, rounded up, that `questions` questions take at [`SECONDS_PER_QUESTION`]
/// (at least 1).
pub fn minutes_for(questions: usize) -> u32 {
    let secs = questions as u32 * SECONDS_PER_QUESTION;
    secs.div_ceil(60).max(1)
}

/// A printable A4 poster for an open link.
pub struct PosterPage<'a> {
    pub unit_name: &'a str,
    pub campaign_title: &'a str,
    pub form_title: &'a Localized,
    /// E.g. "Loket 2".
    pub label: &'a str,
    pub url: &'a str,
    /// Shown as text to type by hand.
    pub short_url: &'a str,
    /// Inline `<svg>…</svg>` made by the server; inserted unescaped.
    pub qr_svg: &'a str,
    /// The address opens only on the server (`Settings::public_url_is_local`): say "do not print".
    pub local_url: bool,
    /// Questions a citizen answers (items, screening and demographic questions).
    pub questions: usize,
}

#[derive(Template)]
#[template(path = "poster.html", whitespace = "minimize")]
struct PosterTemplate<'a> {
    unit_name: &'a str,
    campaign_title: &'a str,
    form_title: &'a Localized,
    label: &'a str,
    url: &'a str,
    short_url: &'a str,
    qr_svg: &'a str,
    local_url: bool,
    minutes: u32,
}

/// The poster page.
pub fn poster_page(p: &PosterPage) -> String {
    let template = PosterTemplate {
        unit_name: p.unit_name,
        campaign_title: p.campaign_title,
        form_title: p.form_title,
        label: p.label,
        url: p.url,
        short_url: p.short_url,
        qr_svg: p.qr_svg,
        local_url: p.local_url,
        minutes: minutes_for(p.questions),
    };
    render(&template, Fallback::Citizen(Lang::Id))
}

/// One cut-out slip for a single-use token.
pub struct Slip<'a> {
    pub url: &'a str,
    /// The token's code as printed (`7KQ4M-…`), to type at the code page.
    pub code: &'a str,
    /// Inline `<svg>…</svg>` made by the server; inserted unescaped.
    pub qr_svg: &'a str,
}

/// A printable sheet set of token slips, [`SLIPS_PER_SHEET`] per A4 page.
pub struct SlipsPage<'a> {
    pub unit_name: &'a str,
    pub campaign_title: &'a str,
    pub batch_label: Option<&'a str>,
    pub slips: &'a [Slip<'a>],
    /// The page where a code is typed, e.g. `https://…/kode`.
    pub code_url: &'a str,
    /// The addresses open only on the server (`Settings::public_url_is_local`): say "do not print".
    pub local_url: bool,
}

struct Sheet<'a> {
    number: usize,
    slips: &'a [Slip<'a>],
}

#[derive(Template)]
#[template(path = "slips.html", whitespace = "minimize")]
struct SlipsTemplate<'a> {
    unit_name: &'a str,
    campaign_title: &'a str,
    batch_label: Option<&'a str>,
    sheet_count: usize,
    sheets: Vec<Sheet<'a>>,
    /// `code_url` without its scheme, as typed.
    code_address: &'a str,
    local_url: bool,
}

/// The slips page.
pub fn slips_page(p: &SlipsPage) -> String {
    let sheets: Vec<Sheet> = p
        .slips
        .chunks(SLIPS_PER_SHEET)
        .enumerate()
        .map(|(i, slips)| Sheet { number: i + 1, slips })
        .collect();
    let template = SlipsTemplate {
        unit_name: p.unit_name,
        campaign_title: p.campaign_title,
        batch_label: p.batch_label,
        sheet_count: sheets.len(),
        sheets,
        code_address: p.code_url.split_once("://").map(|(_, a)| a).unwrap_or(p.code_url),
        local_url: p.local_url,
    };
    render(&template, Fallback::Citizen(Lang::Id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::test_support::{check_common, ipkp, write_out};

    #[test]
    fn user_text_is_escaped() {
        let title = Localized::new("<script>a</script>", "<script>b</script>");
        let poster = poster_page(&PosterPage {
            unit_name: "<script>u</script>",
            campaign_title: "<script>c</script>",
            form_title: &title,
            label: "<script>l</script>",
            url: "https://x/s/\"><script>",
            short_url: "<script>s</script>",
            qr_svg: "<svg></svg>",
            local_url: true,
            questions: 10,
        });
        assert!(!poster.contains("<script"));
        let slips = [Slip {
            url: "https://x/s/<script>",
            code: "<script>",
            qr_svg: "<svg></svg>",
        }];
        let sheet = slips_page(&SlipsPage {
            unit_name: "<script>u</script>",
            campaign_title: "<script>c</script>",
            batch_label: Some("<script>b</script>"),
            slips: &slips,
            code_url: "https://x/<script>",
            local_url: true,
        });
        assert!(!sheet.contains("<script"));
    }

    const FAKE_QR: &str = "<svg viewBox=\"0 0 29 29\"><path d=\"M0 0h7v7H0z\"/></svg>";

    #[test]
    fn poster_page_renders() {
        let form = ipkp();
        let url = "https://integritas.example.go.id/s/loket2-Xy7";
        let html = poster_page(&PosterPage {
            unit_name: "Kantor Imigrasi Kelas I Jakarta Selatan",
            campaign_title: "IPKP Semester I 2025",
            form_title: &form.title,
            label: "Loket 2",
            url,
            short_url: "integritas.example.go.id/s/loket2-Xy7",
            qr_svg: FAKE_QR,
            local_url: false,
            questions: 13,
        });
        write_out("poster.html", &html);
        check_common(&html, "id", &[url]);
        assert!(html.contains(FAKE_QR), "QR inserted unescaped");
        assert!(html.contains("@page{size:A4"));
        assert!(html.contains("Loket 2"));
        assert!(html.contains(&form.title.id) && html.contains(&form.title.en));
        assert!(html.contains("Pindai kode QR ini"));
        assert!(html.contains("Scan this QR code"));
        // 13 questions × 10 s = 130 s: "about 3 minutes".
        assert!(
            html.contains("sekitar 3 menit") && html.contains("about 3 minutes"),
            "time estimate"
        );
    }

    #[test]
    fn the_time_estimate_follows_the_form_length() {
        assert_eq!(minutes_for(0), 1);
        assert_eq!(minutes_for(6), 1);
        assert_eq!(minutes_for(7), 2);
        assert_eq!(minutes_for(13), 3);
        assert_eq!(minutes_for(30), 5);
    }

    #[test]
    fn slips_page_paginates() {
        let codes: Vec<String> = (0..45).map(|i| format!("7KQ4M-XW2PB-HJ9RT-A3CDE-F{i:04}")).collect();
        let urls: Vec<String> = codes.iter().map(|c| format!("https://integritas.example.go.id/s/{c}")).collect();
        let slips: Vec<Slip> = urls
            .iter()
            .zip(&codes)
            .map(|(u, c)| Slip {
                url: u,
                code: c,
                qr_svg: FAKE_QR,
            })
            .collect();
        let unit = "Kantor Imigrasi Kelas I Khusus Tempat Pemeriksaan Imigrasi Soekarno-Hatta";
        let html = slips_page(&SlipsPage {
            unit_name: unit,
            campaign_title: "SKM 2025",
            batch_label: Some("Batch Mei"),
            slips: &slips,
            code_url: "https://integritas.example.go.id/kode",
            local_url: false,
        });
        write_out("slips.html", &html);
        let allowed: Vec<&str> = urls.iter().map(String::as_str).collect();
        check_common(&html, "id", &allowed);
        assert_eq!(html.matches("<section class=\"sheet\">").count(), 3);
        assert_eq!(html.matches("<div class=\"slip\">").count(), 45);
        assert_eq!(html.matches(FAKE_QR).count(), 45);
        assert!(html.contains("Sheet 3/3"));
        assert!(html.contains("Batch Mei"));
        assert!(html.contains("Pindai untuk mengisi survei (sekali pakai)."));
        assert!(html.contains("Scan to answer the survey (single use)."));
        for c in &codes {
            assert!(html.contains(&format!("<p class=\"code\">{c}</p>")), "{c}");
        }
        // The unit's name whole on every slip, and no rule that cuts it off.
        assert_eq!(html.matches(&format!("<p class=\"u\">{unit}</p>")).count(), 45);
        assert!(!html.contains("text-overflow:ellipsis"));
        assert!(html.contains("integritas.example.go.id/kode"));
    }
}

//! The printed pages: an A4 poster with the QR code of an open link for a service desk, and
//! sheets of cut-out slips, one single-use token each. Both are bilingual on paper (Indonesian
//! first, English beside it), so one print serves every visitor.

use askama::Template;

use super::render::{Fallback, render};
use crate::domain::language::{Lang, Localized};

/// Slips per printed A4 sheet (3 columns × 7 rows).
pub const SLIPS_PER_SHEET: usize = 21;

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
    };
    render(&template, Fallback::Citizen(Lang::Id))
}

/// One cut-out slip for a single-use token.
pub struct Slip<'a> {
    pub url: &'a str,
    /// Inline `<svg>…</svg>` made by the server; inserted unescaped.
    pub qr_svg: &'a str,
}

/// A printable sheet set of token slips, [`SLIPS_PER_SHEET`] per A4 page.
pub struct SlipsPage<'a> {
    pub unit_name: &'a str,
    pub campaign_title: &'a str,
    pub batch_label: Option<&'a str>,
    pub slips: &'a [Slip<'a>],
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
        });
        assert!(!poster.contains("<script"));
        let slips = [Slip {
            url: "https://x/s/<script>",
            qr_svg: "<svg></svg>",
        }];
        let sheet = slips_page(&SlipsPage {
            unit_name: "<script>u</script>",
            campaign_title: "<script>c</script>",
            batch_label: Some("<script>b</script>"),
            slips: &slips,
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
        });
        write_out("poster.html", &html);
        check_common(&html, "id", &[url]);
        assert!(html.contains(FAKE_QR), "QR inserted unescaped");
        assert!(html.contains("@page{size:A4"));
        assert!(html.contains("Loket 2"));
        assert!(html.contains(&form.title.id) && html.contains(&form.title.en));
        assert!(html.contains("Pindai kode QR ini"));
        assert!(html.contains("Scan this QR code"));
    }

    #[test]
    fn slips_page_paginates() {
        let urls: Vec<String> = (0..45)
            .map(|i| format!("https://integritas.example.go.id/s/t{i:02}AbCdEfGhIjKlMnOpQrStUv"))
            .collect();
        let slips: Vec<Slip> = urls.iter().map(|u| Slip { url: u, qr_svg: FAKE_QR }).collect();
        let html = slips_page(&SlipsPage {
            unit_name: "Kantor Imigrasi",
            campaign_title: "SKM 2025",
            batch_label: Some("Batch Mei"),
            slips: &slips,
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
        for u in &urls {
            assert!(html.contains(&format!("<p class=\"url\">{u}</p>")));
        }
    }
}

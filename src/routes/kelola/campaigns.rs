//! The operator's pages: `/kelola/unit/{id}` (dashboard), `/kelola/unit/{id}/kampanye/baru`
//! (new campaign), `/kelola/kampanye/{id}` (desks, slips, progress), its forms (`meja`, `kupon`,
//! `tutup`), and a desk's poster and QR codes (`/kelola/meja/{id}/…`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::{Done, Signed, error_page, html, kept, refused, see_other, signed, signed_form};
use crate::pages::kelola::{
    CampaignPage, ClosePage, DashboardPage, FormState, NewCampaignPage, campaign_page, close_page, dashboard_page, new_campaign_page,
};
use crate::pages::{Slip, SlipsPage, slips_page};
use crate::service::links::QrFormat;
use crate::service::tokens::IssuedBatch;
use crate::service::workbench::Form;
use crate::service::workbench::campaigns::{self as service, SlipOutput};
use crate::state::AppState;

/// The confirmation a `?selesai=` key stands for.
fn done_text(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "kampanye" => "Kampanye dibuat. Tambahkan meja atau kupon di bawah. / Campaign created: add desks or slips below.",
        "meja" => "Meja ditambahkan: buka posternya untuk dicetak. / Desk added: open its poster to print it.",
        "meja-dicabut" => "Tautan meja dicabut: posternya tidak berlaku lagi. / Desk link revoked: its poster no longer works.",
        "kupon-dicabut" => "Kupon yang belum terpakai dicabut. / Unused slips revoked.",
        "ditutup" => "Kampanye ditutup; hasil akhirnya diterbitkan. / Campaign closed; its final results are published.",
        _ => return None,
    })
}

/// `GET /kelola/unit/{id}`
pub async fn dashboard(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, q: web::Query<Done>) -> HttpResponse {
    let s = match signed(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let nav = match s.nav(&state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    match service::dashboard(&state, &s.who, id.into_inner()).await {
        Ok((unit, rows)) => html(
            StatusCode::OK,
            dashboard_page(&DashboardPage {
                nav: &nav,
                unit_id: unit.id,
                unit_name: &unit.name,
                instansi: &unit.instansi,
                rows: &rows,
                done: done_text(q.selesai.as_deref()),
            }),
        ),
        Err(e) => error_page(Some(&nav), e),
    }
}

/// Draws the new-campaign form, with the required sample when asked for.
async fn new_with(state: &AppState, s: &Signed, unit_id: Uuid, form: FormState, sample: bool, status: StatusCode) -> HttpResponse {
    let nav = match s.nav(state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    let (unit, forms) = match service::new_campaign(state, &s.who, unit_id).await {
        Ok(x) => x,
        Err(e) => return error_page(Some(&nav), e),
    };
    let required = if sample {
        service::required_sample(&form.values).ok()
    } else {
        None
    };
    let table = service::sample_table();
    html(
        status,
        new_campaign_page(&NewCampaignPage {
            nav: &nav,
            unit_id,
            unit_name: &unit.name,
            forms: &forms,
            form: &form,
            required,
            table: &table,
        }),
    )
}

/// `GET /kelola/unit/{id}/kampanye/baru`
pub async fn new_campaign(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> HttpResponse {
    match signed(&state, &req).await {
        Ok(s) => new_with(&state, &s, id.into_inner(), FormState::default(), false, StatusCode::OK).await,
        Err(r) => r,
    }
}

/// `POST /kelola/unit/{id}/kampanye/baru`: creates the campaign, or (`action=sample`) shows the
/// required sample of the population typed, keeping the form.
pub async fn create_campaign(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let unit_id = id.into_inner();
    if form.get("action").map(String::as_str) == Some("sample") {
        let errors = match service::required_sample(&form) {
            Ok(_) => Default::default(),
            Err(e) => match refused(e, "population") {
                Ok(errors) => errors,
                Err(e) => return error_page(s.nav(&state).await.ok().as_ref(), e),
            },
        };
        return new_with(&state, &s, unit_id, kept(&form, errors), true, StatusCode::OK).await;
    }
    match service::create_campaign(&state, &s.who, unit_id, &form).await {
        Ok(c) => see_other(&format!("/kelola/kampanye/{}?selesai=kampanye", c.id)),
        Err(e) => match refused(e, "title") {
            Ok(errors) => new_with(&state, &s, unit_id, kept(&form, errors), true, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
        },
    }
}

/// Draws the campaign page with its two forms.
async fn campaign_with(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    link_form: FormState,
    batch_form: FormState,
    done: Option<&str>,
    status: StatusCode,
) -> HttpResponse {
    let nav = match s.nav(state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    match service::campaign(state, &s.who, id).await {
        Ok(d) => html(
            status,
            campaign_page(&CampaignPage {
                nav: &nav,
                id: d.campaign.id,
                title: &d.campaign.title,
                unit_id: d.campaign.unit_id,
                unit_name: &d.unit_name,
                form_title: &d.form_title,
                opens_at: d.campaign.opens_at,
                closes_at: d.campaign.closes_at,
                row: &d.row,
                links: &d.links,
                batches: &d.batches,
                link_form: &link_form.prefixed("meja-"),
                batch_form: &batch_form.prefixed("token-"),
                done: done_text(done),
            }),
        ),
        Err(e) => error_page(Some(&nav), e),
    }
}

/// `GET /kelola/kampanye/{id}`
pub async fn campaign(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, q: web::Query<Done>) -> HttpResponse {
    match signed(&state, &req).await {
        Ok(s) => {
            campaign_with(
                &state,
                &s,
                id.into_inner(),
                FormState::default(),
                FormState::default(),
                q.selesai.as_deref(),
                StatusCode::OK,
            )
            .await
        }
        Err(r) => r,
    }
}

/// `POST /kelola/kampanye/{id}/meja`: adds a desk.
pub async fn add_desk(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let id = id.into_inner();
    match service::add_desk(&state, &s.who, id, &form).await {
        Ok(_) => see_other(&format!("/kelola/kampanye/{id}?selesai=meja#meja")),
        Err(e) => match refused(e, "label") {
            Ok(errors) => {
                campaign_with(
                    &state,
                    &s,
                    id,
                    kept(&form, errors),
                    FormState::default(),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
        },
    }
}

/// `POST /kelola/meja/{id}/cabut`: revokes a desk's link.
pub async fn revoke_desk(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match service::revoke_desk(&state, &s.who, id.into_inner()).await {
        Ok(l) => see_other(&format!("/kelola/kampanye/{}?selesai=meja-dicabut#meja", l.campaign_id)),
        Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
    }
}

/// The printable sheet: one slip per token with its QR code and its code to type.
fn slips_html(issued: &IssuedBatch) -> Option<String> {
    let sheet = issued.sheet.as_ref()?;
    let b = &issued.batch;
    let slips: Vec<Slip> = b
        .tokens
        .iter()
        .zip(&sheet.images)
        .map(|(t, img)| Slip {
            url: &t.url,
            code: &t.token,
            qr_svg: img,
        })
        .collect();
    Some(slips_page(&SlipsPage {
        unit_name: &sheet.unit_name,
        campaign_title: &sheet.campaign_title,
        batch_label: b.label.as_deref(),
        slips: &slips,
        code_url: &sheet.code_url,
        local_url: sheet.local_url,
    }))
}

/// `POST /kelola/kampanye/{id}/kupon`: issues a batch and answers with the printable slips
/// (201) or the CSV file; the codes are in this answer only.
pub async fn issue_slips(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let id = id.into_inner();
    match service::issue_slips(&state, &s.who, id, &form).await {
        Ok((SlipOutput::Print, issued)) => match slips_html(&issued) {
            Some(page) => html(StatusCode::CREATED, page),
            None => error_page(
                None,
                crate::error::AppError::Internal(anyhow::anyhow!("the slips sheet is missing")),
            ),
        },
        Ok((SlipOutput::Csv, issued)) => match crate::export::tokens::tokens_csv(&issued.batch.tokens) {
            Ok(csv) => HttpResponse::Created()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"tokens-{}.csv\"", issued.batch.batch_id),
                ))
                .content_type(crate::export::CSV)
                .body(csv),
            Err(e) => error_page(
                None,
                crate::error::AppError::Internal(anyhow::anyhow!(e).context("writing the tokens CSV")),
            ),
        },
        Err(e) => match refused(e, "count") {
            Ok(errors) => {
                campaign_with(
                    &state,
                    &s,
                    id,
                    FormState::default(),
                    kept(&form, errors),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
        },
    }
}

/// `POST /kelola/kupon/{id}/cabut`: revokes a batch's unused slips.
pub async fn revoke_slips(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match service::revoke_slips(&state, &s.who, id.into_inner()).await {
        Ok(campaign_id) => see_other(&format!("/kelola/kampanye/{campaign_id}?selesai=kupon-dicabut#kupon")),
        Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
    }
}

/// `GET /kelola/kampanye/{id}/tutup`: the confirmation, warning when the sample is short.
pub async fn close_form(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> HttpResponse {
    let s = match signed(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let nav = match s.nav(&state).await {
        Ok(n) => n,
        Err(r) => return r,
    };
    match service::close_check(&state, &s.who, id.into_inner()).await {
        Ok((c, unit_name, row)) => html(
            StatusCode::OK,
            close_page(&ClosePage {
                nav: &nav,
                id: c.id,
                title: &c.title,
                unit_name: &unit_name,
                n: row.n,
                required_n: row.required_n,
                already_closed: !row.open(),
            }),
        ),
        Err(e) => error_page(Some(&nav), e),
    }
}

/// `POST /kelola/kampanye/{id}/tutup`: closes the campaign.
pub async fn close(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>, form: web::Form<Form>) -> HttpResponse {
    let s = match signed_form(&state, &req, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match service::close(&state, &s.who, id.into_inner()).await {
        Ok(c) => see_other(&format!("/kelola/unit/{}?selesai=ditutup", c.unit_id)),
        Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
    }
}

/// `GET /kelola/meja/{id}/poster`: the printable A4 poster.
pub async fn poster(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> HttpResponse {
    let s = match signed(&state, &req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match crate::service::links::poster(&state, &s.who, id.into_inner()).await {
        Ok(p) => html(StatusCode::OK, crate::pages::poster_page(&p.page())),
        Err(e) => error_page(s.nav(&state).await.ok().as_ref(), e),
    }
}

async fn qr(state: &AppState, req: &HttpRequest, id: Uuid, format: QrFormat) -> HttpResponse {
    let s = match signed(state, req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (content_type, ext) = match format {
        QrFormat::Png => ("image/png", "png"),
        QrFormat::Svg => ("image/svg+xml", "svg"),
    };
    match crate::service::links::qr(state, &s.who, id, None, format).await {
        Ok(image) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"qr-{id}.{ext}\"")))
            .content_type(content_type)
            .body(image),
        Err(e) => error_page(None, e),
    }
}

/// `GET /kelola/meja/{id}/qr.png`
pub async fn qr_png(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> HttpResponse {
    qr(&state, &req, id.into_inner(), QrFormat::Png).await
}

/// `GET /kelola/meja/{id}/qr.svg`
pub async fn qr_svg(state: web::Data<AppState>, req: HttpRequest, id: web::Path<Uuid>) -> HttpResponse {
    qr(&state, &req, id.into_inner(), QrFormat::Svg).await
}

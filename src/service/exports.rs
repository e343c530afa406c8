//! Files for download: who may have them, and reading the database for them; the formats are
//! `export`'s. The anonymous responses are read page by page (keyset pagination) inside one
//! read-only snapshot, so a CSV streams in constant memory and is consistent however many
//! citizens submit meanwhile.

use anyhow::Context;
use futures_util::Stream;
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::campaigns::{Access, load};
use super::hasil::HasilParams;
use crate::domain::access::Principal;
use crate::error::{AppError, AppResult, During};
use crate::export;
use crate::repo;
use crate::state::AppState;
use crate::views::download::Download;

/// Rows per page of the response exports.
const PAGE: u64 = 1000;

/// The anonymous response rows of a campaign as a CSV stream (admin, assessor): the file name
/// and the chunks (the header with the first). A failure mid-stream is logged and ends the
/// stream with an error, so the client sees a cut download, never a silently short file.
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn responses_csv(
    state: &AppState,
    who: &Principal,
    id: Uuid,
) -> AppResult<(String, impl Stream<Item = AppResult<Vec<u8>>> + 'static)> {
    who.require_admin_or_assessor()?;
    let c = load(state, who, id, Access::Read).await?;
    let form = super::forms::of_campaign(state, &c)?;
    let snapshot = repo::results::snapshot(&state.db).await.during("opening the export snapshot")?;
    struct Cursor {
        db: Option<DatabaseTransaction>,
        after: Option<Uuid>,
        first: bool,
    }
    let campaign_id = c.id;
    let start = Cursor {
        db: Some(snapshot),
        after: None,
        first: true,
    };
    let stream = futures_util::stream::unfold(start, move |mut cur| {
        let form = form.clone();
        async move {
            let db = cur.db.take()?;
            let page = match repo::results::export_page(&db, campaign_id, cur.after, PAGE).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, %campaign_id, "responses export failed mid-stream");
                    return Some((
                        Err(AppError::Internal(anyhow::Error::new(e).context("reading an export page"))),
                        cur,
                    ));
                }
            };
            if (page.len() as u64) < PAGE {
                // The last page: end the read-only snapshot (nothing to keep).
                let _ = db.rollback().await;
            } else {
                cur.db = Some(db);
            }
            cur.after = page.last().map(|r| r.id);
            let chunk = export::responses::csv_chunk(&form, std::mem::take(&mut cur.first), &page)
                .context("writing the responses CSV")
                .map_err(AppError::Internal);
            Some((chunk, cur))
        }
    });
    Ok((format!("responses-{campaign_id}.csv"), stream))
}

/// A campaign's results as CSV for reading (admin, the unit's operator, assessor).
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn results_csv(state: &AppState, who: &Principal, id: Uuid) -> AppResult<Download> {
    let c = load(state, who, id, Access::Read).await?;
    let r = super::results::compute(state, &c).await?;
    Ok(Download {
        filename: format!("results-{}.csv", c.id),
        content_type: export::CSV,
        body: export::results_csv(&r).context("writing the results CSV")?,
    })
}

/// A campaign's results as a workbook with its anonymous responses (admin, assessor).
#[tracing::instrument(skip_all, fields(campaign_id = %id))]
pub async fn results_xlsx(state: &AppState, who: &Principal, id: Uuid) -> AppResult<Download> {
    who.require_admin_or_assessor()?;
    let c = load(state, who, id, Access::Read).await?;
    let r = super::results::compute(state, &c).await?;
    let form = super::forms::of_campaign(state, &c)?;
    let mut book = export::ResultsWorkbook::new(&c.title, form, &r).context("writing the results workbook")?;
    let mut after = None;
    loop {
        let page = repo::results::export_page(&state.db, c.id, after, PAGE)
            .await
            .during("reading an export page")?;
        book.append(&page).context("writing the workbook's responses")?;
        if (page.len() as u64) < PAGE {
            break;
        }
        after = page.last().map(|p| p.id);
    }
    Ok(Download {
        filename: format!("results-{}.xlsx", c.id),
        content_type: export::XLSX,
        body: book.finish().context("saving the results workbook")?,
    })
}

/// The file formats of the national table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Xlsx,
}

/// The national hasil table as a file (admin, assessor).
#[tracing::instrument(skip_all)]
pub async fn national(state: &AppState, who: &Principal, q: &HasilParams, format: TableFormat) -> AppResult<Download> {
    let rows = super::hasil::national(state, who, q).await?;
    let year = super::hasil::year_of(q);
    Ok(match format {
        TableFormat::Csv => Download {
            filename: format!("hasil-{year}.csv"),
            content_type: export::CSV,
            body: export::national_csv(&rows).context("writing the national CSV")?,
        },
        TableFormat::Xlsx => Download {
            filename: format!("hasil-{year}.xlsx"),
            content_type: export::XLSX,
            body: export::national_workbook(&rows).context("writing the national workbook")?,
        },
    })
}

//! `GET /api/v1/ledger` — ledger entries, oldest first, a page at a time — and
//! `GET /api/v1/ledger/checkpoint` — a signed C2SP checkpoint note of the ledger as it is
//! now, for the county to keep and check later exports against.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::blocking;
use crate::app::App;
use crate::error::AppError;
use crate::ledger::Entry;

/// Entries per page unless asked otherwise, and the most a page may hold.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// Query string of `GET /api/v1/ledger`.
#[derive(Deserialize)]
pub struct LedgerQuery {
    pub from_seq: Option<u64>,
    pub limit: Option<usize>,
}

/// A page of the ledger.
#[derive(Serialize)]
struct LedgerPage {
    /// Entries in the ledger now.
    len: u64,
    entries: Vec<Entry>,
    /// Where the next page starts; null at the end.
    next_seq: Option<u64>,
}

/// Entries from `from_seq` (default 0), at most `limit` (default 100, at most 1000).
pub async fn list(
    app: web::Data<App>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, AppError> {
    let from = query.from_seq.unwrap_or(0);
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let page = blocking(&app, move |app| -> Result<_, AppError> {
        let len = app.ledger.len();
        let entries = app
            .ledger
            .iter(from)?
            .take(limit)
            .collect::<Result<Vec<Entry>, _>>()?;
        let next = from.saturating_add(entries.len() as u64);
        Ok(LedgerPage {
            len,
            next_seq: (next < len).then_some(next),
            entries,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The signed checkpoint note (`text/plain`).
pub async fn checkpoint(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let note = blocking(&app, move |app| {
        app.ledger.checkpoint().map(|c| c.as_note().to_owned())
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(note))
}

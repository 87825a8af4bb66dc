//! Manual ledger entries from the office: `POST /api/v1/stations/{id}/feedback`,
//! `…/info-reports`, `…/plans`, `…/pastoral-sessions`, `POST /api/v1/productions` and
//! `POST /api/v1/ledger/corrections`. Each answers 201 with the sealed entry; an invalid
//! request is 422 (unknown station or film 404) and appends nothing.

use actix_web::{web, HttpResponse};
use serde_json::Value;

use super::blocking;
use crate::app::App;
use crate::entries::{parse, Entries, EntriesError};
use crate::error::AppError;
use crate::ledger::Entry;

async fn make<F>(app: web::Data<App>, f: F) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&Entries) -> Result<Entry, EntriesError> + Send + 'static,
{
    let entry = blocking(&app, move |app| f(&app.entries)).await?;
    Ok(HttpResponse::Created().json(entry))
}

/// 信息反馈 `{"text", "showing_date"?}`.
pub async fn feedback(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    make(app, move |e| e.feedback(&id, parse(body.into_inner())?)).await
}

/// 电教信息 `{"title", "text"}`.
pub async fn info_report(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    make(app, move |e| e.info_report(&id, parse(body.into_inner())?)).await
}

/// 播放计划 `{"year", "quarter", "items": [{"month", "film_id"}]}`.
pub async fn plan(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    make(app, move |e| e.plan(&id, parse(body.into_inner())?)).await
}

/// 牧区教学放映 `{"date", "hours", "place", "note"?}` (pastoral stations only).
pub async fn pastoral(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    make(app, move |e| e.pastoral(&id, parse(body.into_inner())?)).await
}

/// 本地制作 `{"film_id", "production": "party_news"|"feature", "year"?}`.
pub async fn production(
    app: web::Data<App>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    make(app, move |e| e.production(parse(body.into_inner())?)).await
}

/// 更正 `{"corrects": seq, "reason"}`.
pub async fn correction(
    app: web::Data<App>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    make(app, move |e| e.correction(parse(body.into_inner())?)).await
}

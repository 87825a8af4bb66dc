//! `GET /api/v1/library` (scan status) and `POST /api/v1/library/scan` (rescan now).

use actix_web::{web, HttpResponse};

use crate::app::App;
use crate::error::AppError;

/// The library folders, the last scan's summary and the watcher mode.
pub async fn status(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(app.library.status()))
}

/// Starts a rescan of every library folder in the background.
pub async fn rescan(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let library = app.library.clone();
    let roots = app.settings.library.clone();
    tokio::task::spawn_blocking(move || library.scan_all(&roots));
    Ok(HttpResponse::Accepted().json(serde_json::json!({"started": true})))
}

//! `GET /api/v1/doctor` (admin): `dianjiao doctor`'s checks as JSON for the office
//! dashboard — `{"needs_action", "checks": [{"id", "status", "summary", "detail"}]}`.

use actix_web::{web, HttpResponse};

use crate::app::App;
use crate::error::AppError;

/// Runs the checks (a worker encodes a test clip, the ledger is read through) off the
/// async threads.
pub async fn report(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let app = app.into_inner();
    let report = tokio::task::spawn_blocking(move || {
        crate::doctor::run_in_server(&app.settings, &app.pool.config().exe, &app.ledger.clock())
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

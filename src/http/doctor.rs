//! `GET /api/v1/doctor` (admin): `dianjiao doctor`'s checks as JSON for the office
//! dashboard — `{"needs_action", "checks": [{"id", "status", "summary", "detail"}]}`.

use actix_web::{web, HttpResponse};

use super::blocking;
use crate::app::App;
use crate::error::AppError;

/// Runs the checks (a worker encodes a test clip, the ledger is read through) off the
/// async threads.
pub async fn report(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let report = blocking(&app, move |app| {
        let clock = app.ledger.clock();
        Ok::<_, AppError>(crate::doctor::run_in_server(
            &app.settings,
            &app.pool.config().exe,
            &clock,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

//! `GET /healthz` and `GET /metrics`.

use actix_web::{web, HttpResponse};

use super::blocking;
use crate::app::App;
use crate::error::AppError;
use crate::metrics::Snapshot;

/// `200 ok` when the store and the index answer.
pub async fn healthz(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    blocking(&app, move |app| app.catalog.count_by_state()).await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}

/// Prometheus text.
pub async fn metrics(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let text = blocking(&app, move |app| -> Result<_, AppError> {
        let counts = app.catalog.count_by_state()?;
        let by_state: Vec<(&'static str, u64)> = media_catalog::FilmState::ALL
            .iter()
            .map(|s| (s.as_str(), counts.get(s.as_str()).copied().unwrap_or(0)))
            .collect();
        let queued = by_state
            .iter()
            .find(|(s, _)| *s == "queued")
            .map_or(0, |p| p.1);
        Ok(app.metrics.render(&Snapshot {
            films_by_state: &by_state,
            films_missing: app.library.missing_count(),
            prepare_queue: queued,
            ledger_length: app.ledger.len(),
            jit_transcodes: app.jit.running_transcodes() as u64,
            jit_producers_started: app.jit.counts().producers_started,
            jit_segments_made: app.jit.counts().segments_made,
            jit_producers_warm: app.jit.counts().producers_warm,
            clock_suspect: u64::from(app.ledger.clock().suspect().is_some()),
        }))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

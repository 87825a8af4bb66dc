//! What a TV renderer is doing, for the broadcaster's phone: `GET /api/v1/renderers/{id}/status`
//! (the same callers as the other renderer routes). Read from what the server's own poll last
//! learned; the TV is not asked again for it.

use actix_web::{web, HttpResponse};

use super::gate::Caller;
use super::renderers::{polling, renderer_for};
use crate::app::App;
use crate::error::AppError;

/// `GET /api/v1/renderers/{id}/status` → `{"state", "play_id", "film_id", "title",
/// "position_s", "duration_s", "message", "ended"}`.
pub async fn status(
    app: web::Data<App>,
    Caller(who): Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let r = renderer_for(&app, &who, &id).await?;
    let status = app.dlna.pushes.status(&r.id, polling(&app).grace);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(status))
}

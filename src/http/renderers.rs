//! TV renderers over HTTP: `GET /api/v1/renderers` lists those seen at the caller's station
//! (a paired device's own; office staff name one with `?station=`). See
//! [`crate::dlna::renderers`].

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::blocking;
use super::gate::Caller;
use crate::accounts::Principal;
use crate::app::App;
use crate::error::AppError;

#[derive(Deserialize)]
pub struct StationQuery {
    #[serde(default)]
    station: Option<String>,
}

/// The station a renderer request is for: a device's own; a signed-in user's choice.
pub(super) async fn station_of(
    app: &App,
    who: &Principal,
    asked: Option<String>,
) -> Result<String, AppError> {
    match (who, asked) {
        (Principal::Device { station, .. }, None) => Ok(station.clone()),
        (Principal::Device { station, .. }, Some(s)) if &s == station => Ok(s),
        (Principal::Device { .. }, Some(_)) => Err(AppError::Forbidden),
        (Principal::User { .. }, Some(s)) => {
            let stations = app.stations.clone();
            let id = s.clone();
            blocking(move || Ok(stations.require(&id)?)).await?;
            Ok(s)
        }
        (Principal::User { .. }, None) => Err(AppError::BadRequest(
            "请指定站点（?station=，which station's TVs）".into(),
        )),
        (Principal::Anonymous, _) => Err(AppError::Forbidden),
    }
}

/// `GET /api/v1/renderers` → `[{"id", "name", "address", "last_seen"}]`.
pub async fn list(
    app: web::Data<App>,
    Caller(who): Caller,
    query: web::Query<StationQuery>,
) -> Result<HttpResponse, AppError> {
    let station = station_of(&app, &who, query.into_inner().station).await?;
    Ok(HttpResponse::Ok().json(app.dlna.renderers.for_station(&station)))
}

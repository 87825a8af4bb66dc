//! Stations, their rosters and 六有 checklists: `POST/GET /api/v1/stations`,
//! `GET/PATCH /api/v1/stations/{id}`, `POST /api/v1/stations/{id}/retire`,
//! `PUT /api/v1/stations/{id}/checklist/{item}`, `POST/GET /api/v1/stations/{id}/members`,
//! `POST /api/v1/stations/{id}/roster` (CSV/XLSX import). Paired TVs and addresses are in
//! `devices.rs`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::blocking;
use super::dto::StationDto;
use crate::app::App;
use crate::error::AppError;
use crate::stations::{ChecklistUpdate, NewMember, NewStation, StationUpdate};

/// The largest roster file taken (a village roster is a few KiB).
pub const MAX_ROSTER_BYTES: usize = 5 * 1024 * 1024;

/// Makes a station: `{"code","name","kind"}` (+ `township`, `broadcaster`) → 201 with it.
pub async fn create(
    app: web::Data<App>,
    body: web::Json<NewStation>,
) -> Result<HttpResponse, AppError> {
    let station = blocking(&app, move |app| app.stations.create(body.into_inner())).await?;
    Ok(HttpResponse::Created().json(station))
}

/// Every station, retired ones included.
pub async fn list(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let all = blocking(&app, move |app| app.stations.list()).await?;
    Ok(HttpResponse::Ok().json(json!({ "total": all.len(), "items": all })))
}

/// One station, with its 六有 checklist.
pub async fn get(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (station, checklist) = blocking(&app, move |app| -> Result<_, AppError> {
        let station = app.stations.require(&id)?;
        Ok((station, app.stations.checklist(&id)?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(StationDto { station, checklist }))
}

/// Changes name, broadcaster or township: `{"name"?, "broadcaster"?, "township"?}`.
pub async fn update(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<StationUpdate>,
) -> Result<HttpResponse, AppError> {
    let station = blocking(&app, move |app| app.stations.update(&id, body.into_inner())).await?;
    Ok(HttpResponse::Ok().json(station))
}

/// Retires a station (idempotent): it keeps its history, takes nothing new.
pub async fn retire(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let station = blocking(&app, move |app| app.stations.retire(&id)).await?;
    Ok(HttpResponse::Ok().json(station))
}

/// Sets one 六有 item: `{"done", "date"?, "note"?}`.
pub async fn set_checklist(
    app: web::Data<App>,
    path: web::Path<(String, String)>,
    body: web::Json<ChecklistUpdate>,
) -> Result<HttpResponse, AppError> {
    let (id, item) = path.into_inner();
    let entry = blocking(&app, move |app| {
        app.stations.set_checklist(&id, &item, body.into_inner())
    })
    .await?;
    Ok(HttpResponse::Ok().json(entry))
}

/// Adds one member: `{"name","member_no"}` (+ `branch`) → 201 with it.
pub async fn add_member(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<NewMember>,
) -> Result<HttpResponse, AppError> {
    let member = blocking(&app, move |app| {
        app.stations.add_member(&id, body.into_inner())
    })
    .await?;
    Ok(HttpResponse::Created().json(member))
}

/// A station's roster.
pub async fn members(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let all = blocking(&app, move |app| -> Result<_, AppError> {
        app.stations.require(&id)?;
        Ok(app.stations.members(&id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "total": all.len(), "items": all })))
}

/// Imports a roster file sent as the raw body (CSV or XLSX, up to [`MAX_ROSTER_BYTES`]):
/// `200 {"format","added","rejected":[{"row","reason"}]}`.
pub async fn import_roster(
    app: web::Data<App>,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || AppError::TooLarge {
        message: format!(
            "文件太大，名册文件最多 {} MiB（the file is too large）",
            MAX_ROSTER_BYTES / 1024 / 1024
        ),
    };
    if declared.is_some_and(|n| n > MAX_ROSTER_BYTES as u64) {
        return Err(too_large());
    }
    let Ok(bytes) = payload.to_bytes_limited(MAX_ROSTER_BYTES).await else {
        return Err(too_large());
    };
    let bytes = bytes.map_err(|e| AppError::BadRequest(format!("上传中断：{e}")))?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let report = blocking(&app, move |app| {
        app.stations
            .import_roster(&id, &bytes, content_type.as_deref())
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

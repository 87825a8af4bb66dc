//! Stations and their rosters: `POST/GET /api/v1/stations`, `GET /api/v1/stations/{id}`,
//! `POST/GET /api/v1/stations/{id}/members`.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::blocking;
use crate::app::App;
use crate::error::AppError;
use crate::stations::{NewMember, NewStation, StationsError};

impl From<StationsError> for AppError {
    fn from(e: StationsError) -> AppError {
        use StationsError as S;
        match e {
            S::UnknownStation(_) => AppError::NotFound { what: "站点" },
            S::UnknownMember(_) => AppError::NotFound { what: "党员" },
            S::Invalid(_) => AppError::Unprocessable {
                code: "invalid",
                message: e.to_string(),
            },
            S::CodeTaken(_) | S::MemberTaken(_) => AppError::Conflict {
                code: "exists",
                message: e.to_string(),
            },
            S::Retired(_) => AppError::Conflict {
                code: "retired",
                message: e.to_string(),
            },
            S::Ledger(e) => AppError::Ledger(e),
            S::Store(_) | S::Record(_) => AppError::Io(std::io::Error::other(e)),
        }
    }
}

/// Makes a station: `{"code","name","kind"}` (+ `township`, `broadcaster`) → 201 with it.
pub async fn create(
    app: web::Data<App>,
    body: web::Json<NewStation>,
) -> Result<HttpResponse, AppError> {
    let stations = app.stations.clone();
    let station = blocking(move || Ok(stations.create(body.into_inner())?)).await?;
    Ok(HttpResponse::Created().json(station))
}

/// Every station, retired ones included.
pub async fn list(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let stations = app.stations.clone();
    let all = blocking(move || Ok(stations.list()?)).await?;
    Ok(HttpResponse::Ok().json(json!({ "total": all.len(), "items": all })))
}

/// One station.
pub async fn get(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let stations = app.stations.clone();
    let station = blocking(move || Ok(stations.require(&id)?)).await?;
    Ok(HttpResponse::Ok().json(station))
}

/// Adds one member: `{"name","member_no"}` (+ `branch`) → 201 with it.
pub async fn add_member(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<NewMember>,
) -> Result<HttpResponse, AppError> {
    let stations = app.stations.clone();
    let member = blocking(move || Ok(stations.add_member(&id, body.into_inner())?)).await?;
    Ok(HttpResponse::Created().json(member))
}

/// A station's roster.
pub async fn members(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let stations = app.stations.clone();
    let all = blocking(move || {
        stations.require(&id)?;
        Ok(stations.members(&id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "total": all.len(), "items": all })))
}

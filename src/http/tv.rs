//! `GET /api/v1/tv/home`: the TV home screen's rows in one request (a TV's browser is slow
//! and its link may be too): catalog rows, this station's resume points and the films of
//! its plan for this quarter (see [`crate::tv`]).

use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use super::blocking;
use super::dto::HomeFilmDto;
use super::films::with_preparation;
use super::gate::Caller;
use crate::accounts::Principal;
use crate::app::App;
use crate::error::AppError;
use crate::tv::{gather, home};

/// The home screen: `{"station", "month", "theme", "rows": [{"kind", "name", "items":
/// [film + "resume_s"]}], "resume": {film_id: seconds}}`. A caller that is not a paired TV
/// gets the catalog rows; its "continue" and "required" rows are empty.
pub async fn home_screen(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, AppError> {
    let station = match caller.0 {
        Principal::Device { station, .. } => Some(station),
        Principal::User { .. } | Principal::Anonymous => None,
    };
    let body = blocking(&app, move |app| -> Result<_, AppError> {
        let head = match &station {
            Some(id) => {
                let s = app.stations.require(id)?;
                json!({"id": s.id, "name": s.name, "code": s.code})
            }
            None => Value::Null,
        };
        let inputs = gather(app, station.as_deref())?;
        let month = inputs.month;
        let positions: Map<String, Value> = inputs
            .resume
            .iter()
            .map(|p| (p.film_id.clone(), json!(p.position_s)))
            .collect();
        let built = home(inputs);
        let mut rows = Vec::with_capacity(built.rows.len());
        for row in built.rows {
            let mut items = Vec::with_capacity(row.films.len());
            for film in row.films {
                items.push(HomeFilmDto {
                    resume_s: positions.get(film.id.as_str()).and_then(Value::as_f64),
                    film: with_preparation(app, film)?,
                });
            }
            rows.push(json!({"kind": row.kind, "name": row.name, "items": items}));
        }
        Ok(json!({
            "station": head, "month": month, "theme": built.theme,
            "rows": rows, "resume": positions,
        }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

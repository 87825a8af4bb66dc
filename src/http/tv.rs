//! `GET /api/v1/tv/home`: the TV home screen's rows in one request (a TV's browser is slow
//! and its link may be too): catalog rows, this station's resume points and its plan.

use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use super::blocking;
use super::dto::FilmDto;
use super::gate::Caller;
use crate::accounts::Principal;
use crate::app::App;
use crate::error::AppError;
use crate::tv::{home, HomeInputs};

/// The home screen: `{"station", "month", "theme", "rows": [{"kind", "name", "items":
/// [film + "resume_s"]}], "resume": {film_id: seconds}}`. A caller that is not a paired TV
/// gets the catalog rows; its "continue" and "required" rows are empty.
pub async fn home_screen(app: web::Data<App>, caller: Caller) -> Result<HttpResponse, AppError> {
    let station = match caller.0 {
        Principal::Device { station } => Some(station),
        Principal::User { .. } | Principal::Anonymous => None,
    };
    let app = app.into_inner();
    let body = blocking(move || {
        let (head, resume) = match &station {
            Some(id) => {
                let s = app.stations.require(id)?;
                let head = json!({"id": s.id, "name": s.name, "code": s.code});
                (head, app.plays.resume_points(id)?)
            }
            None => (Value::Null, Vec::new()),
        };
        let month = app.days.today().month();
        let positions: Map<String, Value> = resume
            .iter()
            .map(|p| (p.film_id.clone(), json!(p.position_s)))
            .collect();
        // The plan's rows arrive with the reports code; until then they stay empty.
        let built = home(HomeInputs {
            films: app.catalog.films()?,
            resume,
            required: Vec::new(),
            required_this_month: Vec::new(),
            month,
        });
        let mut rows = Vec::with_capacity(built.rows.len());
        for row in built.rows {
            let mut items = Vec::with_capacity(row.films.len());
            for film in row.films {
                let at = positions.get(film.id.as_str()).cloned();
                let mut dto = film_json(&app, film)?;
                dto["resume_s"] = at.unwrap_or(Value::Null);
                items.push(dto);
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

/// A film as `GET /api/v1/films/{id}` has it.
fn film_json(app: &App, film: media_catalog::Film) -> Result<Value, AppError> {
    let outcome = app.preparation.outcome(&film.id)?;
    let progress = app.preparation.progress(&film.id);
    let dto = FilmDto::from(film).with_preparation(outcome, progress);
    serde_json::to_value(dto).map_err(|e| AppError::Io(std::io::Error::other(e)))
}

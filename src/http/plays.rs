//! Play sessions over HTTP: `POST /api/v1/plays` (+ `/heartbeat`, `/end`, `/signins`,
//! `/discussion`, `/feedback`), `GET /api/v1/plays[/{id}]` and
//! `GET /api/v1/plays/unregistered` for the dashboard. Photos of a showing are in
//! [`super::photos`]. Media requests reach the plays through [`super::observe`].

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::blocking;
use super::dto::EndedDto;
use super::gate::CallerAt;
use crate::app::App;
use crate::error::AppError;
use crate::plays::Actor;

/// `POST /api/v1/plays`.
#[derive(Deserialize)]
pub struct StartBody {
    film_id: String,
    /// Signed-in staff only: the station the showing is for.
    #[serde(default)]
    station_id: Option<String>,
    /// Where playback starts (default 0).
    #[serde(default)]
    position_s: Option<f64>,
}

/// A position report.
#[derive(Deserialize)]
pub struct PositionBody {
    position_s: f64,
}

/// The end of a play; without a position, the last reported one stands.
#[derive(Deserialize)]
pub struct EndBody {
    #[serde(default)]
    position_s: Option<f64>,
}

#[derive(Deserialize)]
pub struct SigninBody {
    member_id: String,
}

#[derive(Deserialize)]
pub struct TextBody {
    text: String,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    active: Option<bool>,
}

/// Starts a reported play → `201 {"play_id", "station_id", "started_at"}`.
pub async fn start(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    body: web::Json<StartBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let play = blocking(&app, move |app| {
        app.plays.start(
            &body.film_id,
            Actor { who: &who, client },
            body.station_id.as_deref(),
            body.position_s.unwrap_or(0.0),
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({
        "play_id": play.id,
        "station_id": play.station_id,
        "film_id": play.film_id,
        "started_at": play.started_at,
    })))
}

/// A position heartbeat → the play as it stands.
pub async fn heartbeat(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
    body: web::Json<PositionBody>,
) -> Result<HttpResponse, AppError> {
    let view = blocking(&app, move |app| {
        let actor = Actor { who: &who, client };
        app.plays.heartbeat(&id, actor, body.position_s)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Ends a play → its viewing record and ledger `seq` (the same again on a repeat).
pub async fn end(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
    body: web::Json<EndBody>,
) -> Result<HttpResponse, AppError> {
    let ended = blocking(&app, move |app| {
        let actor = Actor { who: &who, client };
        app.plays.end(&id, actor, body.position_s)
    })
    .await?;
    Ok(HttpResponse::Ok().json(EndedDto {
        viewing: ended.viewing,
        seq: ended.seq,
        // A play with no station makes no ledger entry (only stations make records).
        recorded: ended.seq.is_some(),
    }))
}

/// One play, open or ended (dashboard).
pub async fn get(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let view = blocking(&app, move |app| app.plays.get(&id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The plays open now ("live now"); `active=true` is the only listing there is.
pub async fn list(
    app: web::Data<App>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    if query.active == Some(false) {
        return Err(AppError::BadRequest(
            "只能列出正在播放的记录 (active=true)；已结束的播放见台账".into(),
        ));
    }
    let items = app.plays.active();
    Ok(HttpResponse::Ok().json(json!({ "total": items.len(), "items": items })))
}

/// A party member signs in → `201` with the entry, or `200` with the first one.
pub async fn sign_in(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
    body: web::Json<SigninBody>,
) -> Result<HttpResponse, AppError> {
    let done = blocking(&app, move |app| {
        let actor = Actor { who: &who, client };
        app.plays.sign_in(&id, actor, &body.member_id)
    })
    .await?;
    let mut res = if done.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.json(done.entry))
}

/// The discussion after a showing → `201` with the entry.
pub async fn discussion(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, AppError> {
    let entry = blocking(&app, move |app| {
        let actor = Actor { who: &who, client };
        app.plays.discuss(&id, actor, &body.text)
    })
    .await?;
    Ok(HttpResponse::Created().json(entry))
}

/// Feedback about a showing → `201` with the entry.
pub async fn feedback(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, AppError> {
    let entry = blocking(&app, move |app| {
        let actor = Actor { who: &who, client };
        app.plays.feedback(&id, actor, &body.text)
    })
    .await?;
    Ok(HttpResponse::Created().json(entry))
}

/// Viewers at addresses no station has registered (their plays make no record): `{"total",
/// "items": [{"address", "plays", "watched_s", "first_seen", "last_seen",
/// "last_film_title"}]}`, most recently seen first.
pub async fn unregistered(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let items = blocking(&app, move |app| app.plays.unregistered()).await?;
    Ok(HttpResponse::Ok().json(json!({ "total": items.len(), "items": items })))
}

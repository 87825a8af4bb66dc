//! The office's preparation panel: `GET /api/v1/preparation/queue` (the queue in the order
//! films will be prepared, each with why it is there and its failed tries) and
//! `POST /api/v1/preparation/queue/{film_id}/first` ("先准备这部": to the front; clerk or
//! admin, who is noted in the queue record and the log).

use actix_web::{web, HttpResponse};
use media_catalog::FilmId;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::blocking;
use super::gate::Caller;
use crate::accounts::Principal;
use crate::app::App;
use crate::error::{AppError, Code};
use crate::preparation::{Moved, Place, Why};

/// The most films one look at the queue lists.
const MOST: usize = 1000;

/// `?limit=`: films to list (default 100).
#[derive(Deserialize)]
pub struct QueueQuery {
    limit: Option<usize>,
}

/// The queue as the office sees it.
#[derive(Serialize)]
pub struct QueueDto {
    /// Films in the queue (being prepared or waiting).
    pub total: usize,
    pub items: Vec<QueueItemDto>,
}

/// One film of the queue.
#[derive(Serialize)]
pub struct QueueItemDto {
    /// 1 is the front (films being prepared come first).
    pub position: usize,
    pub film_id: String,
    pub title: String,
    pub series: Option<String>,
    pub episode: Option<u32>,
    /// `preparing` or `queued`.
    pub state: &'static str,
    /// `plan`, `local`, `watching`, `recent`.
    pub why: Why,
    /// 本季度计划, 本地制作, 正在点播, 最近添加.
    pub why_label: &'static str,
    /// Moved to the front by hand ("先准备这部"): who and when.
    pub first: Option<FirstDto>,
    /// Failed tries of its current file, and how many tries it gets in all.
    pub tries: usize,
    pub max_tries: usize,
    /// The film's reason: the last failure, with the try count.
    pub reason: Option<String>,
    /// When the next try may start (RFC 3339 UTC), while it waits for it.
    pub retry_at: Option<String>,
    pub failures: Vec<FailureDto>,
    /// 0–100 while preparing, and the seconds left once the speed is known.
    pub percent: Option<f64>,
    pub eta_s: Option<f64>,
}

/// Who moved a film to the front.
#[derive(Serialize)]
pub struct FirstDto {
    pub by: String,
    pub at: Option<String>,
}

/// One failed try.
#[derive(Serialize)]
pub struct FailureDto {
    pub at: Option<String>,
    pub reason: String,
    /// The wait set before the next try (none: refused, or the last try).
    pub retry_after_s: Option<f64>,
    /// The file itself is unusable: not tried again on its own.
    pub refused: bool,
}

fn stamp(ms: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

fn item(app: &App, position: usize, p: Place) -> QueueItemDto {
    let now = crate::preparation::now_ms();
    let progress = app.preparation.progress(&p.film.id);
    QueueItemDto {
        position,
        state: p.film.state.as_str(),
        why: p.why,
        why_label: p.why.label(),
        first: p.entry.first.as_ref().map(|f| FirstDto {
            by: f.by.clone(),
            at: stamp(f.at_ms),
        }),
        tries: p.entry.tries(),
        max_tries: app.preparation.retries().max_tries(),
        retry_at: p.entry.retry_at_ms.filter(|&at| at > now).and_then(stamp),
        failures: p
            .entry
            .failures
            .iter()
            .map(|f| FailureDto {
                at: stamp(f.at_ms),
                reason: f.reason.clone(),
                retry_after_s: f.retry_after_s,
                refused: f.refused,
            })
            .collect(),
        percent: progress
            .as_ref()
            .map(|pr| (pr.percent * 10.0).round() / 10.0),
        eta_s: progress.and_then(|pr| pr.eta_s).map(f64::round),
        film_id: p.film.id.to_string(),
        title: p.film.title,
        series: p.film.series,
        episode: p.film.episode,
        reason: p.film.reason,
    }
}

/// The queue in order.
pub async fn queue(
    app: web::Data<App>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = query.limit.unwrap_or(100).clamp(1, MOST);
    let dto = blocking(&app, move |app| -> Result<_, AppError> {
        let places = app.preparation.queue()?;
        let total = places.len();
        let items = places
            .into_iter()
            .take(limit)
            .enumerate()
            .map(|(i, p)| item(app, i + 1, p))
            .collect();
        Ok(QueueDto { total, items })
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// "先准备这部": the film goes to the front; answers its place in the queue.
pub async fn first(
    app: web::Data<App>,
    id: web::Path<String>,
    Caller(who): Caller,
) -> Result<HttpResponse, AppError> {
    let Principal::User { name, .. } = who else {
        return Err(AppError::Forbidden);
    };
    let id = FilmId::parse(&id).map_err(|_| AppError::NotFound { what: "影片" })?;
    let dto = blocking(&app, move |app| -> Result<_, AppError> {
        match app.preparation.first(&id, &name)? {
            Moved::Front => {}
            Moved::Unknown => return Err(AppError::NotFound { what: "影片" }),
            Moved::Ready => return Err(AppError::Refused {
                code: Code::AlreadyPrepared,
                message: "这部影片已经准备好，可以直接播放，不用再准备（the film is already prepared）".into(),
            }),
            Moved::Unpreparable => return Err(AppError::Refused {
                code: Code::NotPreparable,
                message: "这部影片的文件已被拒收、不在片库中或还没检查过，不能准备；请先检查片库里的文件（the film's file is refused, missing or not probed）".into(),
            }),
        }
        let places = app.preparation.queue()?;
        let (i, place) = places
            .into_iter()
            .enumerate()
            .find(|(_, p)| p.film.id == id)
            .ok_or(AppError::NotFound { what: "影片" })?;
        Ok(item(app, i + 1, place))
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

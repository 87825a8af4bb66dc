//! Play sessions over HTTP: `POST /api/v1/plays` (+ `/heartbeat`, `/end`, `/signins`,
//! `/discussion`, `/feedback`), `GET /api/v1/plays[/{id}]` for the dashboard, and
//! [`observe`], the one call the media handlers make so plays of clients that report
//! nothing are still logged.

use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::http::{header, Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::blocking;
use super::gate::{client_ip, Caller};
use crate::accounts::Principal;
use crate::app::App;
use crate::error::AppError;
use crate::plays::{Actor, Delivered, Plays, PlaysError, Requester};

impl From<PlaysError> for AppError {
    fn from(e: PlaysError) -> AppError {
        use PlaysError as P;
        match e {
            P::UnknownFilm(_) => AppError::NotFound { what: "影片" },
            P::UnknownPlay(_) => AppError::NotFound {
                what: "播放记录"
            },
            P::Ended(_) => AppError::Conflict {
                code: "play_ended",
                message: e.to_string(),
            },
            P::NotReported(_) => AppError::Conflict {
                code: "inferred_play",
                message: e.to_string(),
            },
            P::NoStation(_) => AppError::Unprocessable {
                code: "no_station",
                message: e.to_string(),
            },
            P::OtherStation { .. } => AppError::Unprocessable {
                code: "other_station",
                message: e.to_string(),
            },
            P::Invalid(_) => AppError::Unprocessable {
                code: "invalid",
                message: e.to_string(),
            },
            P::StationNotYours => AppError::Forbidden,
            P::NotYours(_) => AppError::Refused {
                code: "not_your_play",
                message: e.to_string(),
            },
            P::EntriesClosed { .. } => AppError::Conflict {
                code: "entries_closed",
                message: e.to_string(),
            },
            P::Closing(_) => AppError::Conflict {
                code: "play_closing",
                message: e.to_string(),
            },
            P::TooMany {
                message,
                retry_after_secs,
            } => AppError::Limited {
                code: "too_many_plays",
                message,
                retry_after_secs,
            },
            P::Stations(e) => e.into(),
            P::Ledger(e) => AppError::Ledger(e),
            P::Catalog(e) => AppError::Catalog(e),
            P::Store(_) | P::Record(_) => AppError::Io(std::io::Error::other(e)),
        }
    }
}

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
    req: HttpRequest,
    Caller(who): Caller,
    body: web::Json<StartBody>,
) -> Result<HttpResponse, AppError> {
    let client = client_ip(&req, &app.settings.trusted_proxies);
    let plays = app.plays.clone();
    let body = body.into_inner();
    let play = blocking(move || {
        Ok(plays.start(
            &body.film_id,
            Actor { who: &who, client },
            body.station_id.as_deref(),
            body.position_s.unwrap_or(0.0),
        )?)
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
    req: HttpRequest,
    Caller(who): Caller,
    id: web::Path<String>,
    body: web::Json<PositionBody>,
) -> Result<HttpResponse, AppError> {
    let client = client_ip(&req, &app.settings.trusted_proxies);
    let plays = app.plays.clone();
    let view = blocking(move || {
        let actor = Actor { who: &who, client };
        Ok(plays.heartbeat(&id, actor, body.position_s)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Ends a play → its viewing record and ledger `seq` (the same again on a repeat).
pub async fn end(
    app: web::Data<App>,
    req: HttpRequest,
    Caller(who): Caller,
    id: web::Path<String>,
    body: web::Json<EndBody>,
) -> Result<HttpResponse, AppError> {
    let client = client_ip(&req, &app.settings.trusted_proxies);
    let plays = app.plays.clone();
    let ended = blocking(move || {
        let actor = Actor { who: &who, client };
        Ok(plays.end(&id, actor, body.position_s)?)
    })
    .await?;
    let mut record = serde_json::to_value(&ended.viewing).map_err(std::io::Error::other)?;
    record["seq"] = json!(ended.seq);
    // A play with no station makes no ledger entry (only stations make records).
    record["recorded"] = json!(ended.seq.is_some());
    Ok(HttpResponse::Ok().json(record))
}

/// One play, open or ended (dashboard).
pub async fn get(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let plays = app.plays.clone();
    let view = blocking(move || Ok(plays.get(&id)?)).await?;
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
    req: HttpRequest,
    Caller(who): Caller,
    id: web::Path<String>,
    body: web::Json<SigninBody>,
) -> Result<HttpResponse, AppError> {
    let client = client_ip(&req, &app.settings.trusted_proxies);
    let plays = app.plays.clone();
    let done = blocking(move || {
        let actor = Actor { who: &who, client };
        Ok(plays.sign_in(&id, actor, &body.member_id)?)
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
    req: HttpRequest,
    Caller(who): Caller,
    id: web::Path<String>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, AppError> {
    let client = client_ip(&req, &app.settings.trusted_proxies);
    let plays = app.plays.clone();
    let entry = blocking(move || {
        let actor = Actor { who: &who, client };
        Ok(plays.discuss(&id, actor, &body.text)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(entry))
}

/// Feedback about a showing → `201` with the entry.
pub async fn feedback(
    app: web::Data<App>,
    req: HttpRequest,
    Caller(who): Caller,
    id: web::Path<String>,
    body: web::Json<TextBody>,
) -> Result<HttpResponse, AppError> {
    let client = client_ip(&req, &app.settings.trusted_proxies);
    let plays = app.plays.clone();
    let entry = blocking(move || {
        let actor = Actor { who: &who, client };
        Ok(plays.feedback(&id, actor, &body.text)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(entry))
}

/// Viewers at addresses no station has registered (their plays make no record): `{"total",
/// "items": [{"address", "plays", "watched_s", "first_seen", "last_seen",
/// "last_film_title"}]}`, most recently seen first.
pub async fn unregistered(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let plays = app.plays.clone();
    let items = blocking(move || Ok(plays.unregistered()?)).await?;
    Ok(HttpResponse::Ok().json(json!({ "total": items.len(), "items": items })))
}

/// What a media handler served.
pub(super) enum Media<'a> {
    /// A file of a rendition folder: a segment when `index` is set (playlists count nothing).
    Segment { rung: &'a str, index: Option<usize> },
    /// A file that plays the whole film (tv.mp4, the original): its bytes, as they are sent.
    File,
}

/// Notes a media request for the inferred plays and passes the answer on unchanged (a
/// whole-film file's body is counted as it is sent). HEAD requests and errors count nothing.
pub(super) fn observe(
    app: &App,
    req: &HttpRequest,
    film_id: &str,
    media: Media<'_>,
    res: Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    let Ok(res) = res else { return res };
    // A signed-in office user previewing a film (the catalog page's player) is not a showing.
    let office = matches!(
        req.extensions().get::<Principal>(),
        Some(Principal::User { .. })
    );
    if req.method() != Method::GET || office {
        return Ok(res);
    }
    let who = requester(app, req);
    match media {
        Media::Segment { index: None, .. } => Ok(res),
        Media::Segment {
            rung,
            index: Some(index),
        } => {
            let status = res.status();
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                let what = Delivered::Segment {
                    rung: rung.to_owned(),
                    index,
                };
                app.plays.observe(who, film_id, what);
            }
            Ok(res)
        }
        Media::File => Ok(tap(app.plays.clone(), who, film_id, res)),
    }
}

/// The caller as media requests are grouped: a paired TV's station, and the address.
fn requester(app: &App, req: &HttpRequest) -> Requester {
    let station = match req.extensions().get::<Principal>() {
        Some(Principal::Device { station, .. }) => Some(station.clone()),
        _ => None,
    };
    let client: Option<IpAddr> = client_ip(req, &app.settings.trusted_proxies);
    Requester { station, client }
}

/// Wraps a whole-film file's body so the bytes actually sent are reported.
fn tap(plays: Arc<Plays>, who: Requester, film_id: &str, res: HttpResponse) -> HttpResponse {
    let Some((from, len)) = served_span(&res) else {
        return res;
    };
    let film = film_id.to_owned();
    res.map_body(move |_, inner| {
        Tap {
            inner,
            plays,
            who,
            film,
            from,
            len,
            sent: 0,
            reported: 0,
        }
        .boxed()
    })
}

/// Where the body starts in the file and the file's length: a 200 sends it all from 0, a
/// single-range 206 says so in `Content-Range` (a multi-range answer is not counted).
fn served_span(res: &HttpResponse) -> Option<(u64, u64)> {
    match res.status() {
        StatusCode::OK => match res.body().size() {
            BodySize::Sized(n) => Some((0, n)),
            _ => None,
        },
        StatusCode::PARTIAL_CONTENT => {
            let range = res.headers().get(header::CONTENT_RANGE)?.to_str().ok()?;
            let (span, len) = range.strip_prefix("bytes ")?.split_once('/')?;
            let (from, _) = span.split_once('-')?;
            Some((from.parse().ok()?, len.parse().ok()?))
        }
        _ => None,
    }
}

/// Bytes between two reports of a long response (keeps a slow DLNA stream's play alive).
const REPORT_EVERY: u64 = 1024 * 1024;

/// A body that reports how far it got: every [`REPORT_EVERY`] bytes and when dropped
/// (sent or cut off).
struct Tap {
    inner: BoxBody,
    plays: Arc<Plays>,
    who: Requester,
    film: String,
    from: u64,
    len: u64,
    sent: u64,
    reported: u64,
}

impl Tap {
    fn report(&mut self) {
        if self.sent > self.reported {
            let what = Delivered::Bytes {
                from: self.from + self.reported,
                to: self.from + self.sent,
                len: self.len,
            };
            self.plays.observe(self.who.clone(), &self.film, what);
            self.reported = self.sent;
        }
    }
}

impl MessageBody for Tap {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.inner.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(bytes))) = &polled {
            self.sent += bytes.len() as u64;
            if self.sent - self.reported >= REPORT_EVERY {
                self.report();
            }
        }
        polled
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.report();
    }
}

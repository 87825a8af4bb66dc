//! TV renderers over HTTP: `GET /api/v1/renderers` lists those seen at the caller's station
//! (a paired device's own; office staff name one with `?station=`), and pushing a film to
//! one (`/play`, `/pause`, `/resume`, `/seek`, `/stop`). Its status is in
//! `renderer_status`, the volume and the command budget in `renderer_control`, TVs
//! registered by location in `renderer_locations`. See [`crate::dlna::renderers`].

use std::net::IpAddr;
use std::time::Duration;

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::blocking;
use super::gate::{Caller, CallerAt};
use super::renderer_control::count_command;
use crate::accounts::Principal;
use crate::app::App;
use crate::dlna::didl;
use crate::dlna::renderers::avt::{format_time, AvTransport, CallError};
use crate::dlna::renderers::status::EndReason;
use crate::dlna::renderers::{push, Renderer};
use crate::dlna::ssdp::net::local_toward;
use crate::error::{AppError, Code};
use crate::plays::Actor;
use crate::records::Source;

/// A TV that takes longer than this to answer a command is "too slow".
const SOAP_TIMEOUT: Duration = Duration::from_secs(8);
/// How long a best-effort `Stop` (after a failed push) is waited for.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Deserialize)]
pub struct StationQuery {
    #[serde(default)]
    station: Option<String>,
}

/// The station a renderer request is for: a device's own; a signed-in user's choice.
pub(super) async fn station_of(
    app: &Arc<App>,
    who: &Principal,
    asked: Option<String>,
) -> Result<String, AppError> {
    match (who, asked) {
        (Principal::Device { station, .. }, None) => Ok(station.clone()),
        (Principal::Device { station, .. }, Some(s)) if &s == station => Ok(s),
        (Principal::Device { .. }, Some(_)) => Err(AppError::Forbidden),
        (Principal::User { .. }, Some(s)) => {
            let id = s.clone();
            blocking(app, move |app| app.stations.require(&id)).await?;
            Ok(s)
        }
        (Principal::User { .. }, None) => Err(AppError::BadRequest(
            "请指定站点（?station=，which station's TVs）".into(),
        )),
        (Principal::Anonymous, _) => Err(AppError::Forbidden),
    }
}

/// `GET /api/v1/renderers` → `[{"id", "name", "address", "last_seen", "last_used",
/// "present", "location"?}]`, those present first.
pub async fn list(
    app: web::Data<App>,
    Caller(who): Caller,
    query: web::Query<StationQuery>,
) -> Result<HttpResponse, AppError> {
    let station = station_of(&app, &who, query.into_inner().station).await?;
    // The office sees every TV the station has had; a phone only those it can push to now.
    let absent = matches!(who, Principal::User { .. });
    let list = blocking(&app, move |app| {
        app.dlna
            .renderers
            .listing(&station, absent)
            .map_err(AppError::RendererStore)
    })
    .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The renderer `id` if the caller may drive it: a device only its own station's; office
/// staff any station's. A renderer at no station's address cannot be pushed to.
pub(super) async fn renderer_for(
    app: &Arc<App>,
    who: &Principal,
    id: &str,
) -> Result<Renderer, AppError> {
    let not_found = AppError::NotFound { what: "电视" };
    let r = app.dlna.renderers.get(id).ok_or(not_found)?;
    let Some(station) = r.station_id.clone() else {
        return Err(AppError::Refused {
            code: Code::NoStation,
            message: "这台电视的地址没有登记到任何站点，请先在乡电教站登记（the TV's address is not registered to a station）".into(),
        });
    };
    match who {
        Principal::Device { station: own, .. } if *own == station => Ok(r),
        Principal::Device { .. } => Err(AppError::NotFound { what: "电视" }),
        Principal::User { .. } => Ok(r),
        Principal::Anonymous => Err(AppError::Forbidden),
    }
}

pub(super) fn transport(r: &Renderer) -> AvTransport {
    AvTransport {
        client: crate::dlna::renderers::client(),
        control_url: r.av_transport.clone(),
        timeout: SOAP_TIMEOUT,
    }
}

/// `POST /api/v1/renderers/{id}/play`.
#[derive(Deserialize)]
pub struct PlayBody {
    film_id: String,
    #[serde(default)]
    position_s: Option<f64>,
}

/// What the TV is told to play: the URI of the film's first `res` (`tv.mp4`, else the
/// original) and its DIDL-Lite metadata.
fn what_to_play(app: &App, film_id: &str, base: &str) -> Result<(String, String), AppError> {
    let snapshot = app.dlna.tree.current(&app.catalog, &app.preparation)?;
    let index = *snapshot.by_id.get(film_id).ok_or(AppError::NotFound {
        what: "可播放的影片",
    })?;
    let mut item = snapshot.item(index, &snapshot.home_of(index));
    item.res.truncate(1);
    let res = item.res.first().ok_or(AppError::NotReady)?;
    let uri = format!("{base}{}", res.path);
    let metadata = didl::document(&[didl::Object::Item(item)], base);
    Ok((uri, metadata))
}

/// Pushes a film → `201 {"play_id"}`: the TV is told to play it, then the play is logged
/// (`source: dlna_push`) and polled. Nothing is logged when the TV refuses.
pub async fn play(
    app: web::Data<App>,
    req: HttpRequest,
    Caller(who): Caller,
    id: web::Path<String>,
    body: web::Json<PlayBody>,
) -> Result<HttpResponse, AppError> {
    let r = renderer_for(&app, &who, &id).await?;
    let body = body.into_inner();
    let position_s = body.position_s.unwrap_or(0.0);
    if !position_s.is_finite() || position_s < 0.0 {
        return Err(AppError::Refused {
            code: Code::Invalid,
            message: "开始位置必须是不小于 0 的秒数（position_s must be a number of seconds ≥ 0）"
                .into(),
        });
    }
    let port = req.app_config().local_addr().port();
    let local = local_toward(r.address)
        .ok_or_else(|| AppError::Renderer(CallError::Unreachable("no route to the TV".into())))?;
    let base = format!("http://{local}:{port}");
    let film = body.film_id.clone();
    let (uri, metadata) = blocking(&app, move |app| what_to_play(app, &film, &base)).await?;
    let avt = transport(&r);
    if let Some(old) = app.dlna.pushes.take(&r.id) {
        let (at, why) = (old.live.position_s, EndReason::Replaced);
        app.dlna
            .pushes
            .finish(&r.id, &app.plays, &old, at, why)
            .await;
    }
    if let Err(e) = tell_tv(&avt, &uri, &metadata, position_s).await {
        if matches!(e, CallError::Slow) {
            stop_best_effort(&avt).await;
        }
        return Err(e.into());
    }
    let client = IpAddr::V4(r.address);
    let asked = match &who {
        Principal::User { .. } => r.station_id.clone(),
        _ => None,
    };
    let (who2, film) = (who.clone(), body.film_id.clone());
    let started = blocking(&app, move |app| {
        let actor = Actor {
            who: &who2,
            client: Some(client),
        };
        app.plays
            .start_from(&film, actor, asked.as_deref(), position_s, Source::DlnaPush)
    })
    .await;
    let play = match started {
        Ok(p) => p,
        Err(e) => {
            stop_best_effort(&avt).await;
            return Err(e);
        }
    };
    let used = r.clone();
    let _ = blocking(&app, move |app| {
        app.dlna.renderers.used(&used);
        Ok::<_, AppError>(())
    })
    .await;
    let session = push::Session::new(&play, who, client, avt);
    let polling = polling(&app);
    app.dlna
        .pushes
        .begin(&r.id, session, app.plays.clone(), polling);
    Ok(HttpResponse::Created().json(json!({ "play_id": play.id })))
}

/// Tells the TV to play `uri`: `Stop` first when it is busy, `SetAVTransportURI` (again
/// with empty metadata when it refuses the metadata), `Play`, and `Seek` to `position_s`.
async fn tell_tv(
    avt: &AvTransport,
    uri: &str,
    metadata: &str,
    position_s: f64,
) -> Result<(), CallError> {
    if !avt.transport_info().await?.idle() {
        avt.call("Stop", &[]).await?;
    }
    let set = avt
        .call(
            "SetAVTransportURI",
            &[("CurrentURI", uri), ("CurrentURIMetaData", metadata)],
        )
        .await;
    if let Err(CallError::Fault(code)) = set {
        tracing::info!(control = %avt.control_url, code, "the TV refused the metadata; trying without");
        avt.call(
            "SetAVTransportURI",
            &[("CurrentURI", uri), ("CurrentURIMetaData", "")],
        )
        .await?;
    } else {
        set?;
    }
    avt.call("Play", &[("Speed", "1")]).await?;
    if position_s > 0.0 {
        let target = format_time(position_s);
        let _ = avt
            .call("Seek", &[("Unit", "REL_TIME"), ("Target", &target)])
            .await;
    }
    Ok(())
}

/// A TV that answered too slowly may still start playing later: it is told to stop, without
/// waiting long for that answer either.
async fn stop_best_effort(avt: &AvTransport) {
    let quick = AvTransport {
        timeout: STOP_TIMEOUT,
        ..avt.clone()
    };
    if let Err(e) = quick.call("Stop", &[]).await {
        tracing::info!(control = %avt.control_url, error = %e, "the TV did not take a Stop after a failed push");
    }
}

/// How pushed plays are polled, from the settings.
pub(super) fn polling(app: &App) -> push::Polling {
    push::Polling {
        every: Duration::from_secs(app.settings.dlna_push_poll_secs.max(1)),
        grace: Duration::from_secs(app.settings.dlna_push_grace_secs.max(2)),
    }
}

/// The renderer's current pushed play, for transport control.
async fn current(app: &Arc<App>, who: &Principal, id: &str) -> Result<push::Session, AppError> {
    let r = renderer_for(app, who, id).await?;
    app.dlna.pushes.current(&r.id).ok_or(AppError::Refused {
        code: Code::NothingPushed,
        message: "这台电视上没有正在推送播放的影片（nothing pushed is playing on this TV）".into(),
    })
}

/// `POST /api/v1/renderers/{id}/pause`.
pub async fn pause(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let s = current(&app, &who, &id).await?;
    count_command(&app, &who, client)?;
    s.avt.call("Pause", &[]).await?;
    Ok(HttpResponse::Ok().json(json!({ "play_id": s.play_id })))
}

/// `POST /api/v1/renderers/{id}/resume`.
pub async fn resume(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let s = current(&app, &who, &id).await?;
    count_command(&app, &who, client)?;
    s.avt.call("Play", &[("Speed", "1")]).await?;
    Ok(HttpResponse::Ok().json(json!({ "play_id": s.play_id })))
}

#[derive(Deserialize)]
pub struct SeekBody {
    position_s: f64,
}

/// `POST /api/v1/renderers/{id}/seek {"position_s"}` (REL_TIME).
pub async fn seek(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
    body: web::Json<SeekBody>,
) -> Result<HttpResponse, AppError> {
    let s = current(&app, &who, &id).await?;
    count_command(&app, &who, client)?;
    let p = body.position_s;
    if !p.is_finite() || p < 0.0 || s.duration_s.is_some_and(|d| p > d) {
        return Err(AppError::Refused {
            code: Code::Invalid,
            message: "跳转的位置不在影片之内（the position is outside the film）".into(),
        });
    }
    s.avt
        .call("Seek", &[("Unit", "REL_TIME"), ("Target", &format_time(p))])
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "play_id": s.play_id })))
}

/// `POST /api/v1/renderers/{id}/stop`: the TV stops, and the play ends at its last position.
pub async fn stop(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let s = current(&app, &who, &id).await?;
    count_command(&app, &who, client)?;
    let at = match s.avt.position().await {
        Ok(Some(p)) => Some(p),
        _ => s.live.position_s,
    };
    let stopped = s.avt.call("Stop", &[]).await;
    if let Some(s) = app.dlna.pushes.take(&id) {
        let why = EndReason::Stopped;
        app.dlna.pushes.finish(&id, &app.plays, &s, at, why).await;
    }
    stopped?;
    Ok(HttpResponse::Ok().json(json!({ "play_id": s.play_id })))
}

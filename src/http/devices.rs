//! Paired TVs and phones, and registered addresses:
//! `POST /api/v1/stations/{id}/pairing-codes` (admin makes a code),
//! `GET /api/v1/stations/{id}/pairing-codes/{code}/qr.svg` (that code as a QR code for a phone),
//! `POST /api/v1/devices/pair` (a TV or phone enters it and gets the `dj_device` cookie),
//! `GET /api/v1/stations/{id}/devices`, `DELETE /api/v1/stations/{id}/devices/{device_id}`,
//! `GET /api/v1/device` (a paired TV asks who it is: its station and the roster to sign in
//! from), `GET /api/v1/devices/pairing-status` (is pairing paused after too many wrong
//! codes: the admin page says so), and `POST/GET /api/v1/stations/{id}/addresses`,
//! `DELETE /api/v1/stations/{id}/addresses/{address}` for TVs that cannot pair (DLNA).

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::blocking;
use super::client::{from_trusted_proxy, requested_host};
use super::dto::PairingStatusDto;
use super::gate::{client_ip, Caller, DEVICE_COOKIE};
use crate::accounts::Principal;
use crate::app::App;
use crate::error::AppError;
use crate::stations::{parse_address, DeviceKind};

/// The `dj_device` cookie for `token`: it lives as long as the token may stay unused (the
/// server refuses the token after that anyway); renewed when the TV uses it, about daily.
pub fn device_cookie(token: String, idle: std::time::Duration) -> Cookie<'static> {
    let secs = i64::try_from(idle.as_secs()).unwrap_or(i64::MAX);
    Cookie::build(DEVICE_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(secs))
        .finish()
}

/// `POST /api/v1/devices/pair`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairBody {
    /// The 6 digits shown in the admin UI.
    pub code: String,
    /// An optional name for the admin's list (e.g. 「村委会电视」).
    #[serde(default)]
    pub name: Option<String>,
    /// `tv` (the default) or `phone` (the broadcaster's phone).
    #[serde(default)]
    pub kind: DeviceKind,
}

/// `POST /api/v1/stations/{id}/addresses`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    pub address: String,
}

/// Makes a 6-digit pairing code: `201 {"code","expires_at","station_id"}`.
pub async fn make_code(
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = blocking(&app, move |app| app.stations.make_pairing_code(&id)).await?;
    Ok(HttpResponse::Created().json(json!({
        "code": code.code, "expires_at": code.expires_at, "station_id": code.station_id,
    })))
}

/// Pairs the calling TV or phone: sets the `dj_device` cookie, answers
/// `200 {"station_id","station_name","device_id","kind"}`. Wrong, expired or used codes get one
/// and the same 422; after too many wrong codes from one address, or from all addresses
/// this hour (pairing paused), 429 with `Retry-After` and a sentence saying which.
pub async fn pair(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Json<PairBody>,
) -> Result<HttpResponse, AppError> {
    let client = client_ip(&req, &app.settings.trusted_proxies);
    let PairBody { code, name, kind } = body.into_inner();
    let paired = blocking(&app, move |app| {
        app.stations.pair_as(&code, client, name.as_deref(), kind)
    })
    .await?;
    tracing::info!(station = %paired.station.code, device = %paired.device.device_id, ?kind, "device paired");
    let cookie = device_cookie(paired.token, app.settings.device_idle());
    Ok(HttpResponse::Ok().cookie(cookie).json(json!({
        "station_id": paired.station.id,
        "station_name": paired.station.name,
        "device_id": paired.device.device_id,
        "kind": paired.device.kind,
    })))
}

/// `GET /api/v1/stations/{id}/pairing-codes/{code}/qr.svg`: a live code of that station as
/// a QR code of `<origin>/m/?code=NNNNNN`, so a phone's camera opens the phone page with
/// the code filled in. The origin is the one the office is using (its `Host`, which the
/// Host allow-list has already accepted). Any other code: 404.
pub async fn pairing_qr(
    app: web::Data<App>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, code) = path.into_inner();
    let live = blocking(&app, move |app| app.stations.live_code(&id, &code)).await?;
    let live = live.ok_or(AppError::NotFound {
        what: "有效的配对码（no such live pairing code）",
    })?;
    let url = format!("{}/m/?code={}", origin(&req, &app), live.code);
    let svg = super::qr::svg(&url)
        .ok_or_else(|| AppError::BadRequest("无法生成二维码（cannot make the QR code）".into()))?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-content-type-options", "nosniff"))
        .body(svg))
}

/// `scheme://host[:port]` the caller is using: the `Host` it sent (already on the allow-list)
/// and the scheme (forwarded by a trusted proxy, else plain HTTP); the listen address when
/// the request named no host.
fn origin(req: &HttpRequest, app: &App) -> String {
    let proxies = &app.settings.trusted_proxies;
    let host = requested_host(req, proxies)
        .filter(|h| !h.is_empty() && !h.contains(['/', '"', '<', '>', ' ', '@', '?', '#']))
        .unwrap_or_else(|| req.app_config().local_addr().to_string());
    let scheme = if from_trusted_proxy(req, proxies) && req.connection_info().scheme() == "https" {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// `{"paused", "paused_until", "wrong_codes", "max_wrong_per_hour", "message"}`: whether
/// pairing is paused for everyone, until when and why (`message`, a sentence, when paused).
pub async fn pairing_status(app: web::Data<App>) -> HttpResponse {
    let status = app.stations.pairing_status();
    let message = status.paused.then(|| {
        format!(
            "电视配对已暂停：这一小时内全站输入错误的配对码达到 {} 次（可能有人在猜配对码），到 {} 自动恢复（pairing is paused: too many wrong codes this hour）",
            status.max_wrong_per_hour,
            status.paused_until.as_deref().unwrap_or("一小时后"),
        )
    });
    HttpResponse::Ok().json(PairingStatusDto { status, message })
}

/// The TVs paired to a station (never their tokens).
pub async fn list(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let all = blocking(&app, move |app| app.stations.devices(&id)).await?;
    Ok(HttpResponse::Ok().json(json!({ "total": all.len(), "items": all })))
}

/// Revokes a paired TV; its cookie then counts for nothing.
pub async fn revoke(
    app: web::Data<App>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, device_id) = path.into_inner();
    let device = blocking(&app, move |app| -> Result<_, AppError> {
        let device = app.stations.revoke_device(&id, &device_id)?;
        // What it was playing ends now: a revoked TV reports nothing more.
        app.plays.end_device_plays(&device.device_id)?;
        Ok(device)
    })
    .await?;
    Ok(HttpResponse::Ok().json(device))
}

/// For a paired TV: `{"station", "members", "device"}` (the roster is the sign-in list).
/// Anyone else is not a paired TV: 404 `not_found` (a signed-in clerk, or an anonymous
/// viewer where they are allowed) or 401 (anonymous viewers switched off), so the TV UI
/// shows its pairing screen.
pub async fn this_device(
    app: web::Data<App>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let Principal::Device { station, .. } = caller.0 else {
        return Err(AppError::NotFound {
            what: "已配对的电视（this client is not a paired TV）",
        });
    };
    // The gate found the station by this cookie; read it again for the device record.
    let token = req.cookie(DEVICE_COOKIE).map(|c| c.value().to_owned());
    let (station, members, device) = blocking(&app, move |app| -> Result<_, AppError> {
        let s = app.stations.require(&station)?;
        let device = match token {
            Some(t) => app.stations.device(&t)?,
            None => None,
        };
        Ok((s, app.stations.members(&station)?, device))
    })
    .await?;
    Ok(
        HttpResponse::Ok()
            .json(json!({ "station": station, "members": members, "device": device })),
    )
}

/// Registers an address: `{"address"}` → 201 (200 when this station already had it).
pub async fn add_address(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<AddressBody>,
) -> Result<HttpResponse, AppError> {
    let ip = parse_address(&body.address)?;
    let (address, new) = blocking(&app, move |app| app.stations.add_address(&id, ip)).await?;
    let mut res = if new {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.json(address))
}

/// The addresses registered to a station.
pub async fn addresses(
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let all = blocking(&app, move |app| app.stations.addresses(&id)).await?;
    Ok(HttpResponse::Ok().json(json!({ "total": all.len(), "items": all })))
}

/// Takes an address off a station.
pub async fn remove_address(
    app: web::Data<App>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, address) = path.into_inner();
    let ip = parse_address(&address).map_err(|_| AppError::NotFound {
        what: "站点登记的地址",
    })?;
    let removed = blocking(&app, move |app| app.stations.remove_address(&id, ip)).await?;
    Ok(HttpResponse::Ok().json(removed))
}

//! The county routes (issue 18). At the county (`serve --county`): `GET
//! /api/v1/county/monthly?year=` (every township's points × months, also as `format=xlsx`
//! or `html`), `GET /api/v1/county/townships`, registering and confirming a township, and
//! the townships' signed `POST /api/v1/county/status` and `POST /api/v1/county/push`. At a
//! township: `GET /api/v1/ledger/key`, `POST /api/v1/county/send` (push now) and `GET
//! /api/v1/county/sender`. A route of the other mode answers 404.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::blocking;
use super::reports::{format_of, render, respond};
use crate::app::App;
use crate::county::auth::{self, Signed};
use crate::county::view::CountyYear;
use crate::county::{County, CountyError, Township};
use crate::error::{AppError, Code};
use crate::ledger::Entry;

/// The largest push body taken (a batch of entries), in bytes.
const MAX_PUSH_BYTES: usize = 8 << 20;

fn county(app: &App) -> Result<Arc<County>, AppError> {
    app.county
        .clone()
        .ok_or(AppError::NotFound { what: "页面" })
}

/// A township as the county lists it.
#[derive(Serialize)]
struct TownshipDto {
    id: String,
    name: String,
    key: String,
    fingerprint: String,
    /// `ok`, `refused` or `unconfirmed`.
    state: crate::county::TownshipState,
    last_verified_seq: Option<u64>,
    verified_len: u64,
    /// Why it was refused (with `refused_seq`, the first differing seq).
    reason: Option<String>,
    refused_seq: Option<u64>,
    registered_at: String,
    last_import_at: Option<String>,
}

impl From<Township> for TownshipDto {
    fn from(t: Township) -> TownshipDto {
        TownshipDto {
            last_verified_seq: t.last_verified_seq(),
            reason: t.refusal.as_ref().map(|r| r.reason.clone()),
            refused_seq: t.refusal.as_ref().map(|r| r.seq),
            id: t.id,
            name: t.name,
            key: t.key,
            fingerprint: t.fingerprint,
            state: t.state,
            verified_len: t.verified_len,
            registered_at: t.registered_at,
            last_import_at: t.last_import_at,
        }
    }
}

/// `GET /api/v1/county/townships`.
pub async fn townships(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let county = county(&app)?;
    let list = blocking(&app, move |_| county.list()).await?;
    let list: Vec<TownshipDto> = list.into_iter().map(TownshipDto::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "townships": list })))
}

#[derive(Deserialize)]
pub struct NewTownship {
    name: String,
    key: String,
}

/// `POST /api/v1/county/townships` `{"name", "key"}` → 201 with its fingerprint to confirm.
pub async fn register(
    app: web::Data<App>,
    body: web::Json<NewTownship>,
) -> Result<HttpResponse, AppError> {
    let county = county(&app)?;
    let body = body.into_inner();
    let t = blocking(&app, move |_| county.register(&body.name, &body.key)).await?;
    Ok(HttpResponse::Created().json(TownshipDto::from(t)))
}

#[derive(Deserialize)]
pub struct Confirm {
    fingerprint: String,
}

/// `POST /api/v1/county/townships/{id}/confirm` `{"fingerprint"}`.
pub async fn confirm(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<Confirm>,
) -> Result<HttpResponse, AppError> {
    let county = county(&app)?;
    let (id, fp) = (id.into_inner(), body.into_inner().fingerprint);
    let t = blocking(&app, move |_| county.confirm(&id, &fp)).await?;
    Ok(HttpResponse::Ok().json(TownshipDto::from(t)))
}

#[derive(Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
    format: Option<String>,
}

/// `GET /api/v1/county/monthly?year=` (and `format=xlsx|html`).
pub async fn monthly(
    app: web::Data<App>,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let county = county(&app)?;
    let format = format_of(query.format.as_deref())?;
    let year = query.year.ok_or_else(|| AppError::Refused {
        code: Code::Invalid,
        message: "请给出年份 year（year is required）".into(),
    })?;
    let days = app.days;
    let rendered = blocking(&app, move |_| {
        let view: Arc<CountyYear> = county.year(year, &days)?;
        render(view.as_ref(), format)
    })
    .await?;
    Ok(respond(rendered))
}

/// Reads a signed request's body and checks its signature: the township that sent it.
async fn signed(
    app: &web::Data<App>,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Arc<County>, Township, web::Bytes), AppError> {
    let county = county(app)?;
    let Ok(body) = payload.to_bytes_limited(MAX_PUSH_BYTES).await else {
        return Err(AppError::TooLarge {
            message: format!(
                "一次推送最多 {} MB（a push may carry at most {} MB: send smaller batches）",
                MAX_PUSH_BYTES >> 20,
                MAX_PUSH_BYTES >> 20
            ),
        });
    };
    let body = body.map_err(|e| AppError::BadRequest(format!("推送中断：{e}")))?;
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or(CountyError::BadSignature("a signature header is missing"))
    };
    let (key, time, nonce, signature) = (
        header(auth::KEY_HEADER)?,
        header(auth::TIME_HEADER)?,
        header(auth::NONCE_HEADER)?,
        header(auth::SIGNATURE_HEADER)?,
    );
    let (method, path) = (req.method().to_string(), req.path().to_owned());
    let window = app.settings.county_request_window_secs;
    let (c, b) = (county.clone(), body.clone());
    let township = blocking(app, move |_| {
        let signed = Signed {
            key: &key,
            time: &time,
            nonce: &nonce,
            signature: &signature,
        };
        c.authenticate(&signed, (&method, &path, &b), window)
    })
    .await?;
    Ok((county, township, body))
}

/// `POST /api/v1/county/status` (signed): what the county holds of the calling township.
pub async fn status(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (_, t, _) = signed(&app, &req, payload).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "township": t.id,
        "state": t.state,
        "verified_len": t.verified_len,
        "last_verified_seq": t.last_verified_seq(),
        "root": t.root,
        "refusal": t.refusal,
    })))
}

#[derive(Deserialize)]
struct Push {
    checkpoint: String,
    entries: Vec<Entry>,
}

/// `POST /api/v1/county/push` (signed) `{"checkpoint", "entries"}`: verified and merged, or
/// refused (409 `county_refused`, naming the seq); a batch past the county's end is 409
/// `county_gap`.
pub async fn push(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (county, t, body) = signed(&app, &req, payload).await?;
    let push: Push = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("推送内容不对：{e}")))?;
    let outcome = blocking(&app, move |_| -> Result<_, AppError> {
        let mut lines = Vec::with_capacity(body.len());
        for entry in &push.entries {
            serde_json::to_writer(&mut lines, entry).map_err(CountyError::from)?;
            lines.push(b'\n');
        }
        Ok(county.import(&t.id, &lines, &push.checkpoint)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(outcome))
}

/// `GET /api/v1/ledger/key`: this server's ledger public key and its fingerprint, to give
/// the county.
pub async fn ledger_key(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let key = app.ledger.public_key().ok_or(AppError::NotFound {
        what: "账本密钥"
    })?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "key": key.to_string(),
        "fingerprint": key.fingerprint(),
    })))
}

/// `POST /api/v1/county/send`: push new entries to the county now.
pub async fn send(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let sender = app.sender.clone().ok_or_else(no_county_url)?;
    let report = sender.push().await;
    Ok(HttpResponse::Ok().json(report))
}

/// `GET /api/v1/county/sender`: where pushes go, how often, and the last one's report.
pub async fn sender(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let key = app.ledger.public_key();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "county_url": app.sender.as_ref().map(|s| s.url()),
        "push_secs": app.settings.county_push_secs,
        "last": app.sender.as_ref().and_then(|s| s.last()),
        "key": key.as_ref().map(ToString::to_string),
        "fingerprint": key.as_ref().map(|k| k.fingerprint()),
    })))
}

fn no_county_url() -> AppError {
    AppError::Refused {
        code: Code::NoCountyUrl,
        message: "还没有设置县里服务器的地址 county_url（no county_url is set: ask the county for its address and set it）".into(),
    }
}

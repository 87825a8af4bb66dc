//! Pastoral field kits from the office: `GET /api/v1/kits` (kits made, and the folders a
//! kit may be written into), `POST /api/v1/kits` (make one in the background → 202 with its
//! progress), `GET /api/v1/kits/{id}` (progress), `POST /api/v1/kits/import` (a records
//! file exported by a kit's page → 201 with what was added, 200 when nothing was new).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::blocking;
use crate::app::App;
use crate::error::AppError;
use crate::kit::{FilmChoice, KitError, MakeRequest, Progress};

/// The office's request to make a kit.
#[derive(Deserialize)]
pub struct MakeBody {
    station_id: String,
    #[serde(default)]
    film_ids: Option<Vec<String>>,
    /// `YEAR-Qn`: the films of the station's plan for that quarter.
    #[serde(default)]
    plan: Option<String>,
    /// One of the folders `GET /api/v1/kits` lists.
    out_dir: String,
}

/// Kits made, newest first, and the folders the office may write into.
pub async fn list(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let list = blocking(&app, move |app| app.kits.list()).await?;
    let items: Vec<_> = list
        .into_iter()
        .map(|(m, folder)| {
            json!({
                "kit_id": m.kit_id, "station_id": m.station_id, "station_code": m.station_code,
                "station_name": m.station_name, "made_at": m.made_at, "valid_to": m.valid_to,
                "films": m.films.len(), "members": m.members.len(), "folder": folder,
            })
        })
        .collect();
    let dirs: Vec<String> = app
        .kits
        .out_dirs()
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "out_dirs": dirs, "kits": items })))
}

/// Starts making a kit → 202 with its first progress.
pub async fn make(
    app: web::Data<App>,
    body: web::Json<MakeBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let films = match (body.film_ids, body.plan.as_deref()) {
        (Some(ids), None) => FilmChoice::Films(ids),
        (None, Some(plan)) => FilmChoice::parse_plan(plan).ok_or_else(|| {
            KitError::Invalid("季度应写成 2026-Q3 这样（plan must look like 2026-Q3）".into())
        })?,
        _ => {
            return Err(KitError::Invalid(
                "请选择影片或一个季度的播放计划，二选一（give film_ids or plan, not both）".into(),
            )
            .into())
        }
    };
    let req = MakeRequest {
        station: body.station_id,
        films,
        out_dir: body.out_dir.into(),
    };
    let progress = blocking(&app, move |app| app.kits.start(req)).await?;
    Ok(HttpResponse::Accepted().json(progress))
}

/// How far a kit has got; a kit made earlier (or by the command line) is `done`.
pub async fn progress(
    app: web::Data<App>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Some(p) = app.kits.progress(&id) {
        return Ok(HttpResponse::Ok().json(p));
    }
    let id = id.into_inner();
    let stored = blocking(&app, move |app| {
        app.kits.get(&id).map(|s| s.map(|s| (id, s)))
    })
    .await?;
    let (kit_id, stored) = stored.ok_or(AppError::NotFound { what: "放映包" })?;
    Ok(HttpResponse::Ok().json(Progress {
        kit_id,
        state: "done",
        copied_bytes: 0,
        total_bytes: 0,
        folder: Some(stored.folder),
        error: None,
    }))
}

/// Imports a records file (the body, as the page saved it; `kit_import_max_bytes`).
pub async fn import(
    app: web::Data<App>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let max = app.settings.kit_import_max_bytes;
    let too_large = || AppError::TooLarge {
        message: format!(
            "记录文件太大，最多 {} MB（the records file is over {max} bytes）",
            max >> 20
        ),
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    let Ok(bytes) = payload.to_bytes_limited(limit).await else {
        return Err(too_large());
    };
    let bytes = bytes.map_err(|e| AppError::BadRequest(format!("记录文件上传中断：{e}")))?;
    // Parsing, hashing and fsync'd appends: off the async threads.
    let report = blocking(&app, move |app| app.kits.import(&bytes)).await?;
    let mut res = if report.added > 0 {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.json(report))
}

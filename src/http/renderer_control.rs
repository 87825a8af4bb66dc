//! Commands to a TV renderer beyond the transport: the volume
//! (`POST /api/v1/renderers/{id}/volume {"level"}`, RenderingControl `SetVolume`), and the
//! per-caller budget every command (pause, resume, seek, stop, volume) is counted in.

use std::net::IpAddr;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::gate::CallerAt;
use super::renderers::{renderer_for, transport};
use crate::accounts::Principal;
use crate::app::App;
use crate::dlna::renderers::avt::RENDERING_CONTROL;
use crate::error::{AppError, Code};

/// Counts one command from the caller: a paired phone by its device, anyone else by address;
/// 429 past `dlna_renderer_commands_per_minute`.
pub(super) fn count_command(
    app: &App,
    who: &Principal,
    client: Option<IpAddr>,
) -> Result<(), AppError> {
    let key = match (who, client) {
        (Principal::Device { device, .. }, _) => format!("device:{device}"),
        (_, Some(ip)) => format!("address:{ip}"),
        (_, None) => "address:?".to_owned(),
    };
    let per_minute = app.settings.dlna_renderer_commands_per_minute;
    app.dlna
        .pushes
        .commands
        .take(&key, per_minute)
        .map_err(|retry_after_secs| AppError::Limited {
            code: Code::TooManyCommands,
            message: format!("操作电视太频繁了（每分钟最多 {per_minute} 次），请 {retry_after_secs} 秒后再试（too many commands to the TV, try again shortly）"),
            retry_after_secs,
        })
}

#[derive(Deserialize)]
pub struct VolumeBody {
    level: f64,
}

/// `POST /api/v1/renderers/{id}/volume {"level": 0..100}` → `{"level"}`: the TV's master
/// volume, whether or not a pushed film plays.
pub async fn volume(
    app: web::Data<App>,
    CallerAt(who, client): CallerAt,
    id: web::Path<String>,
    body: web::Json<VolumeBody>,
) -> Result<HttpResponse, AppError> {
    let r = renderer_for(&app, &who, &id).await?;
    let level = body.level;
    if !(0.0..=100.0).contains(&level) || level.fract() != 0.0 {
        return Err(AppError::Refused {
            code: Code::Invalid,
            message: "音量要在 0 到 100 之间的整数（level must be a whole number from 0 to 100）"
                .into(),
        });
    }
    let Some(control) = r.rendering_control.clone() else {
        return Err(AppError::Refused {
            code: Code::NoVolume,
            message:
                "这台电视不让服务器调音量，请用电视遥控器调（the TV offers no volume control）"
                    .into(),
        });
    };
    count_command(&app, &who, client)?;
    let rc = crate::dlna::renderers::avt::AvTransport {
        control_url: control,
        ..transport(&r)
    };
    let level = format!("{}", level as u8);
    let args = [("Channel", "Master"), ("DesiredVolume", level.as_str())];
    rc.call_service(RENDERING_CONTROL, "SetVolume", &args)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "level": body.level as u8 })))
}

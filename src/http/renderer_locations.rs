//! TVs the renderer search cannot find (routed villages: a TV's renderer answers no search
//! from another subnet), registered by an admin with the location of their device
//! description: `POST /api/v1/stations/{id}/renderers {"location"}`.
//!
//! The server fetches only `http://` at an IPv4 address registered to that very station
//! (not any private address): the office has already said those addresses are the village's
//! TVs, so the route cannot be used to make the server probe other machines (the office's
//! own, the router, loopback). No redirects are followed, the fetch has a time-out and the
//! description a size cap (see [`crate::dlna::renderers::describe`]).

use std::net::IpAddr;

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::blocking;
use crate::app::App;
use crate::dlna::renderers::describe;
use crate::dlna::renderers::known::KnownError;
use crate::error::{AppError, Code};

#[derive(Deserialize)]
pub struct LocationBody {
    location: String,
}

/// `POST /api/v1/stations/{id}/renderers {"location": "http://IP:PORT/path.xml"}` → `201`
/// (`200` when the station had it already) with the renderer as the list shows it.
pub async fn add(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<LocationBody>,
) -> Result<HttpResponse, AppError> {
    let station = id.into_inner();
    let location = body.into_inner().location;
    let (url, ip) = describe::registrable(&location).map_err(|_| AppError::Refused {
        code: Code::Invalid,
        message: "电视的设备说明地址要写成 http://IP地址:端口/路径 的样子，例如 http://192.168.1.20:49152/description.xml（the location must be http://IP:PORT/path）".into(),
    })?;
    let s2 = station.clone();
    let owner = blocking(&app, move |app| -> Result<_, AppError> {
        app.stations.require(&s2)?;
        Ok(app.stations.station_for_address(IpAddr::V4(ip))?)
    })
    .await?;
    if owner.as_deref() != Some(station.as_str()) {
        return Err(AppError::Refused {
            code: Code::AddressNotRegistered,
            message: format!("{ip} 没有登记为这个站点的地址，请先在站点的“地址”里登记电视的 IP 地址（the address is not registered to this station）"),
        });
    }
    let client = crate::dlna::renderers::client();
    let d = describe::fetch(&client, &url)
        .await
        .map_err(|why| AppError::Refused {
            code: Code::RendererDescription,
            message: format!("没能从这个地址读到电视的设备说明，请确认电视已打开、地址和端口正确（the TV's description could not be read: {why}）"),
        })?;
    let (s3, loc) = (station.clone(), url.to_string());
    let new = blocking(&app, move |app| {
        let Some(known) = app.dlna.renderers.known() else {
            return Ok(true);
        };
        known.add_location(&s3, &loc).map_err(|e| match e {
            KnownError::Full => AppError::Refused {
                code: Code::TooManyRenderers,
                message: format!("这个站点登记的电视已经有 {} 台，不能再多了（too many TVs registered to this station）", crate::dlna::renderers::known::MAX_PER_STATION),
            },
            other => AppError::RendererStore(other),
        })
    })
    .await?;
    let r = app
        .dlna
        .renderers
        .remember(d, ip, Some(station), Some(url.to_string()));
    let mut res = if new {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(res.json(r))
}

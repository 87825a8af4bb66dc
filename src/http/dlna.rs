//! The DLNA MediaServer's HTTP side (see [`crate::dlna`]): the device description, the
//! SCPDs and icons, SOAP control of ContentDirectory, ConnectionManager and the registrar,
//! and 501 to event subscriptions (no eventing, so no callback a caller could aim elsewhere:
//! CallStranger). The routes are open to anonymous LAN callers only while `dlna` is on (the
//! gate answers 404 otherwise); the Host allow-list still applies to them.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

use super::blocking;
use super::client::{client_ip, requested_host};
use crate::app::App;
use crate::dlna::control::{self, Caller, Service};
use crate::dlna::description::{self, ICONS};
use crate::dlna::soap::{self, Fault, Refused, MAX_BODY};
use crate::error::AppError;

const XML: &str = "text/xml; charset=\"utf-8\"";

/// `GET /dlna/description.xml`.
pub async fn device(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let name = crate::dlna::friendly_name(&app.settings);
    let udn = blocking(&app, move |app| app.dlna.uuid(&app.settings.data)).await?;
    Ok(xml(description::device(&name, &udn)))
}

/// `GET /dlna/cds.xml`.
pub async fn cds_scpd() -> HttpResponse {
    xml(description::CDS_SCPD.as_bytes().to_vec())
}

/// `GET /dlna/cm.xml`.
pub async fn cm_scpd() -> HttpResponse {
    xml(description::CM_SCPD.as_bytes().to_vec())
}

/// `GET /dlna/mrr.xml`.
pub async fn mrr_scpd() -> HttpResponse {
    xml(description::MRR_SCPD.as_bytes().to_vec())
}

/// `GET /dlna/icons/{icon}`: one of the four device icons.
pub async fn icon(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (_, mime, _, bytes) = ICONS
        .iter()
        .find(|(file, ..)| *file == name.as_str())
        .ok_or(AppError::NotFound { what: "图标" })?;
    Ok(HttpResponse::Ok()
        .content_type(*mime)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(*bytes))
}

/// `SUBSCRIBE` / `UNSUBSCRIBE` on an event URL: 501, nothing is ever sent to a callback.
pub async fn no_eventing() -> HttpResponse {
    HttpResponse::NotImplemented().finish()
}

/// `POST /dlna/cds/control`.
pub async fn cds_control(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    control(app, req, body, Service::ContentDirectory).await
}

/// `POST /dlna/cm/control`.
pub async fn cm_control(app: web::Data<App>, req: HttpRequest, body: web::Payload) -> HttpResponse {
    control(app, req, body, Service::ConnectionManager).await
}

/// `POST /dlna/mrr/control`.
pub async fn mrr_control(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    control(app, req, body, Service::Registrar).await
}

/// Reads at most [`MAX_BODY`] bytes, parses the action and answers it or a UPnP fault.
async fn control(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Payload,
    service: Service,
) -> HttpResponse {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return HttpResponse::PayloadTooLarge().finish();
    }
    let bytes = match body.to_bytes_limited(MAX_BODY).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return HttpResponse::BadRequest().finish(),
        Err(_) => return HttpResponse::PayloadTooLarge().finish(),
    };
    let soap_action = req
        .headers()
        .get("soapaction")
        .and_then(|v| v.to_str().ok());
    let action = match soap::parse(&bytes, soap_action) {
        Ok(a) => a,
        // A DTD is never parsed: refused as a bad request, with a fault a client can read.
        Err(Refused::Dtd) => return fault(StatusCode::BAD_REQUEST, Fault::InvalidArgs),
        Err(Refused::Malformed) => {
            return fault(StatusCode::INTERNAL_SERVER_ERROR, Fault::InvalidAction)
        }
    };
    let caller = Caller {
        address: client_ip(&req, &app.settings.trusted_proxies),
        base: base_url(&req, &app),
    };
    let name = action.name.clone();
    let app = app.into_inner();
    let answer =
        tokio::task::spawn_blocking(move || control::call(&app, service, &action, &caller))
            .await
            .unwrap_or(Err(Fault::CannotProcess));
    match answer {
        Ok(outputs) => {
            let outputs: Vec<(&str, &str)> =
                outputs.iter().map(|(n, v)| (*n, v.as_str())).collect();
            xml(soap::response(service.urn(), &name, &outputs))
        }
        Err(f) => fault(StatusCode::INTERNAL_SERVER_ERROR, f),
    }
}

/// `http://host[:port]` as the caller asked for it (the Host allow-list already passed it),
/// else the listen address.
fn base_url(req: &HttpRequest, app: &App) -> String {
    let host = requested_host(req, &app.settings.trusted_proxies)
        .filter(|h| !h.is_empty() && !h.contains(['/', '"', '<', '>', ' ', '@']))
        .or_else(|| {
            let local = req.app_config().local_addr();
            Some(local.to_string())
        })
        .unwrap_or_default();
    format!("http://{host}")
}

fn xml(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(XML)
        .insert_header(("EXT", ""))
        .body(body)
}

fn fault(status: StatusCode, f: Fault) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(XML)
        .body(soap::fault(f))
}

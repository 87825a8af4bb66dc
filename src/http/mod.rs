//! The HTTP layer: the only place that imports actix-web. One file per resource, thin
//! handlers that parse, call one domain method and convert to a DTO.

pub mod client;
pub mod dto;
pub mod gate;
pub mod host;
pub mod routes;

mod body;
mod catalog_edit;
mod county;
mod devices;
mod dlna;
mod doctor;
mod entries;
mod file_body;
mod films;
mod health;
mod jit;
mod kits;
mod ledger;
mod library;
mod media_files;
mod observe;
mod pages;
mod photos;
mod plays;
mod preparation;
pub mod qr;
mod renderer_control;
mod renderer_locations;
mod renderer_status;
mod renderers;
mod renditions;
mod reports;
mod serve;
mod session;
mod stations;
mod thumbs;
mod tv;
mod uploads;
mod users;

use std::net::TcpListener;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders, Next};
use actix_web::{body::MessageBody, dev::ServiceRequest, dev::ServiceResponse};
use actix_web::{web, App as ActixApp, HttpResponse, HttpServer};

use crate::app::App;
use crate::error::AppError;

/// Runs blocking domain work (sled, tantivy, argon2) off the async threads, with the app:
/// `blocking(&app, move |app| app.stations.list())`. The closure's error is any that has a
/// row in the error table (`Into<AppError>`).
pub(crate) async fn blocking<T, E, F>(app: &Arc<App>, f: F) -> Result<T, AppError>
where
    F: FnOnce(&App) -> Result<T, E> + Send + 'static,
    E: Into<AppError>,
    T: Send + 'static,
{
    let app = Arc::clone(app);
    tokio::task::spawn_blocking(move || f(&app).map_err(Into::into)).await?
}

/// Builds the HTTP server on an already bound listener.
pub fn server(app: Arc<App>, listener: TcpListener) -> std::io::Result<Server> {
    app.plays.start_sweeper();
    app.uploads.start_sweeper();
    app.jit.keep_spare();
    let hosts = Arc::new(host::HostAllowList::new(&app.settings));
    let data = web::Data::from(app);
    let server =
        HttpServer::new(move || {
            let hosts = hosts.clone();
            ActixApp::new()
                .app_data(data.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(64 * 1024)
                        .error_handler(|err, _| {
                            AppError::BadRequest(format!("JSON 格式不对：{err}")).into()
                        }),
                )
                .app_data(web::QueryConfig::default().error_handler(|err, _| {
                    AppError::BadRequest(format!("参数不对：{err}")).into()
                }))
                .wrap(from_fn(uploads::tus_header))
                .wrap(from_fn(move |req, next| {
                    host::host_gate(hosts.clone(), req, next)
                }))
                // Outside the host gate: a refused request's unread body must not hold the
                // connection either.
                .wrap(from_fn(body::body_timeout))
                .wrap(from_fn(count_requests))
                .wrap(
                    DefaultHeaders::new()
                        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                        .add((header::REFERRER_POLICY, "same-origin")),
                )
                .configure(routes::configure)
                .default_service(web::to(not_found))
        })
        .listen(listener)?
        .run();
    Ok(server)
}

async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound { what: "页面" })
}

async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<App>>().map(|a| a.metrics.clone());
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        m.http_requests.fetch_add(1, Ordering::Relaxed);
        if res.status().is_server_error() {
            m.http_errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(res)
}

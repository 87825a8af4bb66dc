//! The DLNA part of the route table: the MediaServer a village TV browses (open to anyone
//! while `dlna` is on) and the routes that push films to a TV's own renderer.

use actix_web::http::Method;
use actix_web::web;

use super::super::{dlna, renderer_control, renderer_locations, renderer_status, renderers};
use super::{def, Access, RouteDef};
use crate::dlna::{
    CDS_CONTROL_PATH, CDS_EVENT_PATH, CDS_SCPD_PATH, CM_CONTROL_PATH, CM_EVENT_PATH, CM_SCPD_PATH,
    DESCRIPTION_PATH, MRR_CONTROL_PATH, MRR_EVENT_PATH, MRR_SCPD_PATH,
};

/// TV renderers (DLNA push): a station's device, or office staff with `?station=`; an admin
/// adds a routed village's TV by its description address.
pub(super) fn renderer_routes() -> Vec<RouteDef> {
    use Access::*;
    vec![
        def(Method::GET, "/api/v1/renderers", Viewer, || {
            web::route().to(renderers::list)
        }),
        def(Method::POST, "/api/v1/renderers/{id}/play", Viewer, || {
            web::route().to(renderers::play)
        }),
        def(Method::POST, "/api/v1/renderers/{id}/pause", Viewer, || {
            web::route().to(renderers::pause)
        }),
        def(
            Method::POST,
            "/api/v1/renderers/{id}/resume",
            Viewer,
            || web::route().to(renderers::resume),
        ),
        def(Method::POST, "/api/v1/renderers/{id}/seek", Viewer, || {
            web::route().to(renderers::seek)
        }),
        def(Method::POST, "/api/v1/renderers/{id}/stop", Viewer, || {
            web::route().to(renderers::stop)
        }),
        def(Method::GET, "/api/v1/renderers/{id}/status", Viewer, || {
            web::route().to(renderer_status::status)
        }),
        def(
            Method::POST,
            "/api/v1/renderers/{id}/volume",
            Viewer,
            || web::route().to(renderer_control::volume),
        ),
        def(
            Method::POST,
            "/api/v1/stations/{id}/renderers",
            Admin,
            || web::route().to(renderer_locations::add),
        ),
    ]
}

/// UPnP's event subscription methods (GENA).
fn gena(name: &'static str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("an HTTP token")
}

/// The DLNA MediaServer's routes (see [`dlna`]): open to anyone while `dlna` is on.
pub(super) fn dlna_routes() -> Vec<RouteDef> {
    let mut routes = vec![
        def(Method::GET, DESCRIPTION_PATH, Access::Dlna, || {
            web::route().to(dlna::device)
        }),
        def(Method::GET, CDS_SCPD_PATH, Access::Dlna, || {
            web::route().to(dlna::cds_scpd)
        }),
        def(Method::GET, CM_SCPD_PATH, Access::Dlna, || {
            web::route().to(dlna::cm_scpd)
        }),
        def(Method::GET, MRR_SCPD_PATH, Access::Dlna, || {
            web::route().to(dlna::mrr_scpd)
        }),
        def(Method::GET, "/dlna/icons/{icon}", Access::Dlna, || {
            web::route().to(dlna::icon)
        }),
        def(Method::POST, CDS_CONTROL_PATH, Access::Dlna, || {
            web::route().to(dlna::cds_control)
        }),
        def(Method::POST, CM_CONTROL_PATH, Access::Dlna, || {
            web::route().to(dlna::cm_control)
        }),
        def(Method::POST, MRR_CONTROL_PATH, Access::Dlna, || {
            web::route().to(dlna::mrr_control)
        }),
    ];
    for path in [CDS_EVENT_PATH, CM_EVENT_PATH, MRR_EVENT_PATH] {
        for method in ["SUBSCRIBE", "UNSUBSCRIBE"] {
            routes.push(def(gena(method), path, Access::Dlna, || {
                web::route().to(dlna::no_eventing)
            }));
        }
    }
    routes
}

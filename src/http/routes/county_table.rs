//! The part of the route table that carries records beyond the township's LAN: pastoral
//! field kits (films out on a stick, records back) and the county (issue 18).

use actix_web::http::Method;
use actix_web::web;

use super::{def, Access, RouteDef};

/// Pastoral field kits (src/kit): make one, follow its progress, import its records.
pub(super) fn kit_routes() -> Vec<RouteDef> {
    use Access::*;
    vec![
        def(Method::GET, "/api/v1/kits", Clerk, || {
            web::route().to(super::super::kits::list)
        }),
        def(Method::POST, "/api/v1/kits", Clerk, || {
            web::route().to(super::super::kits::make)
        }),
        def(Method::GET, "/api/v1/kits/{id}", Clerk, || {
            web::route().to(super::super::kits::progress)
        }),
        def(Method::POST, "/api/v1/kits/import", Clerk, || {
            web::route().to(super::super::kits::import)
        }),
    ]
}

/// The county's routes (issue 18): at the county, its dashboard, townships and the signed
/// pushes (`Public`: a township proves itself by its key's signature, not a session); at a
/// township, its key and the sender. Each answers 404 in the other mode.
pub(super) fn county_routes() -> Vec<RouteDef> {
    use super::super::county;
    use Access::*;
    vec![
        def(Method::GET, "/api/v1/county/monthly", Clerk, || {
            web::route().to(county::monthly)
        }),
        def(Method::GET, "/api/v1/county/townships", Clerk, || {
            web::route().to(county::townships)
        }),
        def(Method::POST, "/api/v1/county/townships", Admin, || {
            web::route().to(county::register)
        }),
        def(
            Method::POST,
            "/api/v1/county/townships/{id}/confirm",
            Admin,
            || web::route().to(county::confirm),
        ),
        def(Method::POST, "/api/v1/county/status", Public, || {
            web::route().to(county::status)
        }),
        def(Method::POST, "/api/v1/county/push", Public, || {
            web::route().to(county::push)
        }),
        def(Method::GET, "/api/v1/ledger/key", Clerk, || {
            web::route().to(county::ledger_key)
        }),
        def(Method::POST, "/api/v1/county/send", Clerk, || {
            web::route().to(county::send)
        }),
        def(Method::GET, "/api/v1/county/sender", Clerk, || {
            web::route().to(county::sender)
        }),
    ]
}

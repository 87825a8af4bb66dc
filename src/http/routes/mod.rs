//! The route table: every route the server has, with who may use it. The server is built
//! from this table and the route × role test walks it, so no route exists without a
//! decision about its access.

use actix_web::http::Method;
use actix_web::{middleware::from_fn, web, Route};

mod county_table;
mod dlna_table;

use super::gate::{gate, Access};
use super::{
    catalog_edit, devices, entries, films, health, ledger, library, media_files, pages, photos,
    plays, renditions, reports, session, stations, thumbs, tv, uploads, users,
};

/// One route: method, path pattern, access level and the handler.
pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    handler: fn() -> Route,
}

impl RouteDef {
    /// The actix route: handler, method guard and the gate for its access level.
    pub fn to_route(&self) -> Route {
        let access = self.access;
        (self.handler)()
            .method(self.method.clone())
            .wrap(from_fn(move |req, next| gate(access, req, next)))
    }
}

fn def(method: Method, path: &'static str, access: Access, handler: fn() -> Route) -> RouteDef {
    RouteDef {
        method,
        path,
        access,
        handler,
    }
}

/// Every route of the server.
pub fn table() -> Vec<RouteDef> {
    use Access::*;
    let mut routes = vec![
        // The hottest paths first: actix tries the routes in order.
        def(Method::GET, "/hls/{id}/{rung}/{file}", Viewer, || {
            web::route().to(renditions::variant_file)
        }),
        def(Method::HEAD, "/hls/{id}/{rung}/{file}", Viewer, || {
            web::route().to(renditions::variant_file)
        }),
        def(Method::GET, "/hls/{id}/master.m3u8", Viewer, || {
            web::route().to(renditions::master)
        }),
        def(Method::HEAD, "/hls/{id}/master.m3u8", Viewer, || {
            web::route().to(renditions::master)
        }),
        def(Method::GET, "/healthz", Public, || {
            web::route().to(health::healthz)
        }),
        def(Method::GET, "/metrics", Monitor, || {
            web::route().to(health::metrics)
        }),
        def(Method::POST, "/api/v1/session", Public, || {
            web::route().to(session::sign_in)
        }),
        def(Method::GET, "/api/v1/session", Public, || {
            web::route().to(session::who_am_i)
        }),
        def(Method::DELETE, "/api/v1/session", Public, || {
            web::route().to(session::sign_out)
        }),
        def(Method::POST, "/api/v1/users", Admin, || {
            web::route().to(users::create)
        }),
        def(Method::GET, "/api/v1/films", Viewer, || {
            web::route().to(films::list)
        }),
        def(Method::GET, "/api/v1/films/{id}", Viewer, || {
            web::route().to(films::get)
        }),
        def(Method::GET, "/api/v1/series", Viewer, || {
            web::route().to(films::series)
        }),
        def(Method::GET, "/api/v1/themes", Viewer, || {
            web::route().to(films::themes)
        }),
        def(Method::GET, "/media/{id}/thumb.jpg", Media, || {
            web::route().to(thumbs::get)
        }),
        def(Method::GET, "/media/{id}/original", Media, || {
            web::route().to(media_files::original)
        }),
        def(Method::HEAD, "/media/{id}/original", Media, || {
            web::route().to(media_files::original)
        }),
        def(Method::GET, "/media/{id}/tv.mp4", Media, || {
            web::route().to(renditions::tv_mp4)
        }),
        def(Method::HEAD, "/media/{id}/tv.mp4", Media, || {
            web::route().to(renditions::tv_mp4)
        }),
        def(Method::GET, "/api/v1/ledger", Clerk, || {
            web::route().to(ledger::list)
        }),
        def(Method::GET, "/api/v1/ledger/checkpoint", Viewer, || {
            web::route().to(ledger::checkpoint)
        }),
        // Stations: the station itself, its roster, 六有 checklist, paired TVs and addresses.
        def(Method::POST, "/api/v1/stations", Admin, || {
            web::route().to(stations::create)
        }),
        def(Method::GET, "/api/v1/stations", Clerk, || {
            web::route().to(stations::list)
        }),
        def(Method::GET, "/api/v1/stations/{id}", Clerk, || {
            web::route().to(stations::get)
        }),
        def(Method::PATCH, "/api/v1/stations/{id}", Admin, || {
            web::route().to(stations::update)
        }),
        def(Method::POST, "/api/v1/stations/{id}/retire", Admin, || {
            web::route().to(stations::retire)
        }),
        def(
            Method::PUT,
            "/api/v1/stations/{id}/checklist/{item}",
            Clerk,
            || web::route().to(stations::set_checklist),
        ),
        def(Method::POST, "/api/v1/stations/{id}/members", Clerk, || {
            web::route().to(stations::add_member)
        }),
        def(Method::GET, "/api/v1/stations/{id}/members", Clerk, || {
            web::route().to(stations::members)
        }),
        // Play sessions (helper: plays): TVs report, the office watches "live now".
        def(Method::POST, "/api/v1/plays", Viewer, || {
            web::route().to(plays::start)
        }),
        def(Method::GET, "/api/v1/plays", Clerk, || {
            web::route().to(plays::list)
        }),
        def(Method::GET, "/api/v1/plays/unregistered", Clerk, || {
            web::route().to(plays::unregistered)
        }),
        def(Method::GET, "/api/v1/plays/{id}", Clerk, || {
            web::route().to(plays::get)
        }),
        def(Method::POST, "/api/v1/plays/{id}/heartbeat", Viewer, || {
            web::route().to(plays::heartbeat)
        }),
        def(Method::POST, "/api/v1/plays/{id}/end", Viewer, || {
            web::route().to(plays::end)
        }),
        def(Method::POST, "/api/v1/plays/{id}/signins", Viewer, || {
            web::route().to(plays::sign_in)
        }),
        def(
            Method::POST,
            "/api/v1/plays/{id}/discussion",
            Viewer,
            || web::route().to(plays::discussion),
        ),
        def(Method::POST, "/api/v1/plays/{id}/feedback", Viewer, || {
            web::route().to(plays::feedback)
        }),
        def(Method::POST, "/api/v1/plays/{id}/photo", Viewer, || {
            web::route().to(photos::add)
        }),
        def(
            Method::GET,
            "/api/v1/plays/{id}/photos/{sha256}",
            Clerk,
            || web::route().to(photos::get),
        ),
        def(Method::POST, "/api/v1/stations/{id}/roster", Clerk, || {
            web::route().to(stations::import_roster)
        }),
        def(
            Method::POST,
            "/api/v1/stations/{id}/pairing-codes",
            Admin,
            || web::route().to(devices::make_code),
        ),
        def(
            Method::GET,
            "/api/v1/stations/{id}/pairing-codes/{code}/qr.svg",
            Admin,
            || web::route().to(devices::pairing_qr),
        ),
        def(Method::GET, "/api/v1/stations/{id}/devices", Admin, || {
            web::route().to(devices::list)
        }),
        def(
            Method::DELETE,
            "/api/v1/stations/{id}/devices/{device_id}",
            Admin,
            || web::route().to(devices::revoke),
        ),
        def(
            Method::POST,
            "/api/v1/stations/{id}/addresses",
            Admin,
            || web::route().to(devices::add_address),
        ),
        def(
            Method::GET,
            "/api/v1/stations/{id}/addresses",
            Clerk,
            || web::route().to(devices::addresses),
        ),
        def(
            Method::DELETE,
            "/api/v1/stations/{id}/addresses/{address}",
            Admin,
            || web::route().to(devices::remove_address),
        ),
        def(Method::POST, "/api/v1/devices/pair", Public, || {
            web::route().to(devices::pair)
        }),
        def(Method::GET, "/api/v1/devices/pairing-status", Admin, || {
            web::route().to(devices::pairing_status)
        }),
        def(Method::GET, "/api/v1/device", Viewer, || {
            web::route().to(devices::this_device)
        }),
        // Web pages: public files; what they show comes from the API.
        def(Method::GET, "/", Public, || web::route().to(pages::root)),
        def(Method::GET, "/tv", Public, || {
            web::route().to(pages::add_slash)
        }),
        def(Method::GET, "/admin", Public, || {
            web::route().to(pages::add_slash)
        }),
        def(Method::GET, "/tv/{tail:.*}", Public, || {
            web::route().to(pages::tv)
        }),
        def(Method::GET, "/admin/{tail:.*}", Public, || {
            web::route().to(pages::admin)
        }),
        def(Method::GET, "/m", Public, || {
            web::route().to(pages::add_slash)
        }),
        def(Method::GET, "/m/{tail:.*}", Public, || {
            web::route().to(pages::phone)
        }),
        def(Method::GET, "/vendor/{name}", Public, || {
            web::route().to(pages::vendor)
        }),
        // Office (helper: admin): accounts, catalog editing, series and the theme list.
        def(Method::GET, "/api/v1/users", Admin, || {
            web::route().to(users::list)
        }),
        def(Method::POST, "/api/v1/users/{user}/password", Admin, || {
            web::route().to(users::reset_password)
        }),
        def(Method::PATCH, "/api/v1/films/{id}", Clerk, || {
            web::route().to(catalog_edit::edit)
        }),
        def(Method::PATCH, "/api/v1/series/{series}", Clerk, || {
            web::route().to(catalog_edit::edit_series)
        }),
        def(Method::GET, "/api/v1/theme-plan", Viewer, || {
            web::route().to(catalog_edit::theme_plan)
        }),
        def(Method::PUT, "/api/v1/theme-plan", Clerk, || {
            web::route().to(catalog_edit::set_theme_plan)
        }),
        // Uploads (helper: uploads): tus 1.0 resumable uploads of local productions, and a
        // JSON view of one upload that follows its film to `ready`.
        def(Method::OPTIONS, "/api/v1/uploads", Public, || {
            web::route().to(uploads::options)
        }),
        def(Method::POST, "/api/v1/uploads", Admin, || {
            web::route().to(uploads::create)
        }),
        def(Method::HEAD, "/api/v1/uploads/{id}", Admin, || {
            web::route().to(uploads::head)
        }),
        def(Method::PATCH, "/api/v1/uploads/{id}", Admin, || {
            web::route().to(uploads::patch)
        }),
        def(Method::DELETE, "/api/v1/uploads/{id}", Admin, || {
            web::route().to(uploads::delete)
        }),
        def(Method::GET, "/api/v1/uploads/{id}", Admin, || {
            web::route().to(uploads::status)
        }),
        // Manual ledger entries, registers and reports (src/entries, src/reports).
        def(
            Method::POST,
            "/api/v1/stations/{id}/feedback",
            Clerk,
            || web::route().to(entries::feedback),
        ),
        def(
            Method::POST,
            "/api/v1/stations/{id}/info-reports",
            Clerk,
            || web::route().to(entries::info_report),
        ),
        def(Method::POST, "/api/v1/stations/{id}/plans", Clerk, || {
            web::route().to(entries::plan)
        }),
        def(
            Method::POST,
            "/api/v1/stations/{id}/pastoral-sessions",
            Clerk,
            || web::route().to(entries::pastoral),
        ),
        def(Method::POST, "/api/v1/productions", Admin, || {
            web::route().to(entries::production)
        }),
        def(Method::POST, "/api/v1/ledger/corrections", Clerk, || {
            web::route().to(entries::correction)
        }),
        def(
            Method::GET,
            "/api/v1/reports/registers/{register}",
            Clerk,
            || web::route().to(reports::register),
        ),
        def(Method::GET, "/api/v1/reports/monthly", Clerk, || {
            web::route().to(reports::monthly)
        }),
        def(Method::GET, "/api/v1/reports/quarterly", Clerk, || {
            web::route().to(reports::quarterly)
        }),
        def(Method::GET, "/api/v1/reports/yearly", Clerk, || {
            web::route().to(reports::yearly)
        }),
        // The TV UI (helper: tv): its home screen in one request.
        def(Method::GET, "/api/v1/tv/home", Viewer, || {
            web::route().to(tv::home_screen)
        }),
        def(Method::GET, "/api/v1/library", Clerk, || {
            web::route().to(library::status)
        }),
        def(Method::POST, "/api/v1/library/scan", Admin, || {
            web::route().to(library::rescan)
        }),
        // `dianjiao doctor`'s checks for the office dashboard (src/doctor).
        def(Method::GET, "/api/v1/doctor", Admin, || {
            web::route().to(super::doctor::report)
        }),
        // The office's preparation panel (src/preparation): the queue, "先准备这部".
        def(Method::GET, "/api/v1/preparation/queue", Clerk, || {
            web::route().to(super::preparation::queue)
        }),
        def(
            Method::POST,
            "/api/v1/preparation/queue/{id}/first",
            Clerk,
            || web::route().to(super::preparation::first),
        ),
    ];
    routes.extend(county_table::kit_routes());
    routes.extend(county_table::county_routes());
    routes.extend(dlna_table::renderer_routes());
    routes.extend(dlna_table::dlna_routes());
    routes
}

/// Adds every route of the table to an actix service config.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for r in table() {
        cfg.route(r.path, r.to_route());
    }
}

//! The gate in front of every route: who is calling (session cookie → principal), may they
//! use this route (its `Access` from the route table), and is a state-changing request from
//! our own pages (Origin check against CSRF, against the host the client really asked for:
//! see [`super::client`]). `/metrics` also takes a scraper's bearer token.

use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::blocking;
pub use super::client::client_ip;
use super::client::requested_host;
use crate::accounts::{Principal, Role};
use crate::app::App;
use crate::config::Settings;
use crate::error::AppError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "dj_session";
/// Name of a paired TV's long-lived device cookie.
pub const DEVICE_COOKIE: &str = "dj_device";

/// Who may use a route. Every route in the table names one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (health, sign-in itself).
    Public,
    /// Catalog reading and playback: anonymous LAN viewers (when allowed), devices, users.
    Viewer,
    /// A film's files (`tv.mp4`, the original, the poster): as [`Access::Viewer`], and also
    /// an anonymous caller at an address registered to a station while `dlna` is on — a
    /// DLNA TV cannot sign in or pair, so its registered address is what admits it.
    Media,
    /// Township clerks and admins.
    Clerk,
    /// Admins only.
    Admin,
    /// Monitoring (`/metrics`): clerks, admins and a scraper with the `metrics_token`; anyone
    /// only while anonymous viewers are allowed and no token is set.
    Monitor,
    /// The DLNA MediaServer (description, SOAP control): anyone — DLNA has no sign-in —
    /// but only while `dlna` is on; otherwise the route answers 404 as if it did not exist.
    Dlna,
}

impl Access {
    /// Decides for one principal; `anonymous_viewers` is the operator's switch.
    pub fn check(self, who: &Principal, anonymous_viewers: bool) -> Result<(), AppError> {
        match (self, who) {
            (Access::Public | Access::Dlna, _) => Ok(()),
            (Access::Viewer | Access::Media, Principal::Anonymous) if anonymous_viewers => Ok(()),
            (Access::Viewer | Access::Media, Principal::Anonymous) => {
                Err(AppError::Unauthenticated)
            }
            (Access::Viewer | Access::Media, Principal::User { .. } | Principal::Device { .. }) => {
                Ok(())
            }
            (Access::Clerk | Access::Admin, Principal::Anonymous) => Err(AppError::Unauthenticated),
            (Access::Clerk | Access::Admin, Principal::Device { .. }) => Err(AppError::Forbidden),
            (Access::Clerk, Principal::User { .. }) => Ok(()),
            (Access::Monitor, Principal::Anonymous | Principal::Device { .. })
                if anonymous_viewers =>
            {
                Ok(())
            }
            (Access::Monitor, Principal::Anonymous) => Err(AppError::Unauthenticated),
            (Access::Monitor, Principal::Device { .. }) => Err(AppError::Forbidden),
            (Access::Monitor, Principal::User { .. }) => Ok(()),
            (Access::Admin, Principal::User { role, .. }) => match role {
                Role::Admin => Ok(()),
                Role::Clerk => Err(AppError::Forbidden),
            },
        }
    }
}

/// Runs the gate for a route of the given access level.
pub async fn gate(
    access: Access,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(app) = req.app_data::<web::Data<App>>().cloned() else {
        // Every route is built with the app's data; without it nobody may pass.
        return Err(AppError::Forbidden.into());
    };
    let settings = &app.settings;
    if access == Access::Dlna && !settings.dlna {
        return Err(AppError::NotFound { what: "页面" }.into());
    }
    if !is_safe_method(req.method()) && !same_origin(req.request(), settings) {
        return Err(AppError::CrossSite.into());
    }
    let (who, renew) = principal(&app, req.request()).await?;
    if access != Access::Monitor || !bearer_matches(req.request(), &settings.metrics_token) {
        let mut anonymous = anonymous_allowed(access, settings);
        if !anonymous && access == Access::Media && settings.dlna && who == Principal::Anonymous {
            anonymous = registered_address(&app, req.request()).await?;
        }
        access.check(&who, anonymous)?;
    }
    req.extensions_mut().insert(who);
    let mut res = next.call(req).await?;
    if let Some(token) = renew {
        let cookie = super::devices::device_cookie(token, app.settings.device_idle());
        if let Ok(value) = header::HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(res)
}

/// The operator's switch for anonymous callers; a set `metrics_token` also closes
/// monitoring to them.
fn anonymous_allowed(access: Access, settings: &Settings) -> bool {
    match access {
        Access::Monitor => settings.anonymous_viewers && settings.metrics_token.is_empty(),
        Access::Public
        | Access::Viewer
        | Access::Media
        | Access::Clerk
        | Access::Admin
        | Access::Dlna => settings.anonymous_viewers,
    }
}

/// Whether the caller's address is registered to a station (a DLNA TV's admission).
async fn registered_address(app: &web::Data<App>, req: &HttpRequest) -> Result<bool, AppError> {
    let Some(ip) = client_ip(req, &app.settings.trusted_proxies) else {
        return Ok(false);
    };
    // A sled read; cheap, but it is I/O, so keep it off the async threads.
    let found = blocking(app, move |app| app.stations.station_for_address(ip)).await?;
    Ok(found.is_some())
}

/// `Authorization: Bearer <token>` naming the configured token (never an empty one). Both
/// are hashed first, so the constant-time comparison does not reveal the length either.
fn bearer_matches(req: &HttpRequest, token: &str) -> bool {
    let Some(given) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, given)| given.trim())
    else {
        return false;
    };
    let digest = |s: &str| Sha256::digest(s.as_bytes());
    !token.is_empty() && bool::from(digest(given).ct_eq(&digest(token)))
}

fn is_safe_method(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A browser always sends `Origin` on a cross-origin write; it must name this host. Clients
/// that send no `Origin` (curl, TV apps) are not browsers and carry no ambient cookie risk
/// beyond what SameSite=Strict already stops.
fn same_origin(req: &HttpRequest, settings: &Settings) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|site| site != "cross-site");
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Some(host) = requested_host(req, &settings.trusted_proxies) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(&host))
}

/// A signed-in user's session wins; else a paired TV's device token; else anonymous. An
/// unknown, revoked or lapsed device token is anonymous (the TV is asked to pair again).
/// The token comes back when its cookie is to be renewed (its last use was just written).
async fn principal(
    app: &web::Data<App>,
    req: &HttpRequest,
) -> Result<(Principal, Option<String>), AppError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let token = cookie.value().to_owned();
        // A sled read; cheap, but it is I/O, so keep it off the async threads.
        let who = blocking(app, move |app| app.accounts.principal_for(&token)).await?;
        return Ok((who, None));
    }
    let Some(cookie) = req.cookie(DEVICE_COOKIE) else {
        return Ok((Principal::Anonymous, None));
    };
    let token = cookie.value().to_owned();
    let used = blocking(app, move |app| {
        let used = app.stations.use_device(&token);
        used.map(|used| used.map(|(d, renew)| (d, renew.then_some(token))))
    })
    .await?;
    Ok(match used {
        Some((d, renew)) => (
            Principal::Device {
                station: d.station_id,
                device: d.device_id,
            },
            renew,
        ),
        None => (Principal::Anonymous, None),
    })
}

/// The caller, as decided by the gate; handlers take it as an argument.
pub struct Caller(pub Principal);

impl FromRequest for Caller {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let who = req.extensions().get::<Principal>().cloned();
        std::future::ready(Ok(Caller(who.unwrap_or(Principal::Anonymous))))
    }
}

/// The caller and their address (the socket peer, or a trusted proxy's client): who a
/// play request is from, in one extractor.
pub struct CallerAt(pub Principal, pub Option<IpAddr>);

impl FromRequest for CallerAt {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let who = req.extensions().get::<Principal>().cloned();
        let proxies = req
            .app_data::<web::Data<App>>()
            .map(|app| app.settings.trusted_proxies.clone())
            .unwrap_or_default();
        let client = client_ip(req, &proxies);
        std::future::ready(Ok(CallerAt(who.unwrap_or(Principal::Anonymous), client)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_may_be_anonymous_only_when_the_operator_allows_it() {
        assert!(Access::Viewer.check(&Principal::Anonymous, true).is_ok());
        assert!(matches!(
            Access::Viewer.check(&Principal::Anonymous, false),
            Err(AppError::Unauthenticated)
        ));
    }

    #[test]
    fn a_clerk_is_refused_admin_routes_with_forbidden() {
        let clerk = Principal::User {
            name: "li".into(),
            role: Role::Clerk,
        };
        assert!(Access::Clerk.check(&clerk, false).is_ok());
        assert!(matches!(
            Access::Admin.check(&clerk, false),
            Err(AppError::Forbidden)
        ));
    }
}

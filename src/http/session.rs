//! `POST /api/v1/session` (sign in), `GET` (who am I), `DELETE` (sign out).

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};

use super::blocking;
use super::dto::{SessionDto, SignInBody};
use super::gate::{client_ip, Caller, SESSION_COOKIE};
use crate::accounts::Principal;
use crate::app::App;
use crate::error::AppError;

/// Checks name and password; sets an HttpOnly, SameSite=Strict session cookie.
pub async fn sign_in(
    app: web::Data<App>,
    req: HttpRequest,
    body: web::Json<SignInBody>,
) -> Result<HttpResponse, AppError> {
    let from = client_ip(&req, &app.settings.trusted_proxies)
        .ok_or_else(|| AppError::BadRequest("no client address".into()))?;
    let hours = app.settings.session_hours;
    let SignInBody { name, password } = body.into_inner();
    let (user, token) = blocking(&app, move |app| {
        app.accounts.sign_in(&name, &password, from)
    })
    .await?;
    tracing::info!(user = %user.name, %from, "signed in");
    let cookie = Cookie::build(SESSION_COOKIE, token.0)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::hours(hours as i64))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(SessionDto {
        signed_in: true,
        name: Some(user.name),
        role: Some(user.role.as_str()),
        demo: crate::demo::has_demo_year(&app.settings.data),
    }))
}

/// Who the caller is (and, to the office, whether the ledger holds the demo year).
pub async fn who_am_i(app: web::Data<App>, caller: Caller) -> HttpResponse {
    let dto = match caller.0 {
        Principal::User { name, role } => SessionDto {
            signed_in: true,
            name: Some(name),
            role: Some(role.as_str()),
            demo: crate::demo::has_demo_year(&app.settings.data),
        },
        Principal::Device { station, .. } => SessionDto {
            signed_in: true,
            name: Some(station),
            role: Some("device"),
            demo: false,
        },
        Principal::Anonymous => SessionDto {
            signed_in: false,
            name: None,
            role: None,
            demo: false,
        },
    };
    HttpResponse::Ok().json(dto)
}

/// Ends the session and clears the cookie.
pub async fn sign_out(app: web::Data<App>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        let token = c.value().to_owned();
        blocking(&app, move |app| app.accounts.sign_out(&token)).await?;
    }
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

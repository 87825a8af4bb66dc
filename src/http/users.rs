//! `POST /api/v1/users` — an admin adds an office account; `GET` lists them;
//! `POST /api/v1/users/{name}/password` resets one's password.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::blocking;
use super::dto::{Items, NewUserBody};
use crate::accounts::Role;
use crate::app::App;
use crate::error::AppError;
use serde::Deserialize;

/// Creates a clerk or admin account.
pub async fn create(
    app: web::Data<App>,
    body: web::Json<NewUserBody>,
) -> Result<HttpResponse, AppError> {
    let NewUserBody {
        name,
        password,
        role,
    } = body.into_inner();
    let role = match role.as_str() {
        "admin" => Role::Admin,
        "clerk" => Role::Clerk,
        other => {
            return Err(AppError::BadRequest(format!(
                "未知角色 {other:?}（admin 或 clerk）"
            )))
        }
    };
    let user = blocking(&app, move |app| {
        app.accounts.add_user(&name, role, &password)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"name": user.name, "role": user.role.as_str()})))
}

/// Every office account: name, role, created (never a password hash).
pub async fn list(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let users = blocking(&app, move |app| app.accounts.users()).await?;
    let items = users
        .into_iter()
        .map(|u| json!({"name": u.name, "role": u.role.as_str(), "created_at": u.created_at}))
        .collect();
    Ok(HttpResponse::Ok().json(Items::<serde_json::Value> { items }))
}

/// Body of `POST /api/v1/users/{name}/password`.
#[derive(Deserialize)]
pub struct PasswordBody {
    password: String,
}

/// An admin sets a new password for an account; its open sessions end.
pub async fn reset_password(
    app: web::Data<App>,
    name: web::Path<String>,
    body: web::Json<PasswordBody>,
) -> Result<HttpResponse, AppError> {
    let password = body.into_inner().password;
    let user = blocking(&app, move |app| {
        app.accounts.reset_password(&name, &password)
    })
    .await?;
    tracing::info!(user = %user.name, "password reset by an admin");
    Ok(HttpResponse::Ok().json(json!({"name": user.name, "role": user.role.as_str()})))
}

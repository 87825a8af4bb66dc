//! `POST /api/v1/users` — an admin adds an office account.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::blocking;
use super::dto::NewUserBody;
use crate::accounts::Role;
use crate::app::App;
use crate::error::AppError;

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
    let accounts = app.accounts.clone();
    let user = blocking(move || Ok(accounts.add_user(&name, role, &password)?)).await?;
    Ok(HttpResponse::Created().json(json!({"name": user.name, "role": user.role.as_str()})))
}

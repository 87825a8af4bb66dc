//! The table's answers as a client sees them: status, `Retry-After`, `{"error", "message"}`.

use actix_web::body::to_bytes;
use actix_web::http::header::RETRY_AFTER;
use actix_web::ResponseError;

use super::AppError;
use crate::stations::StationsError;

/// Status, `Retry-After` and the JSON body of an error's response.
async fn answered(e: AppError) -> (u16, Option<String>, serde_json::Value) {
    let resp = e.error_response();
    let status = resp.status().as_u16();
    let wait = resp
        .headers()
        .get(RETRY_AFTER)
        .map(|v| v.to_str().expect("ascii").to_owned());
    let body = to_bytes(resp.into_body()).await.expect("body");
    (status, wait, serde_json::from_slice(&body).expect("json"))
}

#[tokio::test]
async fn a_row_with_a_fixed_wait_sends_it_and_its_own_sentence() {
    let (status, wait, body) = answered(AppError::NotReady).await;
    assert_eq!((status, wait.as_deref()), (503, Some("60")));
    assert_eq!(body["error"], "not_ready");
    assert_eq!(
        body["message"],
        "影片正在准备中，请稍后再播放（the film is still being prepared）"
    );
}

#[tokio::test]
async fn a_domain_limit_sends_its_own_wait_and_words() {
    let e = StationsError::Throttled {
        retry_after_secs: 90,
    };
    let words = e.to_string();
    let (status, wait, body) = answered(e.into()).await;
    assert_eq!((status, wait.as_deref()), (429, Some("90")));
    assert_eq!(body["error"], "too_many_attempts");
    assert_eq!(body["message"], words.as_str());
}

#[tokio::test]
async fn an_internal_failure_keeps_its_cause_and_says_only_internal() {
    let e = AppError::internal(std::io::Error::other("boom"));
    assert!(std::error::Error::source(&e).is_some_and(|c| c.to_string() == "boom"));
    let (status, wait, body) = answered(e).await;
    assert_eq!((status, wait), (500, None));
    assert_eq!(body["error"], "internal");
    assert!(!body["message"].as_str().expect("text").contains("boom"));
}

#[tokio::test]
async fn a_full_disk_behind_an_internal_failure_is_507() {
    let full = std::io::Error::from_raw_os_error(libc::ENOSPC);
    let (status, _, body) = answered(AppError::internal(full)).await;
    assert_eq!(status, 507);
    assert_eq!(body["error"], "disk_full");
}

#[test]
fn two_rows_may_share_a_code_string_each_with_its_own_status() {
    use super::{Code, Coded};
    assert_eq!(crate::uploads::UploadError::Busy.code(), Code::UploadBusy);
    assert_eq!(Code::UploadBusy.row().code, Code::SignInBusy.row().code);
    assert_eq!(Code::UploadBusy.row().status.as_u16(), 409);
    assert_eq!(Code::SignInBusy.row().status.as_u16(), 503);
}

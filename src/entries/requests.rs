//! What a clerk sends for each manual entry, and the checks shared by them. Bodies are
//! read with [`parse`] so a missing or mistyped field is a 422 with a sentence, like any
//! other invalid value.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::EntriesError;
use crate::records::{LocalDate, Production};

/// `POST /api/v1/stations/{id}/feedback`.
#[derive(Clone, Debug, Deserialize)]
pub struct FeedbackRequest {
    pub text: String,
    /// The day the feedback is about (default: today).
    #[serde(default)]
    pub showing_date: Option<String>,
}

/// `POST /api/v1/stations/{id}/info-reports`.
#[derive(Clone, Debug, Deserialize)]
pub struct InfoReportRequest {
    pub title: String,
    pub text: String,
}

/// One planned film.
#[derive(Clone, Debug, Deserialize)]
pub struct PlanItemRequest {
    pub month: u8,
    pub film_id: String,
}

/// `POST /api/v1/stations/{id}/plans`.
#[derive(Clone, Debug, Deserialize)]
pub struct PlanRequest {
    pub year: i32,
    pub quarter: u8,
    pub items: Vec<PlanItemRequest>,
}

impl PlanRequest {
    /// Year, quarter, and every month inside the quarter.
    pub(super) fn check(&self) -> Result<(), EntriesError> {
        let invalid = |s: String| Err(EntriesError::Invalid(s));
        if !(2000..=2100).contains(&self.year) {
            return invalid(format!(
                "年份 {} 不对（year must be 2000 to 2100）",
                self.year
            ));
        }
        if !(1..=4).contains(&self.quarter) {
            return invalid("季度应为 1 到 4（quarter must be 1 to 4）".into());
        }
        if self.items.is_empty() || self.items.len() > 100 {
            return invalid("计划应有 1 到 100 部影片（a plan has 1 to 100 films）".into());
        }
        let months = self.quarter * 3 - 2..=self.quarter * 3;
        if let Some(bad) = self.items.iter().find(|i| !months.contains(&i.month)) {
            return invalid(format!(
                "{} 月不在第 {} 季度内（month {} is not in quarter {}）",
                bad.month, self.quarter, bad.month, self.quarter
            ));
        }
        Ok(())
    }
}

/// `POST /api/v1/stations/{id}/pastoral-sessions`.
#[derive(Clone, Debug, Deserialize)]
pub struct PastoralRequest {
    /// The day it was held, `YYYY-MM-DD`.
    pub date: String,
    pub hours: f64,
    pub place: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/productions`.
#[derive(Clone, Debug, Deserialize)]
pub struct ProductionRequest {
    pub film_id: String,
    pub production: Production,
    /// The task year it counts for (default: this year).
    #[serde(default)]
    pub year: Option<i32>,
}

/// `POST /api/v1/ledger/corrections`.
#[derive(Clone, Debug, Deserialize)]
pub struct CorrectionRequest {
    pub corrects: u64,
    pub reason: String,
}

/// Reads a request body; a missing or mistyped field is [`EntriesError::Invalid`].
pub fn parse<T: DeserializeOwned>(body: serde_json::Value) -> Result<T, EntriesError> {
    serde_json::from_value(body)
        .map_err(|e| EntriesError::Invalid(format!("请求内容不对（invalid request: {e}）")))
}

/// Trimmed text of 1 to `max` characters, no control characters but line breaks.
pub(super) fn text(what: &str, s: &str, max: usize) -> Result<String, EntriesError> {
    let t = s.trim();
    let n = t.chars().count();
    if n == 0 || n > max {
        return Err(EntriesError::Invalid(format!(
            "{what} 应为 1 到 {max} 个字（must be 1 to {max} characters）"
        )));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(EntriesError::Invalid(format!(
            "{what} 含有控制字符（contains control characters）"
        )));
    }
    Ok(t.to_owned())
}

/// A local date not after today (default: today).
pub(super) fn past_date(s: Option<&str>, today: LocalDate) -> Result<LocalDate, EntriesError> {
    let Some(s) = s else { return Ok(today) };
    let date = LocalDate::parse(s).ok_or_else(|| {
        EntriesError::Invalid(format!("日期 {s:?} 不对，应为 YYYY-MM-DD（bad date）"))
    })?;
    if date > today {
        return Err(EntriesError::Invalid(format!(
            "日期 {date} 在今天之后，不能预先登记（a date after today cannot be recorded）"
        )));
    }
    Ok(date)
}

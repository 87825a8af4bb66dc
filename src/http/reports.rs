//! Registers and reports: `GET /api/v1/reports/registers/{register}`, `…/monthly`,
//! `…/quarterly`, `…/yearly`, each as `format=json` (default), `xlsx` (a download) or
//! `html` (a printable A4 page).

use actix_web::http::header::{self, DispositionType};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::blocking;
use super::serve::disposition;
use crate::app::App;
use crate::error::{AppError, Code};
use crate::reports::{print, xlsx, Period, RegisterKind, Tabular};

/// The query of every report (each uses its own part).
#[derive(Deserialize)]
pub struct ReportQuery {
    station: Option<String>,
    from: Option<String>,
    to: Option<String>,
    year: Option<i32>,
    month: Option<u8>,
    quarter: Option<u8>,
    format: Option<String>,
}

pub(super) enum Format {
    Json,
    Xlsx,
    Html,
}

/// `format=` of a report query: `json` (default), `xlsx` or `html`.
pub(super) fn format_of(given: Option<&str>) -> Result<Format, AppError> {
    match given.unwrap_or("json") {
        "json" => Ok(Format::Json),
        "xlsx" => Ok(Format::Xlsx),
        "html" => Ok(Format::Html),
        other => Err(invalid(format!(
            "格式 {other:?} 不支持，可选 json、xlsx、html（format must be json, xlsx or html）"
        ))),
    }
}

impl ReportQuery {
    fn format(&self) -> Result<Format, AppError> {
        format_of(self.format.as_deref())
    }

    fn station(&self) -> Result<String, AppError> {
        self.station
            .clone()
            .ok_or_else(|| invalid("请给出站点 station（station is required）".into()))
    }

    fn year(&self) -> Result<i32, AppError> {
        self.year
            .ok_or_else(|| invalid("请给出年份 year（year is required）".into()))
    }
}

fn invalid(message: String) -> AppError {
    AppError::Refused {
        code: Code::Invalid,
        message,
    }
}

/// A report rendered off the async threads.
pub(super) enum Rendered {
    Json(Vec<u8>),
    Html(String),
    Xlsx { bytes: Vec<u8>, name: String },
}

/// Renders the report in the asked format (blocking work: XLSX of a long register).
pub(super) fn render<R: Tabular + Serialize>(
    report: &R,
    format: Format,
) -> Result<Rendered, AppError> {
    Ok(match format {
        Format::Json => Rendered::Json(serde_json::to_vec(report).map_err(AppError::internal)?),
        Format::Html => Rendered::Html(print::page(report)),
        Format::Xlsx => Rendered::Xlsx {
            bytes: xlsx::workbook(report).map_err(AppError::internal)?,
            name: format!("{}.xlsx", report.file_stem()),
        },
    })
}

pub(super) fn respond(rendered: Rendered) -> HttpResponse {
    match rendered {
        Rendered::Json(body) => HttpResponse::Ok()
            .content_type("application/json")
            .body(body),
        Rendered::Html(page) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ))
            .body(page),
        Rendered::Xlsx { bytes, name } => HttpResponse::Ok()
            .content_type(xlsx::CONTENT_TYPE)
            .insert_header((
                header::CONTENT_DISPOSITION,
                disposition(DispositionType::Attachment, Some("report.xlsx"), &name),
            ))
            .body(bytes),
    }
}

/// The registers as one JSON object (`{"registers": [...]}`) and as sheets.
#[derive(Serialize)]
struct Registers {
    registers: Vec<crate::reports::Register>,
}

impl Tabular for Registers {
    fn tables(&self) -> Vec<crate::reports::Table> {
        self.registers.tables()
    }

    fn file_stem(&self) -> String {
        self.registers.file_stem()
    }
}

/// One register (`viewing|discussion|feedback|signin`) or `all` four.
pub async fn register(
    app: web::Data<App>,
    which: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let kinds = RegisterKind::parse_many(&which).ok_or(AppError::NotFound { what: "登记薄" })?;
    let format = query.format()?;
    let station = query.station()?;
    let period = Period::parse(
        query.from.as_deref(),
        query.to.as_deref(),
        query.year,
        query.month,
    )?;
    let rendered = blocking(&app, move |app| {
        let registers = Registers {
            registers: app.reports.registers(&kinds, &station, period)?,
        };
        render(&registers, format)
    })
    .await?;
    Ok(respond(rendered))
}

/// The stations × months matrix of a year.
pub async fn monthly(
    app: web::Data<App>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (format, year) = (query.format()?, query.year()?);
    Ok(respond(
        blocking(&app, move |app| render(&app.reports.monthly(year)?, format)).await?,
    ))
}

/// The 季报 of one station.
pub async fn quarterly(
    app: web::Data<App>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (format, year, station) = (query.format()?, query.year()?, query.station()?);
    let quarter = query
        .quarter
        .ok_or_else(|| invalid("请给出季度 quarter（quarter is required）".into()))?;
    Ok(respond(
        blocking(&app, move |app| {
            render(&app.reports.quarterly(&station, year, quarter)?, format)
        })
        .await?,
    ))
}

/// The year view.
pub async fn yearly(
    app: web::Data<App>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (format, year) = (query.format()?, query.year()?);
    Ok(respond(
        blocking(&app, move |app| render(&app.reports.yearly(year)?, format)).await?,
    ))
}

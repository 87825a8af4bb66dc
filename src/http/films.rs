//! `GET /api/v1/films`, `/api/v1/films/{id}`, `/api/v1/series`, `/api/v1/themes`.

use actix_web::{web, HttpResponse};
use media_catalog::{Category, FilmId, FilmQuery, FilmState};

use super::blocking;
use super::dto::{FilmDto, FilmListDto, FilmListQuery, Items, SeriesDto, ThemeDto};
use crate::app::App;
use crate::error::AppError;

impl TryFrom<FilmListQuery> for FilmQuery {
    type Error = AppError;

    fn try_from(q: FilmListQuery) -> Result<Self, AppError> {
        let category = q
            .category
            .filter(|c| !c.is_empty())
            .map(|c| {
                Category::parse(&c).ok_or_else(|| {
                    AppError::BadRequest(format!("未知分类 {c:?}（中央、省、市县、本地制作）"))
                })
            })
            .transpose()?;
        let state = q
            .state
            .filter(|s| !s.is_empty())
            .map(|s| {
                FilmState::parse(&s).ok_or_else(|| AppError::BadRequest(format!("未知状态 {s:?}")))
            })
            .transpose()?;
        Ok(FilmQuery {
            q: q.q,
            category,
            theme: q.theme.filter(|t| !t.is_empty()),
            series: q.series.filter(|s| !s.is_empty()),
            year: q.year,
            state,
            page: q.page.unwrap_or(1).max(1),
            per_page: q.per_page.unwrap_or(50).clamp(1, 200),
        })
    }
}

/// Searches and lists films.
pub async fn list(
    app: web::Data<App>,
    query: web::Query<FilmListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = FilmQuery::try_from(query.into_inner())?;
    let (page, per_page) = (query.page, query.per_page);
    let found = blocking(&app, move |app| -> Result<_, AppError> {
        let page = app.catalog.search(&query)?;
        let items = page
            .items
            .into_iter()
            .map(|f| with_preparation(app, f))
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok((page.total, items))
    })
    .await?;
    Ok(HttpResponse::Ok().json(FilmListDto {
        total: found.0,
        page,
        per_page,
        items: found.1,
    }))
}

/// One film.
pub async fn get(app: web::Data<App>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let id = FilmId::parse(&id).map_err(|_| AppError::NotFound { what: "影片" })?;
    let dto = blocking(&app, move |app| {
        let film = app
            .catalog
            .get(&id)?
            .ok_or(AppError::NotFound { what: "影片" })?;
        with_preparation(app, film)
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// A film's DTO with its preparation progress or outcome.
pub(super) fn with_preparation(app: &App, film: media_catalog::Film) -> Result<FilmDto, AppError> {
    let outcome = app.preparation.outcome(&film.id)?;
    let progress = app.preparation.progress(&film.id);
    Ok(FilmDto::from(film).with_preparation(outcome, progress))
}

/// Every series, for browsing.
pub async fn series(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let list = blocking(&app, move |app| app.catalog.series()).await?;
    Ok(HttpResponse::Ok().json(Items {
        items: list.into_iter().map(SeriesDto::from).collect::<Vec<_>>(),
    }))
}

/// Every theme, for browsing.
pub async fn themes(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let list = blocking(&app, move |app| app.catalog.themes()).await?;
    Ok(HttpResponse::Ok().json(Items {
        items: list.into_iter().map(ThemeDto::from).collect::<Vec<_>>(),
    }))
}

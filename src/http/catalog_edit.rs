//! The office's catalog editing: `PATCH /api/v1/films/{id}`, `PATCH /api/v1/series/{name}`
//! (rename, describe) and `GET`/`PUT /api/v1/theme-plan` (the ordered 播放主题 list).

use actix_web::{web, HttpResponse};
use media_catalog::{CatalogError, Category, Cue, FilmEdit, FilmId, PlanTheme};
use serde::{Deserialize, Deserializer};
use serde_json::json;

use super::blocking;
use super::dto::Items;
use crate::app::App;
use crate::error::{AppError, Code};

/// Maps the office's catalog errors to clerk-readable answers; the rest stay internal.
fn refused(e: CatalogError) -> AppError {
    match e {
        CatalogError::Edit(why) => AppError::Refused {
            code: Code::Invalid,
            message: why.to_string(),
        },
        CatalogError::UnknownFilm(_) => AppError::NotFound { what: "影片" },
        CatalogError::UnknownSeries(_) => AppError::NotFound { what: "系列" },
        other => AppError::Catalog(other),
    }
}

/// A present field, `null` included (`Some(None)` means "clear it").
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Body of `PATCH /api/v1/films/{id}`: any of the descriptive fields; `null` clears one.
/// The category is the machine name or the Chinese label.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilmPatch {
    #[serde(default)]
    title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    series: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    episode: Option<Option<u32>>,
    #[serde(default, deserialize_with = "present")]
    category: Option<Option<String>>,
    #[serde(default)]
    themes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    year: Option<Option<i32>>,
    #[serde(default, deserialize_with = "present")]
    producer: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    summary: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    prep_notes: Option<Option<String>>,
    #[serde(default)]
    cues: Option<Vec<Cue>>,
}

fn category(name: Option<Option<String>>) -> Result<Option<Option<Category>>, AppError> {
    let parse = |c: String| {
        Category::parse(&c).ok_or_else(|| AppError::Refused {
            code: Code::Invalid,
            message: format!("未知分类 {c:?}，可选：中央、省、市县、本地制作（unknown category）"),
        })
    };
    Ok(match name {
        None => None,
        Some(None) => Some(None),
        Some(Some(c)) if c.trim().is_empty() => Some(None),
        Some(Some(c)) => Some(Some(parse(c)?)),
    })
}

impl TryFrom<FilmPatch> for FilmEdit {
    type Error = AppError;

    fn try_from(p: FilmPatch) -> Result<FilmEdit, AppError> {
        Ok(FilmEdit {
            title: p.title,
            series: p.series,
            episode: p.episode,
            category: category(p.category)?,
            themes: p.themes,
            year: p.year,
            producer: p.producer,
            summary: p.summary,
            prep_notes: p.prep_notes,
            cues: p.cues,
        })
    }
}

/// Edits a film's description; answers the film as `GET /api/v1/films/{id}` does.
pub async fn edit(
    app: web::Data<App>,
    id: web::Path<String>,
    body: web::Json<FilmPatch>,
) -> Result<HttpResponse, AppError> {
    let id = FilmId::parse(&id).map_err(|_| AppError::NotFound { what: "影片" })?;
    let edit = FilmEdit::try_from(body.into_inner())?;
    let dto = blocking(&app, move |app| {
        let film = app.catalog.edit_film(&id, edit).map_err(refused)?;
        super::films::with_preparation(app, film)
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// Body of `PATCH /api/v1/series/{name}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesPatch {
    /// A new name for the series (every film of it follows).
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    category: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    summary: Option<Option<String>>,
}

/// Renames and/or describes a series.
pub async fn edit_series(
    app: web::Data<App>,
    name: web::Path<String>,
    body: web::Json<SeriesPatch>,
) -> Result<HttpResponse, AppError> {
    let SeriesPatch {
        name: new_name,
        category: cat,
        summary,
    } = body.into_inner();
    let cat = category(cat)?;
    let mut current = name.into_inner();
    let out = blocking(&app, move |app| -> Result<_, AppError> {
        let mut renamed = 0;
        if let Some(to) = new_name.filter(|n| n.trim() != current) {
            renamed = app.catalog.rename_series(&current, &to).map_err(refused)?;
            current = to.trim().to_owned();
        }
        if cat.is_some() || summary.is_some() {
            let old = app
                .catalog
                .series()?
                .into_iter()
                .find(|s| s.name == current);
            let old_summary = old.as_ref().and_then(|s| s.summary.clone());
            let old_category = old.and_then(|s| s.category);
            app.catalog
                .describe_series(
                    &current,
                    cat.unwrap_or(old_category),
                    summary.unwrap_or(old_summary),
                )
                .map_err(refused)?;
        }
        Ok(json!({ "name": current, "films_renamed": renamed }))
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The township's playback themes, in order.
pub async fn theme_plan(app: web::Data<App>) -> Result<HttpResponse, AppError> {
    let items = blocking(&app, move |app| app.catalog.theme_plan()).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// Body of `PUT /api/v1/theme-plan`: the whole list, in order.
#[derive(Deserialize)]
pub struct ThemePlanBody {
    items: Vec<PlanTheme>,
}

/// Replaces the theme list.
pub async fn set_theme_plan(
    app: web::Data<App>,
    body: web::Json<ThemePlanBody>,
) -> Result<HttpResponse, AppError> {
    let list = body.into_inner().items;
    let items = blocking(&app, move |app| {
        app.catalog.set_theme_plan(list).map_err(refused)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

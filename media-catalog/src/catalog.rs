//! stub
pub struct Catalog;
#[derive(Debug, thiserror::Error)]
#[error("stub")]
pub struct CatalogError;
pub struct FilmQuery;
pub struct Page;

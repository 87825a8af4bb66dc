//! The film catalog of a township library: the model, its sled store, Chinese + pinyin search
//! (tantivy) and the bookkeeping of library scans. No HTTP and no FFmpeg here: the server
//! probes files in its own worker processes and hands the results to this crate.

pub mod catalog;
pub mod edit;
pub mod folder_meta;
pub mod model;
pub mod names;
pub mod office;
pub mod os_path;
pub mod scan;
pub mod search;
pub mod store;

pub use catalog::{Catalog, CatalogError, FilmQuery, Page};
pub use edit::{EditError, FilmEdit};
pub use model::*;
pub use office::{PlanTheme, ThemeKind};

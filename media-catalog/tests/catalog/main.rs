//! The media-catalog crate's specification, as one test binary: names, catalog.toml, the
//! store, library walks, rescans and browsing.

mod browsing;
mod editing;
mod folder_meta;
mod names;
mod recording;
mod scanning;
mod store;
mod support;
mod walk;

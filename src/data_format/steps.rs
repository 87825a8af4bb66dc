//! The upgrade steps, one function each, named after what they change. Each reads records in
//! the shape the older format wrote them (its own small structs, so a later change of the
//! live types cannot change what a step reads) and writes through the owning domain's API.

use media_catalog::FilmId;
use serde::Deserialize;

use super::{StepError, Stores};

/// An upload record as format 1 wrote it: only what the step needs.
#[derive(Deserialize)]
struct UploadV1 {
    film_id: Option<String>,
    meta: UploadMetaV1,
}

#[derive(Deserialize)]
struct UploadMetaV1 {
    filename: Option<String>,
}

/// 1 → 2: format 1 catalogued an uploaded film under the server-made file name
/// (`u_….mp4`); format 2 keeps the name the clerk's file had. Each finished upload whose film
/// still shows another name gets the client's name (without any folder before it) as its
/// `source_name`. Idempotent: a film that already has it is not written. Returns the number
/// of films changed.
pub(super) fn uploads_keep_client_names(stores: &Stores<'_>) -> Result<usize, StepError> {
    let mut changed = 0;
    for record in stores.db.open_tree("uploads")?.iter() {
        let (_, bytes) = record?;
        // A record this step cannot read is left as it is: the uploads module reports it.
        let Ok(up) = serde_json::from_slice::<UploadV1>(&bytes) else {
            continue;
        };
        let (Some(id), Some(name)) = (up.film_id, up.meta.filename) else {
            continue;
        };
        let Ok(id) = FilmId::parse(&id) else {
            continue;
        };
        let name = crate::uploads::client_base_name(&name);
        match stores.catalog.get(&id)? {
            Some(mut film) if film.source.name != name => {
                film.source.name = name.to_owned();
                stores.catalog.put(&film)?;
                changed += 1;
            }
            _ => {}
        }
    }
    if changed > 0 {
        stores.catalog.commit()?;
    }
    Ok(changed)
}

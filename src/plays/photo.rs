//! A photo of the room at a showing (evidence county inspectors ask for): a `photo` ledger
//! entry carrying the image's SHA-256, size and type, the image kept in the photos folder.
//! The same rules as sign-ins and discussion: only the play's owner, a play with a station,
//! after the end only within the grace time the same local day, counted against the hourly
//! entries limit, and at most [`MAX_PHOTOS_PER_PLAY`] per play.

use super::{Actor, Play, Plays, PlaysError};
use crate::ledger::{Entry, EntryKind};
use crate::photos::{CheckedPhoto, PhotoError, Photos};
use crate::records::Photo;

/// Photos one play takes at most (a room, a screen, a sign-in sheet…).
pub const MAX_PHOTOS_PER_PLAY: usize = 5;

/// A photo added: its entry, and whether this call made it (the same photo again returns
/// the first entry).
#[derive(Clone, Debug)]
pub struct PhotoAdded {
    pub entry: Entry,
    pub created: bool,
}

impl Plays {
    /// Adds `photo` to play `id`: checks the caller may, stores the file in `photos`, then
    /// appends the entry. The file is written outside the plays lock (it is fsynced); the
    /// rules are checked again before the append. A file stored for an entry the ledger
    /// then refused is left (it is named by its content; nothing points at it).
    pub fn add_photo(
        &self,
        id: &str,
        actor: Actor<'_>,
        photo: &CheckedPhoto,
        photos: &Photos,
    ) -> Result<PhotoAdded, PlaysError> {
        {
            let st = self.lock();
            let (play, _) = self.writable(&st, id, &actor)?;
            if let Some(entry) = same_photo(&play, &photo.sha256) {
                return Ok(PhotoAdded {
                    entry,
                    created: false,
                });
            }
            room_for_more(&play)?;
            self.take_entry(&play, id, "照片")?;
        }
        photos.save(photo)?;
        let st = self.lock();
        let (mut play, _) = self.writable(&st, id, &actor)?;
        if let Some(entry) = same_photo(&play, &photo.sha256) {
            return Ok(PhotoAdded {
                entry,
                created: false,
            });
        }
        room_for_more(&play)?;
        let record = Photo {
            play_id: play.id.clone(),
            film_id: play.film_id.clone(),
            film_title: play.film_title.clone(),
            sha256: photo.sha256.clone(),
            bytes: photo.bytes.len() as u64,
            content_type: photo.kind.content_type().to_owned(),
            width: photo.width,
            height: photo.height,
            day: self.same_day(&play),
        };
        let entry = self.append(EntryKind::Photo, &play, serde_json::to_value(record)?)?;
        play.photos.push(entry.clone());
        self.put(&play, true)?;
        let mut st = st;
        if let Some(open) = st.open.get_mut(id) {
            open.photos.push(entry.clone());
        }
        Ok(PhotoAdded {
            entry,
            created: true,
        })
    }

    /// The photo entry of play `id` with this SHA-256, if it has one (for serving it).
    pub fn photo(&self, id: &str, sha256: &str) -> Result<Option<Entry>, PlaysError> {
        let play = match self.lock().open.get(id) {
            Some(p) => p.clone(),
            None => self
                .stored(id)?
                .ok_or_else(|| PlaysError::UnknownPlay(id.to_owned()))?,
        };
        Ok(same_photo(&play, sha256))
    }
}

impl From<PhotoError> for PlaysError {
    fn from(e: PhotoError) -> PlaysError {
        PlaysError::Photo(e)
    }
}

fn same_photo(play: &Play, sha256: &str) -> Option<Entry> {
    play.photos
        .iter()
        .find(|e| e.payload.get("sha256").and_then(|v| v.as_str()) == Some(sha256))
        .cloned()
}

fn room_for_more(play: &Play) -> Result<(), PlaysError> {
    if play.photos.len() >= MAX_PHOTOS_PER_PLAY {
        return Err(PlaysError::Invalid(format!(
            "每次放映最多上传 {MAX_PHOTOS_PER_PLAY} 张照片（at most {MAX_PHOTOS_PER_PLAY} photos per showing）"
        )));
    }
    Ok(())
}

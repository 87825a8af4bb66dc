//! The tree a TV browses, as a snapshot of the catalog: the films that can be played now
//! (prepared, or with an original TVs play themselves) with their files, and the folders
//! they are grouped in. The snapshot is built again only when the catalog's generation
//! has moved, so a Browse reads memory, not the store.
//!
//! Object ids are short, stable and made here, never paths: `0` (root), `plan`, `series`,
//! `series/<8 hex of the name's SHA-256>`, `themes`, `theme/<8 hex>`, `local`, `recent`,
//! `all`, `film/<film id>`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use media_catalog::{Catalog, CatalogError, Category, Film, FilmState};
use sha2::{Digest, Sha256};

use super::didl::{Item, Res};
use super::profile;
use crate::preparation::Preparation;

/// Films in 最近添加.
pub const RECENT: usize = 50;

/// A group of films under one folder (a series or a theme).
pub struct Group {
    pub name: String,
    /// `series/…` or `theme/…`.
    pub id: String,
    /// Indexes into [`Snapshot::films`], in the folder's order.
    pub films: Vec<usize>,
}

/// A playable film and the files it can be played from.
pub struct Entry {
    pub film: Film,
    pub res: Vec<Res>,
}

/// The tree at one catalog generation.
pub struct Snapshot {
    pub generation: u64,
    /// `SystemUpdateID`: a digest of what the tree shows, so it changes when the catalog
    /// does and stays the same across restarts when it did not.
    pub update_id: u32,
    /// Playable films, by title.
    pub films: Vec<Entry>,
    pub by_id: HashMap<String, usize>,
    pub series: Vec<Group>,
    pub themes: Vec<Group>,
    /// Local productions, newest first.
    pub local: Vec<usize>,
    /// The newest films, newest first.
    pub recent: Vec<usize>,
}

/// The latest snapshot, kept between requests.
#[derive(Default)]
pub struct Tree {
    current: Mutex<Option<Arc<Snapshot>>>,
}

impl Tree {
    /// The snapshot of the catalog as it is now, built again if the catalog has changed.
    /// Blocking (store reads on a rebuild): call it off the async threads.
    pub fn current(
        &self,
        catalog: &Catalog,
        preparation: &Preparation,
    ) -> Result<Arc<Snapshot>, CatalogError> {
        // The generation is read before the films, so a write in between makes the next
        // caller build again rather than keep a stale snapshot.
        let generation = catalog.generation();
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = current.as_ref().filter(|s| s.generation == generation) {
            return Ok(s.clone());
        }
        let snapshot = Arc::new(build(generation, catalog.films()?, preparation));
        *current = Some(snapshot.clone());
        Ok(snapshot)
    }
}

/// Builds the tree from every film of the catalog.
pub fn build(generation: u64, all: Vec<Film>, preparation: &Preparation) -> Snapshot {
    let mut films: Vec<Entry> = all
        .into_iter()
        .filter(|f| !f.missing && f.state != FilmState::Rejected)
        .filter_map(|film| {
            let res = resources(&film, preparation);
            (!res.is_empty()).then_some(Entry { film, res })
        })
        .collect();
    films.sort_by(|a, b| {
        (a.film.title.as_str(), a.film.id.as_str())
            .cmp(&(b.film.title.as_str(), b.film.id.as_str()))
    });
    let by_id = films
        .iter()
        .enumerate()
        .map(|(i, e)| (e.film.id.to_string(), i))
        .collect();
    let newest = |mut v: Vec<usize>| {
        v.sort_by(|&a, &b| films[b].film.added_at.cmp(&films[a].film.added_at));
        v
    };
    let local = newest(
        (0..films.len())
            .filter(|&i| films[i].film.category == Some(Category::Local))
            .collect(),
    );
    let mut recent = newest((0..films.len()).collect());
    recent.truncate(RECENT);
    Snapshot {
        generation,
        update_id: digest(&films),
        series: groups(&films, "series", |f| f.series.iter().cloned().collect()),
        themes: groups(&films, "theme", |f| f.themes.clone()),
        local,
        recent,
        by_id,
        films,
    }
}

/// Folders by name, each holding its films in episode order.
fn groups(films: &[Entry], kind: &str, names: impl Fn(&Film) -> Vec<String>) -> Vec<Group> {
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, e) in films.iter().enumerate() {
        for name in names(&e.film) {
            by_name.entry(name).or_default().push(i);
        }
    }
    by_name
        .into_iter()
        .map(|(name, mut members)| {
            members.sort_by(|&a, &b| crate::tv::episode_order(&films[a].film, &films[b].film));
            Group {
                id: format!("{kind}/{}", short_key(&name)),
                name,
                films: members,
            }
        })
        .collect()
}

/// 8 hex digits of the name's SHA-256: a stable, short id for a named folder.
pub fn short_key(name: &str) -> String {
    hex::encode(&Sha256::digest(name.as_bytes())[..4])
}

/// FNV-1a over what the tree shows of every film.
fn digest(films: &[Entry]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for e in films {
        let f = &e.film;
        let parts = [
            f.id.as_str().as_bytes(),
            &f.updated_at.to_le_bytes(),
            f.state.as_str().as_bytes(),
            &(e.res.len() as u32).to_le_bytes(),
        ];
        for byte in parts.iter().flat_map(|p| p.iter()) {
            h = (h ^ u32::from(*byte)).wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// The files a film can be played from now: the prepared `tv.mp4`, and the original when
/// TVs play its form themselves.
fn resources(film: &Film, preparation: &Preparation) -> Vec<Res> {
    let id = film.id.as_str();
    let mut res = Vec::with_capacity(2);
    let duration_s = film
        .media
        .as_ref()
        .map(|m| m.duration_s)
        .filter(|d| *d > 0.0);
    if let Some(tv) = tv_mp4(film, preparation) {
        res.push(tv);
    }
    if let Some(media) = &film.media {
        if let Some((mime, pn)) = profile::native_original(media, &film.source.name) {
            let size = film.source.fingerprint.size;
            res.push(Res {
                path: format!("/media/{id}/original"),
                protocol_info: profile::protocol_info(mime, pn),
                size: Some(size),
                duration_s,
                resolution: media.video().and_then(|v| Some((v.width?, v.height?))),
                bitrate: media
                    .bit_rate
                    .map(|b| b / 8)
                    .or(bytes_per_s(size, duration_s)),
            });
        }
    }
    res
}

/// The prepared `tv.mp4`, when the film is ready and it was made.
fn tv_mp4(film: &Film, preparation: &Preparation) -> Option<Res> {
    if film.state != FilmState::Ready {
        return None;
    }
    let outcome = preparation.outcome(&film.id).ok().flatten()?;
    if !outcome.tv_mp4 {
        return None;
    }
    let size = std::fs::metadata(preparation.film_dir(&film.id).join("tv.mp4"))
        .ok()?
        .len();
    let video = film.media.as_ref().and_then(|m| m.video());
    let duration_s = film
        .media
        .as_ref()
        .map(|m| m.duration_s)
        .filter(|d| *d > 0.0);
    let top = outcome.rungs.first().map(String::as_str).unwrap_or("");
    let resolution = video.and_then(|v| rendition_size(top, v.width?, v.height?));
    let source_aac = film
        .media
        .as_ref()
        .and_then(|m| m.audio())
        .is_some_and(|a| a.codec == "aac");
    let pn = video.and_then(|v| {
        tv_mp4_profile(
            &outcome.action,
            v.profile.as_deref(),
            v.height.unwrap_or(0),
            source_aac,
        )
    });
    Some(Res {
        path: format!("/media/{}/tv.mp4", film.id),
        protocol_info: profile::protocol_info("video/mp4", pn),
        size: Some(size),
        duration_s,
        resolution,
        bitrate: bytes_per_s(size, duration_s),
    })
}

/// The DLNA profile of a prepared `tv.mp4`: a transcode is High profile H.264 with AAC; a
/// remux keeps the source's picture and sound (a profile only when the sound is AAC); a
/// `copy_video` keeps the source's picture and always carries AAC-LC made from its sound.
fn tv_mp4_profile(
    action: &str,
    video_profile: Option<&str>,
    height: u32,
    source_aac: bool,
) -> Option<&'static str> {
    match action {
        "transcode" => Some("AVC_MP4_HP_HD_AAC"),
        "remux" if source_aac => profile::avc_mp4(video_profile, height),
        "copy_video" => profile::avc_mp4(video_profile, height),
        _ => None,
    }
}

/// The picture size of the top rendition: `720p` scaled from the source's shape, or the
/// source's own size for a remux.
fn rendition_size(rung: &str, width: u32, height: u32) -> Option<(u32, u32)> {
    let Some(h) = rung.strip_suffix('p').and_then(|h| h.parse::<u32>().ok()) else {
        return Some((width, height));
    };
    let w = (f64::from(width) * f64::from(h) / f64::from(height.max(1)) / 2.0).round() as u32 * 2;
    Some((w, h))
}

fn bytes_per_s(size: u64, duration_s: Option<f64>) -> Option<u64> {
    duration_s.map(|d| (size as f64 / d) as u64)
}

impl Snapshot {
    /// A film as a DIDL item under `parent`.
    pub fn item(&self, index: usize, parent: &str) -> Item {
        let e = &self.films[index];
        let f = &e.film;
        Item {
            id: format!("film/{}", f.id),
            parent_id: parent.to_owned(),
            title: f.title.clone(),
            date: Some(date_of(f)),
            description: f.summary.clone(),
            poster: Some(format!("/media/{}/thumb.jpg", f.id)),
            res: e.res.clone(),
        }
    }

    /// The folder a film's metadata names as its parent: its series, else 全部影片.
    pub fn home_of(&self, index: usize) -> String {
        match &self.films[index].film.series {
            Some(s) => format!("series/{}", short_key(s)),
            None => "all".into(),
        }
    }
}

/// `dc:date`: the film's year (1 January), else the day it was found.
pub fn date_of(f: &Film) -> String {
    if let Some(y) = f.year.filter(|y| (1..=9999).contains(y)) {
        return format!("{y:04}-01-01");
    }
    time::OffsetDateTime::from_unix_timestamp(f.added_at)
        .map(|t| {
            let d = t.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        })
        .unwrap_or_else(|_| "1970-01-01".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendition_sizes_keep_the_source_shape() {
        assert_eq!(rendition_size("720p", 1920, 1080), Some((1280, 720)));
        assert_eq!(rendition_size("480p", 720, 576), Some((600, 480)));
        assert_eq!(rendition_size("source", 640, 360), Some((640, 360)));
    }

    #[test]
    fn a_copied_picture_keeps_its_profile_with_the_aac_made_for_it() {
        assert_eq!(
            tv_mp4_profile("copy_video", Some("Main"), 480, false),
            Some("AVC_MP4_MP_SD_AAC_MULT5")
        );
        assert_eq!(tv_mp4_profile("remux", Some("Main"), 480, false), None);
        assert_eq!(
            tv_mp4_profile("remux", Some("High"), 720, true),
            Some("AVC_MP4_HP_HD_AAC")
        );
        assert_eq!(
            tv_mp4_profile("transcode", None, 0, false),
            Some("AVC_MP4_HP_HD_AAC")
        );
    }

    #[test]
    fn folder_keys_are_short_and_stable() {
        assert_eq!(short_key("党章电视教材"), short_key("党章电视教材"));
        assert_ne!(short_key("党章电视教材"), short_key("党章"));
        assert_eq!(short_key("x").len(), 8);
    }
}

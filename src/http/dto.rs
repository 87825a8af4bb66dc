//! Wire types of the public v1 API (`../shared/API.md`). Field names are part of the
//! contract: add freely, never rename or remove.

use media_catalog::{Cue, Film, MediaInfo, Series, Theme};

use crate::preparation::{Outcome, Progress};
use serde::{Deserialize, Serialize};

/// A film as clients see it.
#[derive(Serialize)]
pub struct FilmDto {
    pub id: String,
    pub title: String,
    pub series: Option<String>,
    pub episode: Option<u32>,
    pub category: Option<&'static str>,
    pub category_label: Option<&'static str>,
    pub themes: Vec<String>,
    pub year: Option<i32>,
    pub producer: Option<String>,
    pub summary: Option<String>,
    pub prep_notes: Option<String>,
    pub cues: Vec<CueDto>,
    pub state: &'static str,
    pub reason: Option<String>,
    pub source_name: String,
    pub missing: bool,
    pub media: Option<MediaDto>,
    pub thumb_url: String,
    /// `/hls/{id}/master.m3u8` once the film is ready.
    pub hls_url: Option<String>,
    /// `/media/{id}/tv.mp4` once the film is ready and has one.
    pub tv_mp4_url: Option<String>,
    /// Progress while preparing; what was decided and made once ready.
    pub preparation: Option<PreparationDto>,
}

/// A film's preparation as clients see it.
#[derive(Serialize, Default)]
pub struct PreparationDto {
    /// `remux`, `copy_video` (picture copied, sound encoded), `transcode`, `audio_only`
    /// (once ready).
    pub action: Option<String>,
    /// Why, in words a clerk understands.
    pub reasons: Vec<String>,
    /// Renditions made, highest first.
    pub renditions: Vec<String>,
    /// 0–100 while preparing.
    pub percent: Option<f64>,
    /// Seconds of film prepared per second, while preparing.
    pub speed: Option<f64>,
    /// Seconds left, while preparing.
    pub eta_s: Option<f64>,
    /// Segments per rendition made while the film played before it was prepared, and
    /// taken over by the preparation.
    pub reused_segments: Option<usize>,
}

impl FilmDto {
    /// Adds what the preparation service knows of the film.
    pub fn with_preparation(
        mut self,
        outcome: Option<Outcome>,
        progress: Option<Progress>,
    ) -> Self {
        // A film waiting for or going through its preparation plays just in time.
        if matches!(self.state, "ready" | "queued" | "preparing") {
            self.hls_url = Some(format!("/hls/{}/master.m3u8", self.id));
        }
        if self.state == "ready" && outcome.as_ref().is_some_and(|o| o.tv_mp4) {
            self.tv_mp4_url = Some(format!("/media/{}/tv.mp4", self.id));
        }
        let mut dto = PreparationDto::default();
        if let Some(o) = outcome {
            dto.action = Some(o.action);
            dto.reasons = o.reasons;
            dto.renditions = o.rungs;
            dto.reused_segments = Some(o.reused_segments);
        }
        if let Some(p) = progress {
            dto.percent = Some((p.percent * 10.0).round() / 10.0);
            dto.speed = Some((p.speed * 100.0).round() / 100.0);
            dto.eta_s = p.eta_s.map(f64::round);
        }
        if dto.action.is_some() || dto.percent.is_some() {
            self.preparation = Some(dto);
        }
        self
    }
}

/// A prompt shown during the film.
#[derive(Serialize)]
pub struct CueDto {
    pub at_s: f64,
    pub text: String,
}

/// The technical description of a film's file.
#[derive(Serialize)]
pub struct MediaDto {
    pub container: String,
    pub duration_s: f64,
    pub bit_rate: Option<u64>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fps: Option<f64>,
    pub interlaced: Option<bool>,
    pub audio_channels: Option<u16>,
    pub audio_only: bool,
}

impl From<&MediaInfo> for MediaDto {
    fn from(m: &MediaInfo) -> Self {
        let v = m.video();
        let a = m.audio();
        MediaDto {
            container: m.container.clone(),
            duration_s: m.duration_s,
            bit_rate: m.bit_rate,
            video_codec: v.map(|s| s.codec.clone()),
            audio_codec: a.map(|s| s.codec.clone()),
            width: v.and_then(|s| s.width),
            height: v.and_then(|s| s.height),
            fps: v.and_then(|s| s.fps),
            interlaced: v.and_then(|s| s.interlaced),
            audio_channels: a.and_then(|s| s.channels),
            audio_only: m.is_audio_only(),
        }
    }
}

impl From<&Cue> for CueDto {
    fn from(c: &Cue) -> Self {
        CueDto {
            at_s: c.at_s,
            text: c.text.clone(),
        }
    }
}

impl From<Film> for FilmDto {
    fn from(f: Film) -> Self {
        FilmDto {
            thumb_url: format!("/media/{}/thumb.jpg", f.id),
            id: f.id.to_string(),
            title: f.title,
            series: f.series,
            episode: f.episode,
            category: f.category.map(|c| c.as_str()),
            category_label: f.category.map(|c| c.label()),
            themes: f.themes,
            year: f.year,
            producer: f.producer,
            summary: f.summary,
            prep_notes: f.prep_notes,
            cues: f.cues.iter().map(CueDto::from).collect(),
            state: f.state.as_str(),
            reason: f.reason,
            source_name: f.source.name,
            missing: f.missing,
            media: f.media.as_ref().map(MediaDto::from),
            hls_url: None,
            tv_mp4_url: None,
            preparation: None,
        }
    }
}

/// One page of films.
#[derive(Serialize)]
pub struct FilmListDto {
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
    pub items: Vec<FilmDto>,
}

/// Query string of `GET /api/v1/films`.
#[derive(Deserialize, Default)]
pub struct FilmListQuery {
    pub q: Option<String>,
    pub category: Option<String>,
    pub theme: Option<String>,
    pub series: Option<String>,
    pub year: Option<i32>,
    pub state: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

/// A series for browsing.
#[derive(Serialize)]
pub struct SeriesDto {
    pub name: String,
    pub category: Option<&'static str>,
    pub film_count: u32,
    pub summary: Option<String>,
}

impl From<Series> for SeriesDto {
    fn from(s: Series) -> Self {
        SeriesDto {
            name: s.name,
            category: s.category.map(|c| c.as_str()),
            film_count: s.film_count,
            summary: s.summary,
        }
    }
}

/// A theme for browsing.
#[derive(Serialize)]
pub struct ThemeDto {
    pub name: String,
    pub film_count: u32,
}

impl From<Theme> for ThemeDto {
    fn from(t: Theme) -> Self {
        ThemeDto {
            name: t.name,
            film_count: t.film_count,
        }
    }
}

/// A list wrapper: `{"items": [...]}`.
#[derive(Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// Body of `POST /api/v1/session`.
#[derive(Deserialize)]
pub struct SignInBody {
    pub name: String,
    pub password: String,
}

/// Who is signed in.
#[derive(Serialize)]
pub struct SessionDto {
    pub signed_in: bool,
    pub name: Option<String>,
    pub role: Option<&'static str>,
    /// The ledger holds the demo year of `serve --demo` (the office shows 演示数据);
    /// left out when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
}

/// Body of `POST /api/v1/users`.
#[derive(Deserialize)]
pub struct NewUserBody {
    pub name: String,
    pub password: String,
    pub role: String,
}

/// A station with its 六有 checklist (`GET /api/v1/stations/{id}`).
#[derive(Serialize)]
pub struct StationDto {
    #[serde(flatten)]
    pub station: crate::stations::Station,
    pub checklist: Vec<crate::stations::ChecklistEntry>,
}

/// An ended play: its viewing record, the ledger `seq` of its entry and whether it made one
/// (a play with no station makes none).
#[derive(Serialize)]
pub struct EndedDto {
    #[serde(flatten)]
    pub viewing: crate::records::Viewing,
    pub seq: Option<u64>,
    pub recorded: bool,
}

/// Whether TV pairing is paused, with the sentence saying why when it is.
#[derive(Serialize)]
pub struct PairingStatusDto {
    #[serde(flatten)]
    pub status: crate::stations::PairingStatus,
    pub message: Option<String>,
}

/// A film on the TV's home screen, with where this TV left it.
#[derive(Serialize)]
pub struct HomeFilmDto {
    #[serde(flatten)]
    pub film: FilmDto,
    pub resume_s: Option<f64>,
}

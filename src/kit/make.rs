//! Making a kit: the films' prepared `tv.mp4` and posters, the manifest (films with prep
//! notes and cue prompts, the roster, the validity) signed with a new kit key, and the page.
//! Written into a hidden `.<kit>.partial` folder and renamed into place when complete, so a
//! stick pulled out half-way never holds something that looks like a kit.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use media_catalog::{FilmId, FilmState};
use serde_json::json;

use super::manifest::{self, KitCue, KitFilm, KitMember, Manifest, StoredKit, MANIFEST_FORMAT};
use super::{KitError, Kits, Progress, PAGE_FILE};
use crate::ledger::{Draft, EntryKind};
use crate::stations::{Station, StationKind};

/// Which films go on the kit.
#[derive(Clone, Debug)]
pub enum FilmChoice {
    /// These film ids.
    Films(Vec<String>),
    /// The films of the station's latest plan for this quarter.
    Plan { year: i32, quarter: u8 },
}

impl FilmChoice {
    /// `2026-Q3` (or `2026-q3`) as a plan choice.
    pub fn parse_plan(s: &str) -> Option<FilmChoice> {
        let (year, q) = s.split_once(['-'])?;
        let quarter: u8 = q.strip_prefix(['Q', 'q'])?.parse().ok()?;
        Some(FilmChoice::Plan {
            year: year.parse().ok()?,
            quarter: (1..=4).contains(&quarter).then_some(quarter)?,
        })
    }
}

/// What to make.
#[derive(Clone, Debug)]
pub struct MakeRequest {
    /// The station's id or its code.
    pub station: String,
    pub films: FilmChoice,
    /// The kit's folder is made inside this one.
    pub out_dir: PathBuf,
}

/// A kit made.
#[derive(Clone, Debug)]
pub struct MadeKit {
    pub manifest: Manifest,
    pub folder: PathBuf,
    /// The `field_kit` entry that records it.
    pub entry_seq: u64,
}

/// A checked request: what will be copied where.
struct Planned {
    stored: StoredKit,
    manifest: Manifest,
    files: Vec<(PathBuf, String)>,
    total: u64,
    out_dir: PathBuf,
    folder: PathBuf,
}

impl Kits {
    /// Makes a kit now (the command line: any `--out`), calling `progress(copied, total)`.
    pub fn make(
        &self,
        req: &MakeRequest,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<MadeKit, KitError> {
        let planned = self.plan(req)?;
        self.write(planned, progress)
    }

    /// Starts making a kit in the background (the office): the output folder must be one
    /// of `kit_out_dirs`. Returns the first progress; poll [`Kits::progress`].
    pub fn start(self: &Arc<Self>, req: MakeRequest) -> Result<Progress, KitError> {
        let planned = self.plan(&req)?;
        if !self.settings.out_dirs.iter().any(|d| d == &req.out_dir) {
            return Err(KitError::OutDirRefused);
        }
        // One copy at a time: two kits written at once would halve a USB stick's speed each.
        if self.lock_jobs().values().any(|p| p.state == "making") {
            return Err(KitError::Busy);
        }
        let kit_id = planned.manifest.kit_id.clone();
        let first = Progress {
            kit_id: kit_id.clone(),
            state: "making",
            copied_bytes: 0,
            total_bytes: planned.total,
            folder: None,
            error: None,
        };
        self.lock_jobs().insert(kit_id.clone(), first.clone());
        let kits = self.clone();
        // Copying gigabytes to a USB stick is blocking work: its own thread.
        std::thread::spawn(move || {
            let id = kit_id.clone();
            let mut report = |copied, total| {
                if let Some(p) = kits.lock_jobs().get_mut(&id) {
                    (p.copied_bytes, p.total_bytes) = (copied, total);
                }
            };
            let result = kits.write(planned, &mut report);
            if let Some(p) = kits.lock_jobs().get_mut(&kit_id) {
                match result {
                    Ok(made) => {
                        p.state = "done";
                        p.folder = Some(made.folder.display().to_string());
                    }
                    Err(e) => {
                        tracing::error!(kit = %kit_id, error = ?e, "making a field kit failed");
                        p.state = "failed";
                        p.error = Some(e.to_string());
                    }
                }
            }
        });
        Ok(first)
    }

    fn plan(&self, req: &MakeRequest) -> Result<Planned, KitError> {
        let station = self.station(&req.station)?;
        let film_ids = match &req.films {
            FilmChoice::Films(ids) => ids.clone(),
            FilmChoice::Plan { year, quarter } => self.plan_films(&station, *year, *quarter)?,
        };
        if film_ids.is_empty() || film_ids.len() > 200 {
            return Err(KitError::Invalid(
                "请选择 1 到 200 部影片（choose 1 to 200 films）".into(),
            ));
        }
        let (films, files, total) = self.kit_films(&film_ids)?;
        let members = self
            .stations
            .members(&station.id)?
            .into_iter()
            .map(|m| KitMember {
                id: m.id,
                name: m.name,
                member_no: m.member_no,
            })
            .collect();
        let key = manifest::new_key();
        let made_at = self.ledger.now();
        let valid_to = made_at + time::Duration::days(i64::from(self.settings.valid_days));
        let kit_id = format!("kit_{}", &hex::encode(rand::random::<[u8; 6]>()));
        let manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            kit_id: kit_id.clone(),
            station_id: station.id.clone(),
            station_code: station.code.clone(),
            station_name: station.name.clone(),
            township: station.township.clone(),
            made_at: super::rules::stamp(made_at),
            valid_from: super::rules::stamp(made_at),
            valid_to: super::rules::stamp(valid_to),
            films,
            members,
            public_key: hex::encode(key.verifying_key().to_bytes()),
        };
        let manifest_json = serde_json::to_string(&manifest)?;
        let code: String = station
            .code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let date = self.days.date_of(made_at).to_string().replace('-', "");
        let folder = req
            .out_dir
            .join(format!("电教放映包-{code}-{date}-{kit_id}"));
        Ok(Planned {
            stored: StoredKit {
                signature: manifest::sign(&key, &manifest_json),
                manifest_json,
                secret: hex::encode(key.to_bytes()),
                folder: folder.display().to_string(),
            },
            manifest,
            files,
            total,
            out_dir: req.out_dir.clone(),
            folder,
        })
    }

    fn station(&self, id_or_code: &str) -> Result<Station, KitError> {
        let station = match self.stations.get(id_or_code)? {
            Some(s) => s,
            None => self
                .stations
                .list()?
                .into_iter()
                .find(|s| s.code == id_or_code)
                .ok_or_else(|| KitError::UnknownStation(id_or_code.chars().take(64).collect()))?,
        };
        if station.kind != StationKind::Pastoral {
            return Err(KitError::NotPastoral(station.name));
        }
        if station.is_retired() {
            return Err(KitError::Invalid(format!(
                "站点 {} 已撤销，不能制作放映包（the station is retired）",
                station.name
            )));
        }
        Ok(station)
    }

    fn plan_films(
        &self,
        station: &Station,
        year: i32,
        quarter: u8,
    ) -> Result<Vec<String>, KitError> {
        let q = self.reports.quarterly(&station.id, year, quarter)?;
        let plan = q.plan.ok_or(KitError::NoPlan { year, quarter })?;
        Ok(plan.items.into_iter().map(|i| i.film_id).collect())
    }

    /// The films' manifest lines, the files to copy and their total size.
    #[allow(clippy::type_complexity)]
    fn kit_films(
        &self,
        ids: &[String],
    ) -> Result<(Vec<KitFilm>, Vec<(PathBuf, String)>, u64), KitError> {
        let mut films: Vec<KitFilm> = Vec::new();
        let mut files = Vec::new();
        for id in ids {
            if films.iter().any(|f| &f.id == id) {
                continue;
            }
            let (film, mut copies) = self.kit_film(id)?;
            films.push(film);
            files.append(&mut copies);
        }
        let total = files
            .iter()
            .map(|(p, _)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .sum();
        Ok((films, files, total))
    }

    /// A film's manifest line and its files (source path, path in the kit).
    fn kit_film(&self, id: &str) -> Result<(KitFilm, Vec<(PathBuf, String)>), KitError> {
        let unknown = || KitError::UnknownFilm(id.chars().take(64).collect());
        let fid = FilmId::parse(id).map_err(|_| unknown())?;
        let film = self.catalog.get(&fid)?.ok_or_else(unknown)?;
        let tv = self
            .settings
            .renditions_dir
            .join(fid.as_str())
            .join("tv.mp4");
        if film.state != FilmState::Ready || !tv.is_file() {
            return Err(KitError::FilmNotReady(film.title));
        }
        let file = format!("films/{fid}.mp4");
        let mut files = vec![(tv, file.clone())];
        let thumb = self.settings.thumbs_dir.join(format!("{fid}.jpg"));
        let poster = thumb.is_file().then(|| format!("posters/{fid}.jpg"));
        if let Some(p) = &poster {
            files.push((thumb, p.clone()));
        }
        let duration = film.media.as_ref().map_or(0.0, |m| m.duration_s);
        let kit_film = KitFilm {
            id: fid.to_string(),
            title: film.title,
            duration_s: if duration.is_finite() && duration > 0.0 {
                duration.ceil() as u64
            } else {
                0
            },
            file,
            poster,
            prep_notes: film.prep_notes,
            cues: film
                .cues
                .into_iter()
                .map(|c| KitCue {
                    at_s: c.at_s,
                    text: c.text,
                })
                .collect(),
        };
        Ok((kit_film, files))
    }

    fn write(&self, p: Planned, progress: &mut dyn FnMut(u64, u64)) -> Result<MadeKit, KitError> {
        if !p.out_dir.is_dir() {
            if p.out_dir == self.settings.default_dir {
                std::fs::create_dir_all(&p.out_dir).map_err(write_err("输出文件夹"))?;
            } else {
                return Err(KitError::OutDirMissing(p.out_dir));
            }
        }
        let staging = p.out_dir.join(format!(".{}.partial", p.manifest.kit_id));
        let result = self.fill(&staging, &p, progress);
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        std::fs::rename(&staging, &p.folder).map_err(write_err("放映包文件夹"))?;
        let stored = serde_json::to_vec(&p.stored)?;
        self.kits.insert(p.manifest.kit_id.as_bytes(), stored)?;
        self.kits.flush()?;
        let m = &p.manifest;
        let payload = json!({
            "action": "made", "kit_id": m.kit_id, "folder": p.stored.folder,
            "films": m.films.iter().map(|f| json!({"id": f.id, "title": f.title})).collect::<Vec<_>>(),
            "members": m.members.len(), "valid_from": m.valid_from, "valid_to": m.valid_to,
            "public_key": m.public_key,
        });
        let entry = self.ledger.append(Draft::new(
            EntryKind::FieldKit,
            Some(&m.station_id),
            payload,
        ))?;
        Ok(MadeKit {
            manifest: p.manifest,
            folder: p.folder,
            entry_seq: entry.seq,
        })
    }

    fn fill(
        &self,
        dir: &Path,
        p: &Planned,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(), KitError> {
        for sub in ["films", "posters", "kit"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(write_err(sub))?;
        }
        let page = &self.settings.page_dir;
        copy(&page.join("index.html"), &dir.join(PAGE_FILE), &mut |_| {})?;
        let assets = std::fs::read_dir(page.join("assets")).map_err(write_err("网页文件"))?;
        for asset in assets {
            let asset = asset.map_err(write_err("网页文件"))?;
            if asset.file_type().map_err(write_err("网页文件"))?.is_file() {
                copy(
                    &asset.path(),
                    &dir.join("kit").join(asset.file_name()),
                    &mut |_| {},
                )?;
            }
        }
        let data = manifest::data_js(&p.stored);
        write_synced(&dir.join("kit/data.js"), data.as_bytes())?;
        let mut copied = 0u64;
        progress(0, p.total);
        for (src, rel) in &p.files {
            copy(src, &dir.join(rel), &mut |n| {
                copied += n;
                progress(copied, p.total);
            })?;
        }
        Ok(())
    }
}

fn write_err(what: &str) -> impl Fn(std::io::Error) -> KitError + '_ {
    move |source| KitError::Write {
        what: what.to_owned(),
        source,
    }
}

/// Copies `src` to `dst` in 1 MiB pieces, telling `each` how many bytes went, then syncs
/// (a USB stick pulled out after "done" must hold the file).
fn copy(src: &Path, dst: &Path, each: &mut dyn FnMut(u64)) -> Result<(), KitError> {
    let name = dst
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let err = write_err(&name);
    let mut from = File::open(src).map_err(&err)?;
    let mut to = File::create(dst).map_err(&err)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = from.read(&mut buf).map_err(&err)?;
        if n == 0 {
            break;
        }
        to.write_all(&buf[..n]).map_err(&err)?;
        each(n as u64);
    }
    to.sync_all().map_err(&err)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), KitError> {
    let err = write_err("kit/data.js");
    let mut f = File::create(path).map_err(&err)?;
    f.write_all(bytes).map_err(&err)?;
    f.sync_all().map_err(&err)
}

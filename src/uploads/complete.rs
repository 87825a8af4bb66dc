//! A finished upload: its file moves to `<data>/media/<id>/` beside a `catalog.toml` that
//! describes it (本地制作, the township as producer, the title), then the library probes and
//! catalogues it and preparation takes it; a production counts toward the township's task.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use media_catalog::{Film, FilmState};

use super::{io, sync_dir, Upload, UploadError, UploadState, Uploads};
use crate::entries::ProductionRequest;

impl Uploads {
    /// Moves a fully received upload into the media folder, records it complete and
    /// catalogues it in the background (probing may take a while). Blocking.
    pub(super) fn finish_upload(self: &Arc<Self>, mut up: Upload) -> Result<Upload, UploadError> {
        self.place(&up)?;
        up.state = UploadState::Complete;
        self.save(&up)?;
        self.ingest_later(up.id.clone());
        Ok(up)
    }

    /// The finished file's folder and path.
    fn media_path(&self, up: &Upload) -> (PathBuf, PathBuf) {
        let dir = self.cfg.media_dir.join(&up.id);
        let file = dir.join(&up.file_name);
        (dir, file)
    }

    /// Writes the folder's `catalog.toml`, then renames the partial file beside it; both
    /// synced. Safe to repeat after a crash half way.
    fn place(&self, up: &Upload) -> Result<(), UploadError> {
        let (dir, file) = self.media_path(up);
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let meta_path = dir.join(media_catalog::folder_meta::FILE_NAME);
        write_synced(&meta_path, self.catalog_toml(up).as_bytes())?;
        let part = self.part_path(&up.id);
        if part.exists() || !file.exists() {
            fs::rename(&part, &file).map_err(io(&part))?;
        }
        for d in [&dir, &self.cfg.media_dir, &self.cfg.dir] {
            sync_dir(d)?;
        }
        Ok(())
    }

    /// The description the library applies to the file (see `folder_meta`).
    fn catalog_toml(&self, up: &Upload) -> String {
        let mut entry = toml::Table::new();
        entry.insert("title".into(), up.title().into());
        let mut files = toml::Table::new();
        files.insert(up.file_name.clone(), entry.into());
        let mut table = toml::Table::new();
        table.insert("category".into(), "本地制作".into());
        table.insert("producer".into(), self.cfg.township.clone().into());
        table.insert("files".into(), files.into());
        table.to_string()
    }

    fn ingest_later(self: &Arc<Self>, id: String) {
        let uploads = self.clone();
        let spawned = std::thread::Builder::new()
            .name("upload-ingest".into())
            .spawn(move || {
                if let Err(e) = uploads.ingest(&id) {
                    tracing::error!(upload = %id, error = ?e, "cataloguing an upload failed");
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start cataloguing an upload");
        }
    }

    /// Probes and catalogues a complete upload's file, then counts a production. Blocking.
    fn ingest(&self, id: &str) -> Result<Film, UploadError> {
        let mut up = self.get(id)?;
        let (_, path) = self.media_path(&up);
        let film = self
            .deps
            .library
            .ingest_file(&path, up.meta.filename.as_deref().map(client_base_name))?;
        tracing::info!(upload = %id, film = %film.id, state = ?film.state, "upload catalogued");
        up.film_id = Some(film.id.to_string());
        self.save(&up)?;
        let playable = !matches!(film.state, FilmState::Rejected | FilmState::Failed);
        if let (Some(production), false, true) = (up.meta.production, up.delivered, playable) {
            self.deps.entries.production(ProductionRequest {
                film_id: film.id.to_string(),
                production,
                year: None,
            })?;
            up.delivered = true;
            self.save(&up)?;
        }
        Ok(film)
    }

    /// After a restart: places uploads whose last byte was acknowledged but which were not
    /// moved yet, and catalogues complete uploads without a film (or whose probe failed).
    pub(super) fn resume(self: &Arc<Self>) -> Result<(), UploadError> {
        for item in self.tree.iter() {
            let (_, bytes) = item?;
            let up: Upload = serde_json::from_slice(&bytes)?;
            match up.state {
                UploadState::Uploading if up.length > 0 && up.offset == up.length => {
                    self.finish_upload(up)?;
                }
                UploadState::Complete if self.needs_ingest(&up)? => {
                    self.ingest_later(up.id.clone());
                }
                UploadState::Uploading | UploadState::Complete => {}
            }
        }
        Ok(())
    }

    fn needs_ingest(&self, up: &Upload) -> Result<bool, UploadError> {
        let Some(Ok(id)) = up.film_id.as_deref().map(media_catalog::FilmId::parse) else {
            return Ok(true);
        };
        let film = self.deps.catalog.get(&id)?;
        let undelivered = up.meta.production.is_some() && !up.delivered;
        Ok(film.is_none_or(|f| {
            f.state == FilmState::Failed || (undelivered && f.state != FilmState::Rejected)
        }))
    }
}

/// The client's file name without any folder a browser or tool may have put before it
/// (`C:\fakepath\新闻.mp4`): metadata only, never a path on this server.
pub(crate) fn client_base_name(name: &str) -> &str {
    name.rsplit(['/', '\\'])
        .find(|part| !part.trim().is_empty())
        .unwrap_or(name)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), UploadError> {
    use std::io::Write;
    let mut f = fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::client_base_name;

    #[test]
    fn a_client_file_name_loses_any_folder_before_it() {
        assert_eq!(client_base_name("党建新闻.MP4"), "党建新闻.MP4");
        assert_eq!(client_base_name("C:\\fakepath\\新闻.mp4"), "新闻.mp4");
        assert_eq!(client_base_name("../../etc/片.mp4"), "片.mp4");
        assert_eq!(client_base_name("片.mp4/"), "片.mp4");
    }
}

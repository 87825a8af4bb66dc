//! What the just-in-time service keeps on disk, and when it is removed: a film's segments
//! when it is prepared or gone, half-written files after a crash.

use std::path::Path;

use media_catalog::FilmId;

use super::Jit;

impl Jit {
    /// Stops the film's producer and removes its segments (the film is prepared, or gone).
    pub fn forget(&self, film: &FilmId) {
        self.stop(film);
        self.lock().plans.remove(film);
        let dir = self.root.join(film.as_str());
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %dir.display(), error = %e, "cannot remove just-in-time segments");
            }
        }
    }

    /// On start: removes the segments of films `keep` says no longer need them (prepared, or
    /// gone from the catalog) and the half-written files a crash left. (Segments of an older
    /// version of a changed film stay until that film is prepared.)
    pub fn clean(&self, keep: impl Fn(&FilmId) -> bool) {
        let Ok(films) = std::fs::read_dir(&self.root) else {
            return;
        };
        for entry in films.flatten() {
            let name = entry.file_name();
            let id = FilmId::parse(&name.to_string_lossy()).ok();
            if !id.as_ref().is_some_and(&keep) {
                let _ = std::fs::remove_dir_all(entry.path());
                continue;
            }
            remove_partials(&entry.path());
        }
    }
}

/// Deletes `*.part` files below `dir`.
fn remove_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_partials(&path);
        } else if path.extension().is_some_and(|e| e == "part") {
            let _ = std::fs::remove_file(&path);
        }
    }
}

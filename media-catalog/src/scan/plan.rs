//! Deciding, from the stored films and a fresh walk, what a rescan must do.
//!
//! Bookkeeping over the store's small scan entries (not whole films), hashing only files whose
//! size or time changed and files at new paths; the caller writes the changes to the films.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{fingerprint, FoundFile, ProbeTask, ScanPlan, ScanProblem, WalkReport};
use crate::model::Fingerprint;
use crate::store::ScanEntry;

/// A plan, and the entries it changed (relinked, fingerprint refreshed, missing flag
/// flipped): their films must be updated to match.
#[derive(Debug)]
pub(crate) struct PlanOutcome {
    pub plan: ScanPlan,
    pub changed: Vec<ScanEntry>,
}

/// Plans a rescan of `walk.root` against the scan entries of every stored film.
pub(crate) fn plan(films: Vec<ScanEntry>, walk: &WalkReport) -> PlanOutcome {
    let found: HashSet<&Path> = walk.files.iter().map(|f| f.path.as_path()).collect();
    let mut planner = Planner {
        by_path: films
            .iter()
            .enumerate()
            .map(|(i, f)| (f.path.clone(), i))
            .collect(),
        // A file at a new path can only be a film that is missing, or about to be because its
        // own path under this root was not found.
        move_candidates: films
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.missing || (f.path.starts_with(&walk.root) && !found.contains(f.path.as_path()))
            })
            .map(|(i, _)| i)
            .collect(),
        changed: vec![false; films.len()],
        films,
        plan: ScanPlan::default(),
    };
    for file in &walk.files {
        match planner.by_path.get(&file.path).copied() {
            Some(i) => planner.known_path(i, file),
            None => planner.new_path(file),
        }
    }
    planner.mark_missing(&walk.root, &found);
    planner.finish()
}

struct Planner {
    films: Vec<ScanEntry>,
    by_path: HashMap<std::path::PathBuf, usize>,
    move_candidates: Vec<usize>,
    changed: Vec<bool>,
    plan: ScanPlan,
}

impl Planner {
    /// A file at the path of a stored film.
    fn known_path(&mut self, i: usize, file: &FoundFile) {
        let stored = self.films[i].fingerprint.clone();
        // A record without the file's identity (older than it) is read once to record it.
        let same_stat = stored.size == file.size
            && stored.mtime_ns == file.mtime_ns
            && stored.identity.is_some();
        if same_stat && self.films[i].retry {
            self.back_if_missing(i);
            self.plan.to_probe.push(ProbeTask {
                found: file.clone(),
                fingerprint: stored,
                existing: Some(self.films[i].id.clone()),
            });
            return;
        }
        if same_stat {
            self.plan.unchanged += 1;
            self.back_if_missing(i);
            return;
        }
        let Some(new) = self.hash(file) else { return };
        self.back_if_missing(i);
        if same_content(&stored, &new) {
            self.plan.updated += 1;
            self.films[i].fingerprint = new;
            self.touch(i);
        } else {
            self.plan.to_probe.push(ProbeTask {
                found: file.clone(),
                fingerprint: new,
                existing: Some(self.films[i].id.clone()),
            });
        }
    }

    /// A file at a path no film has: a moved film, or something to probe.
    fn new_path(&mut self, file: &FoundFile) {
        let Some(new) = self.hash(file) else { return };
        let moved = self
            .move_candidates
            .iter()
            .position(|&i| same_content(&self.films[i].fingerprint, &new));
        let Some(at) = moved else {
            self.plan.to_probe.push(ProbeTask {
                found: file.clone(),
                fingerprint: new,
                existing: None,
            });
            return;
        };
        let i = self.move_candidates.remove(at);
        let film = &mut self.films[i];
        film.path = file.path.clone();
        film.fingerprint = new;
        film.missing = false;
        self.plan.relinked += 1;
        self.touch(i);
    }

    /// Films under `root` whose path was not found (and that were not relinked).
    fn mark_missing(&mut self, root: &Path, found: &HashSet<&Path>) {
        for i in 0..self.films.len() {
            let film = &self.films[i];
            let gone = film.path.starts_with(root) && !found.contains(film.path.as_path());
            if gone && !film.missing {
                self.films[i].missing = true;
                self.plan.newly_missing += 1;
                self.touch(i);
            }
        }
    }

    fn back_if_missing(&mut self, i: usize) {
        if self.films[i].missing {
            self.films[i].missing = false;
            self.plan.returned += 1;
            self.touch(i);
        }
    }

    /// The file's fingerprint, or `None` with a problem noted when it cannot be read.
    fn hash(&mut self, file: &FoundFile) -> Option<Fingerprint> {
        match fingerprint(&file.path, file.size, file.mtime_ns) {
            Ok(fp) => Some(fp),
            Err(source) => {
                self.plan.problems.push(ScanProblem::Unreadable {
                    path: file.path.clone(),
                    source,
                });
                None
            }
        }
    }

    fn touch(&mut self, i: usize) {
        self.changed[i] = true;
    }

    fn finish(self) -> PlanOutcome {
        let changed = self
            .films
            .into_iter()
            .zip(self.changed)
            .filter_map(|(film, changed)| changed.then_some(film))
            .collect();
        PlanOutcome {
            plan: self.plan,
            changed,
        }
    }
}

/// Same length and same head and tail: the same content for the catalog's purposes.
fn same_content(a: &Fingerprint, b: &Fingerprint) -> bool {
    a.size == b.size && a.head_tail_sha256 == b.head_tail_sha256
}

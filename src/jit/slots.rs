//! Who holds the just-in-time transcode slots (a film may have several producers, one per
//! distant viewer). A producer holds one from its start until its
//! worker process is reaped — a producer told to stop (replaced by a seek, or stopped) keeps
//! holding it while it dies. A new producer may start when those not being stopped stay
//! within `jit_max` and all of them within `jit_max` + 1 (one being replaced); otherwise the
//! request waits for a dying one to be reaped, or is told the server is busy.

use std::collections::HashMap;
use std::sync::Arc;

use media_catalog::FilmId;

use super::producer::Producer;
use super::seeks::SeekLimit;
use super::JitPlan;

/// What the service keeps under its lock.
pub(super) struct State {
    pub plans: HashMap<FilmId, Arc<JitPlan>>,
    /// The producers of each film (some possibly ended), in no order.
    pub producers: HashMap<FilmId, Vec<Arc<Producer>>>,
    /// Producers told to stop whose worker is not reaped yet.
    stopping: Vec<Arc<Producer>>,
    pub seeks: SeekLimit,
}

/// Why a producer cannot start now.
pub(super) enum NoRoom {
    /// The slots are taken by producers that are not going away.
    Busy { running: usize },
    /// Only a producer being stopped is in the way: wait until it is reaped.
    Reaping(Arc<Producer>),
}

impl State {
    pub fn new(seeks: SeekLimit) -> State {
        State {
            plans: HashMap::new(),
            producers: HashMap::new(),
            stopping: Vec::new(),
            seeks,
        }
    }

    /// Transcoding producers whose worker is alive, stopping ones included.
    pub fn running(&self) -> usize {
        self.active() + self.dying().count()
    }

    /// Whether a transcoding producer may start, stopping `replacing` (the film's current
    /// producer) to make room.
    pub fn room(&mut self, max: usize, replacing: Option<&Producer>) -> Result<(), NoRoom> {
        self.stopping.retain(|p| p.alive());
        let active = self.active();
        let freed = replacing.is_some_and(|p| p.transcodes && p.alive());
        if active - usize::from(freed) >= max {
            return Err(NoRoom::Busy {
                running: self.running(),
            });
        }
        if active + self.dying().count() > max {
            if let Some(oldest) = self.dying().next() {
                return Err(NoRoom::Reaping(oldest.clone()));
            }
        }
        Ok(())
    }

    /// The film's producers whose worker is alive (the ended ones are forgotten).
    pub fn alive(&mut self, film: &FilmId) -> Vec<Arc<Producer>> {
        let Some(all) = self.producers.get_mut(film) else {
            return Vec::new();
        };
        all.retain(|p| p.alive());
        if all.is_empty() {
            self.producers.remove(film);
            return Vec::new();
        }
        all.clone()
    }

    /// Adds a producer of the film.
    pub fn add(&mut self, film: &FilmId, producer: Arc<Producer>) {
        self.producers
            .entry(film.clone())
            .or_default()
            .push(producer);
    }

    /// Stops the film's producers (if any); each keeps its slot until its worker is reaped.
    pub fn retire(&mut self, film: &FilmId) -> Vec<Arc<Producer>> {
        let producers = self.producers.remove(film).unwrap_or_default();
        for p in &producers {
            self.stop_one(p);
        }
        producers
    }

    /// Stops one of the film's producers.
    pub fn retire_one(&mut self, film: &FilmId, producer: &Arc<Producer>) {
        if let Some(all) = self.producers.get_mut(film) {
            all.retain(|p| !Arc::ptr_eq(p, producer));
        }
        self.stop_one(producer);
    }

    fn stop_one(&mut self, producer: &Arc<Producer>) {
        producer.stop();
        self.stopping.push(producer.clone());
    }

    /// Stops every producer (the service is going away).
    pub fn stop_all(&mut self) {
        for p in self.producers.values().flatten().chain(&self.stopping) {
            p.stop();
        }
    }

    /// Transcoding producers not being stopped whose worker is alive.
    fn active(&self) -> usize {
        self.producers
            .values()
            .flatten()
            .filter(|p| p.transcodes && p.alive())
            .count()
    }

    fn dying(&self) -> impl Iterator<Item = &Arc<Producer>> {
        self.stopping.iter().filter(|p| p.transcodes && p.alive())
    }
}

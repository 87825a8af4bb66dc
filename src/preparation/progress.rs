//! Progress of a running preparation: percent, speed (× real time) and time left.

use std::time::Instant;

use serde::Serialize;

/// A snapshot of one film's preparation.
#[derive(Clone, Debug, Serialize)]
pub struct Progress {
    /// 0–100.
    pub percent: f64,
    /// Seconds of film prepared per second of work.
    pub speed: f64,
    /// Estimated seconds until done; None until the speed is known.
    pub eta_s: Option<f64>,
    #[serde(skip)]
    started: Instant,
}

impl Progress {
    /// The start of a preparation.
    pub fn start() -> Self {
        Progress {
            percent: 0.0,
            speed: 0.0,
            eta_s: None,
            started: Instant::now(),
        }
    }

    /// Updates from the worker's position in a film of `duration_s`.
    pub fn at(&mut self, position_s: f64, duration_s: f64) {
        let elapsed = self.started.elapsed().as_secs_f64();
        if duration_s > 0.0 && position_s.is_finite() {
            self.percent = (position_s / duration_s * 100.0).clamp(0.0, 100.0);
        }
        if elapsed > 0.0 && position_s > 0.0 {
            self.speed = position_s / elapsed;
            self.eta_s = Some(((duration_s - position_s).max(0.0)) / self.speed);
        }
    }
}

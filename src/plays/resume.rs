//! Where a station left off: the last reported position of its latest unfinished play of
//! each film, so the TV UI offers "continue watching" and resumes from there.

use std::collections::HashMap;

use serde::Serialize;

use super::{Play, PlayKind, Plays, PlaysError};

/// Positions closer than this to the start are not worth resuming from, seconds.
const MIN_RESUME_S: f64 = 1.0;
/// A play that got this close to the end (a share of the film, at most [`END_MAX_S`])
/// counts as finished: the film starts again from the beginning.
const END_SHARE: f64 = 0.05;
const END_MAX_S: f64 = 30.0;

/// Where a station's last play of a film stopped.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResumePoint {
    pub film_id: String,
    pub film_title: String,
    /// The last reported position, seconds.
    pub position_s: f64,
    pub duration_s: f64,
    /// When the play started, unix milliseconds (newest first in the list).
    pub started_ms: i64,
}

impl Plays {
    /// The films `station` stopped in the middle of, newest first: for each film, its
    /// latest reported play (open or ended) when that play stopped short of the end.
    pub fn resume_points(&self, station: &str) -> Result<Vec<ResumePoint>, PlaysError> {
        let mut latest: HashMap<String, Play> = HashMap::new();
        let mut keep = |p: Play| {
            if p.kind != PlayKind::Reported || p.station_id.as_deref() != Some(station) {
                return;
            }
            match latest.get(&p.film_id) {
                Some(old) if old.started_ms > p.started_ms => {}
                _ => {
                    latest.insert(p.film_id.clone(), p);
                }
            }
        };
        for item in self.tree.iter() {
            let (_, v) = item?;
            keep(serde_json::from_slice(&v)?);
        }
        // Open plays in memory carry reports the store has not seen yet.
        let open: Vec<Play> = self.lock().open.values().cloned().collect();
        open.into_iter().for_each(&mut keep);
        let mut points: Vec<ResumePoint> = latest.into_values().filter_map(unfinished).collect();
        points.sort_by_key(|p| std::cmp::Reverse(p.started_ms));
        Ok(points)
    }
}

/// The resume point of a play that stopped in the middle of its film.
fn unfinished(p: Play) -> Option<ResumePoint> {
    let (position_s, _) = p.last_report?;
    let end_zone = (p.duration_s * END_SHARE).min(END_MAX_S);
    let finished = p.duration_s > 0.0 && position_s >= p.duration_s - end_zone;
    (position_s >= MIN_RESUME_S && !finished).then_some(ResumePoint {
        film_id: p.film_id,
        film_title: p.film_title,
        position_s,
        duration_s: p.duration_s,
        started_ms: p.started_ms,
    })
}

//! Inferred plays: media requests grouped per (paired TV's station or client address,
//! film), each crediting the film time it delivered. Requests of a client with a reported
//! play of the same film belong to that play and make no inferred one.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use media_catalog::FilmId;

use super::{
    new_id, stamp, Delivered, Hit, Owner, Play, PlayKind, Plays, PlaysError, SegmentSpans, Spans,
    State, MAX_INFERRED_PER_CLIENT, MAX_OPEN_PLAYS,
};
use crate::records::Source;

/// Segment spans of prepared renditions, per (film, rung), read once from `index.m3u8`.
#[derive(Default)]
pub(super) struct PlaylistCache(Mutex<HashMap<(String, String), Arc<SegmentSpans>>>);

/// Playlists kept before the cache starts over (a township has a few thousand films).
const MAX_PLAYLISTS: usize = 512;

impl PlaylistCache {
    /// The segment spans of `rung`: from the prepared playlist in `dir`, else from `plan`
    /// (the just-in-time plan, which the preparation follows segment for segment).
    fn spans(
        &self,
        dir: &Path,
        film: &str,
        rung: &str,
        plan: impl FnOnce() -> Option<SegmentSpans>,
    ) -> Option<Arc<SegmentSpans>> {
        let key = (film.to_owned(), rung.to_owned());
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = map.get(&key) {
            return Some(found.clone());
        }
        let spans = match std::fs::read_to_string(dir.join(rung).join("index.m3u8")) {
            Ok(text) => Arc::new(segment_spans(&text)),
            Err(_) => Arc::new(plan()?),
        };
        if map.len() >= MAX_PLAYLISTS {
            map.clear();
        }
        map.insert(key, spans.clone());
        Some(spans)
    }
}

/// Each segment's `[start, end)` in film time, from a media playlist's `#EXTINF` lines.
pub fn segment_spans(playlist: &str) -> SegmentSpans {
    let mut at = 0.0;
    let mut out = Vec::new();
    for line in playlist.lines() {
        let Some(rest) = line.trim().strip_prefix("#EXTINF:") else {
            continue;
        };
        let secs = rest.split(',').next().unwrap_or("").trim();
        let d: f64 = secs.parse().unwrap_or(0.0);
        let d = if d.is_finite() && d > 0.0 { d } else { 0.0 };
        out.push((at, at + d));
        at += d;
    }
    out
}

impl Plays {
    /// Applies one media request.
    pub(super) fn apply(&self, st: &mut State, hit: Hit) {
        if let Some(id) = self.reported_owner(st, &hit) {
            if let Some(p) = st.open.get_mut(&id) {
                p.last_seen_ms = p.last_seen_ms.max(hit.at_ms);
                st.dirty.insert(id);
            }
            return;
        }
        if st.recent.iter().any(|(p, _)| owns(p, &hit, i64::MAX)) {
            return;
        }
        let Some(group) = hit.who.group() else { return };
        let key = (group.clone(), hit.film_id.clone());
        let id = match st.inferred.get(&key) {
            Some(id) => id.clone(),
            None if st.open.len() >= MAX_OPEN_PLAYS => {
                tracing::debug!(film = %hit.film_id, "media request not logged: too many plays open");
                return;
            }
            None => match self.new_inferred(&hit, group) {
                Ok(play) => {
                    supersede_oldest(st, play.group.as_deref());
                    let id = play.id.clone();
                    st.inferred.insert(key, id.clone());
                    st.open.insert(id.clone(), play);
                    id
                }
                Err(e) => {
                    tracing::debug!(error = ?e, film = %hit.film_id, "media request not logged");
                    return;
                }
            },
        };
        let Some(play) = st.open.get_mut(&id) else {
            return;
        };
        if let Some((a, b)) = self.span_of(&hit, play.duration_s) {
            play.watched.add(a, b);
            play.furthest_s = play.furthest_s.max(b);
        }
        play.last_seen_ms = play.last_seen_ms.max(hit.at_ms);
        st.dirty.insert(id);
    }

    /// The open reported play a media request belongs to, if any.
    fn reported_owner(&self, st: &State, hit: &Hit) -> Option<String> {
        let since = hit.at_ms.saturating_add(self.idle_ms());
        st.open
            .values()
            .find(|p| owns(p, hit, since))
            .map(|p| p.id.clone())
    }

    /// A reported play just started takes over the open inferred plays of the same film from
    /// the same TV (its first media requests may have come before the start).
    pub(super) fn absorb_inferred(&self, st: &mut State, play: &Play) -> Result<(), PlaysError> {
        let taken: Vec<String> = st
            .open
            .values()
            .filter(|p| p.kind == PlayKind::Inferred && p.film_id == play.film_id)
            .filter(|p| {
                (play.client.is_some() && p.client == play.client)
                    || (play.station_id.is_some()
                        && p.group.as_deref()
                            == play
                                .station_id
                                .as_ref()
                                .map(|s| format!("station:{s}"))
                                .as_deref())
            })
            .map(|p| p.id.clone())
            .collect();
        for id in taken {
            st.open.remove(&id);
            st.dirty.remove(&id);
            st.inferred.retain(|_, v| *v != id);
            self.tree.remove(id.as_bytes())?;
        }
        Ok(())
    }

    fn new_inferred(&self, hit: &Hit, group: String) -> Result<Play, PlaysError> {
        let (title, duration_s) = self.film(&hit.film_id)?;
        let by_address = match hit.who.client {
            Some(ip) => self.deps.stations.station_for_address(ip)?,
            None => None,
        };
        let source = if by_address.is_some() {
            Source::Dlna
        } else {
            Source::Direct
        };
        Ok(Play {
            v: 1,
            id: new_id(),
            kind: PlayKind::Inferred,
            station_id: hit.who.station.clone().or(by_address),
            film_id: hit.film_id.clone(),
            film_title: title,
            duration_s,
            client: hit.who.client,
            owner: hit.who.client.map(|ip| Owner::Address { ip }),
            source,
            started_at: stamp(hit.at_ms),
            started_ms: hit.at_ms,
            last_seen_ms: hit.at_ms,
            last_report: None,
            furthest_s: 0.0,
            watched: Spans::default(),
            signins: Vec::new(),
            photos: Vec::new(),
            group: Some(group),
            closing_from: None,
            ended: None,
        })
    }

    /// The film time a request delivered, inside `[0, duration]` when that is known.
    fn span_of(&self, hit: &Hit, duration_s: f64) -> Option<(f64, f64)> {
        let (a, b) = match &hit.what {
            Delivered::Span { start_s, end_s } => (*start_s, *end_s),
            Delivered::Segment { rung, index } => {
                let film = FilmId::parse(&hit.film_id).ok()?;
                let dir = (self.deps.film_dir)(&film);
                let planned = || (self.deps.planned_segments)(&film);
                let spans = self.playlists.spans(&dir, &hit.film_id, rung, planned)?;
                *spans.get(*index)?
            }
            Delivered::Bytes { from, to, len } => {
                if *len == 0 || duration_s <= 0.0 {
                    return None;
                }
                let scale = duration_s / *len as f64;
                (*from as f64 * scale, (*to).min(*len) as f64 * scale)
            }
        };
        let end = if duration_s > 0.0 {
            b.min(duration_s)
        } else {
            b
        };
        (end > a && a >= 0.0).then_some((a, end))
    }
}

/// Marks the least recently fed open inferred plays of `group` superseded (the next sweep
/// closes them) until a new one fits under [`MAX_INFERRED_PER_CLIENT`]: a TV shows one film
/// at a time, so one client cannot run a dozen showings side by side.
fn supersede_oldest(st: &mut State, group: Option<&str>) {
    let mut mine: Vec<(i64, String)> = st
        .open
        .values()
        .filter(|p| p.kind == PlayKind::Inferred && p.group.as_deref() == group)
        .filter(|p| !st.closing.contains(&p.id) && !st.superseded.contains(&p.id))
        .map(|p| (p.last_seen_ms, p.id.clone()))
        .collect();
    mine.sort();
    let extra = (mine.len() + 1).saturating_sub(MAX_INFERRED_PER_CLIENT);
    for (_, id) in mine.into_iter().take(extra) {
        st.inferred.retain(|_, v| *v != id);
        st.superseded.insert(id);
    }
}

/// True when `hit` comes from the TV of reported play `p` (same paired station or same
/// address) for the same film, no earlier than the idle time before the play started
/// (`since` is the hit's time plus the idle time; `i64::MAX` skips that check).
fn owns(p: &Play, hit: &Hit, since: i64) -> bool {
    p.kind == PlayKind::Reported
        && p.film_id == hit.film_id
        && since >= p.started_ms
        && ((hit.who.station.is_some() && p.station_id == hit.who.station)
            || (hit.who.client.is_some() && p.client == hit.who.client))
}

#[cfg(test)]
mod tests {
    use super::segment_spans;

    #[test]
    fn segments_map_to_the_film_time_their_extinf_says() {
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:4.000,\nseg-00000.ts\n\
                    #EXTINF:4.500,\nseg-00001.ts\n#EXTINF:1.250,\nseg-00002.ts\n#EXT-X-ENDLIST\n";
        let spans = segment_spans(text);
        assert_eq!(spans, vec![(0.0, 4.0), (4.0, 8.5), (8.5, 9.75)]);
        assert!(segment_spans("not a playlist").is_empty());
        assert_eq!(segment_spans("#EXTINF:nan,\nx.ts\n"), vec![(0.0, 0.0)]);
    }
}

//! What the server keeps of renderers across restarts (sled, JSON records with a version):
//! each station's renderers by UDN (name, address, last seen, last used), so the office sees
//! which TVs a station has used even after a restart; and the description locations the
//! office registered for stations whose TVs the search cannot find (routed villages:
//! libupnp renderers answer no search from another subnet), read again every search round.

use serde::{Deserialize, Serialize};

/// A station keeps at most this many registered locations (a village has a few TVs).
pub const MAX_PER_STATION: usize = 16;
/// All stations together keep at most this many.
const MAX_LOCATIONS: usize = 4096;
/// A station keeps at most this many renderers; the longest unseen goes first.
const MAX_RENDERERS_PER_STATION: usize = 64;

/// Why the renderer store failed.
#[derive(Debug, thiserror::Error)]
pub enum KnownError {
    #[error("renderer store failure")]
    Store(#[from] sled::Error),
    #[error("a renderer record is unreadable")]
    Record(#[from] serde_json::Error),
    #[error("the station has {MAX_PER_STATION} registered TV locations already")]
    Full,
}

/// A description location registered to a station.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Registered {
    pub v: u32,
    pub station_id: String,
    /// `http://IP:PORT/path`, its IP registered to the station when it was added.
    pub location: String,
    /// RFC 3339, UTC.
    pub added_at: String,
}

/// A station's renderer as last seen, and when a film was last pushed to it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stored {
    pub v: u32,
    pub station_id: String,
    /// The UDN.
    pub id: String,
    pub name: String,
    pub address: String,
    /// RFC 3339, UTC.
    pub last_seen: String,
    #[serde(default)]
    pub last_used: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
}

/// The renderer records.
pub struct Known {
    locations: sled::Tree,
    renderers: sled::Tree,
}

impl Known {
    pub fn open(db: &sled::Db) -> Result<Known, KnownError> {
        Ok(Known {
            locations: db.open_tree("dlna_renderer_locations")?,
            renderers: db.open_tree("dlna_renderers")?,
        })
    }

    /// Keeps what a search round found of a station's renderer (its last use stays).
    pub fn seen(&self, mut r: Stored) -> Result<(), KnownError> {
        let key = key(&r.station_id, &r.id);
        if let Some(old) = self.renderers.get(&key)? {
            if let Ok(old) = serde_json::from_slice::<Stored>(&old) {
                r.last_used = old.last_used;
            }
        } else {
            self.make_room(&r.station_id)?;
        }
        self.renderers.insert(key, serde_json::to_vec(&r)?)?;
        Ok(())
    }

    /// Notes that a film was just pushed to the station's renderer `id`.
    pub fn used(&self, station_id: &str, id: &str) -> Result<(), KnownError> {
        let key = key(station_id, id);
        let Some(old) = self.renderers.get(&key)? else {
            return Ok(());
        };
        let mut r: Stored = serde_json::from_slice(&old)?;
        r.last_used = Some(now());
        self.renderers.insert(key, serde_json::to_vec(&r)?)?;
        self.renderers.flush()?;
        Ok(())
    }

    /// The station's renderers, as last kept.
    pub fn of_station(&self, station_id: &str) -> Result<Vec<Stored>, KnownError> {
        let mut out = Vec::new();
        for kv in self.renderers.scan_prefix(prefix(station_id)) {
            let (_, value) = kv?;
            if let Ok(r) = serde_json::from_slice::<Stored>(&value) {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Below [`MAX_RENDERERS_PER_STATION`] before one more: the longest unseen goes.
    fn make_room(&self, station_id: &str) -> Result<(), KnownError> {
        let mut theirs = self.of_station(station_id)?;
        theirs.sort_by(|a, b| a.last_seen.cmp(&b.last_seen));
        let over = (theirs.len() + 1).saturating_sub(MAX_RENDERERS_PER_STATION);
        for r in theirs.iter().take(over) {
            self.renderers.remove(key(station_id, &r.id))?;
        }
        Ok(())
    }

    /// Registers `location` to `station_id` (again: it moves there); false when it was
    /// registered to that station already.
    pub fn add_location(&self, station_id: &str, location: &str) -> Result<bool, KnownError> {
        let all = self.locations()?;
        let before = all.iter().find(|r| r.location == location);
        if before.is_some_and(|r| r.station_id == station_id) {
            return Ok(false);
        }
        let theirs = all.iter().filter(|r| r.station_id == station_id).count();
        if theirs >= MAX_PER_STATION || (before.is_none() && all.len() >= MAX_LOCATIONS) {
            return Err(KnownError::Full);
        }
        let record = Registered {
            v: 1,
            station_id: station_id.to_owned(),
            location: location.to_owned(),
            added_at: now(),
        };
        self.locations
            .insert(location.as_bytes(), serde_json::to_vec(&record)?)?;
        self.locations.flush()?;
        Ok(true)
    }

    /// Every registered location; unreadable records are left out (and logged).
    pub fn locations(&self) -> Result<Vec<Registered>, KnownError> {
        let mut out = Vec::new();
        for kv in self.locations.iter() {
            let (key, value) = kv?;
            match serde_json::from_slice::<Registered>(&value) {
                Ok(r) => out.push(r),
                Err(e) => {
                    tracing::warn!(key = %String::from_utf8_lossy(&key), error = %e, "an unreadable registered renderer location is left out")
                }
            }
        }
        Ok(out)
    }
}

fn prefix(station_id: &str) -> Vec<u8> {
    let mut k = station_id.as_bytes().to_vec();
    k.push(0);
    k
}

fn key(station_id: &str, id: &str) -> Vec<u8> {
    let mut k = prefix(station_id);
    k.extend_from_slice(id.as_bytes());
    k
}

/// Now, RFC 3339 UTC.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        let db = sled::Config::new().temporary(true).open().unwrap();
        Known::open(&db).unwrap()
    }

    fn stored(station: &str, id: &str, seen: &str) -> Stored {
        Stored {
            v: 1,
            station_id: station.into(),
            id: id.into(),
            name: "TV".into(),
            address: "10.0.0.2".into(),
            last_seen: seen.into(),
            last_used: None,
            location: None,
        }
    }

    #[test]
    fn a_station_s_renderers_keep_their_last_use_when_seen_again() {
        let k = known();
        k.seen(stored("s1", "uuid:a", "2026-01-01T00:00:00Z"))
            .unwrap();
        k.seen(stored("s10", "uuid:b", "2026-01-01T00:00:00Z"))
            .unwrap();
        k.used("s1", "uuid:a").unwrap();
        k.used("s1", "uuid:nobody").unwrap();
        k.seen(stored("s1", "uuid:a", "2026-01-02T00:00:00Z"))
            .unwrap();
        let mine = k.of_station("s1").unwrap();
        assert_eq!(mine.len(), 1, "s10's is not s1's: {mine:?}");
        assert_eq!(mine[0].last_seen, "2026-01-02T00:00:00Z");
        assert!(mine[0].last_used.is_some());
        for n in 0..MAX_RENDERERS_PER_STATION {
            let seen = format!("2026-02-01T00:00:{:02}Z", n % 60);
            k.seen(stored("s1", &format!("uuid:x{n}"), &seen)).unwrap();
        }
        let mine = k.of_station("s1").unwrap();
        assert_eq!(mine.len(), MAX_RENDERERS_PER_STATION);
        assert!(
            !mine.iter().any(|r| r.id == "uuid:a"),
            "the longest unseen went"
        );
    }

    #[test]
    fn a_location_is_registered_once_moves_between_stations_and_a_station_has_a_few() {
        let k = known();
        assert!(k.add_location("s1", "http://10.2.0.2:49152/d.xml").unwrap());
        assert!(!k.add_location("s1", "http://10.2.0.2:49152/d.xml").unwrap());
        assert!(k.add_location("s2", "http://10.2.0.2:49152/d.xml").unwrap());
        let all = k.locations().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].station_id, "s2");
        for n in 0..MAX_PER_STATION {
            k.add_location("s3", &format!("http://10.3.0.{n}:1/d.xml"))
                .unwrap();
        }
        assert!(matches!(
            k.add_location("s3", "http://10.3.0.99:1/d.xml"),
            Err(KnownError::Full)
        ));
    }
}

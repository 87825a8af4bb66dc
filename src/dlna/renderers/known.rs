//! What the server keeps of renderers across restarts (sled, JSON records with a version):
//! the description locations the office registered for stations whose TVs the search cannot
//! find (routed villages: libupnp renderers answer no search from another subnet), read
//! again on every search round.

use serde::{Deserialize, Serialize};

/// A station keeps at most this many registered locations (a village has a few TVs).
pub const MAX_PER_STATION: usize = 16;
/// All stations together keep at most this many.
const MAX_LOCATIONS: usize = 4096;

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

/// The renderer records.
pub struct Known {
    locations: sled::Tree,
}

impl Known {
    pub fn open(db: &sled::Db) -> Result<Known, KnownError> {
        Ok(Known {
            locations: db.open_tree("dlna_renderer_locations")?,
        })
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

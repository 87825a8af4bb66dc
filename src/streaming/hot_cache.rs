//! A bounded in-memory cache of small, often-served files — the HLS segments that many
//! village TVs play at once — so that a hit is answered from memory, with no disk read and
//! no trip to the blocking pool. Each entry is one version of a file (inode, length,
//! modification time); a lookup names the version found on disk now, and an entry of any
//! other version is dropped rather than served. Eviction is CLOCK (second chance): close to
//! LRU, O(1) per step, and a file read once is the first to go.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

/// Files larger than this are streamed from disk, never held (a 6 s 480p segment is
/// about 440 KB; a 720p one about 1 MB).
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;
/// Bytes the cache holds at most, entries' bookkeeping included. It starts empty, so an
/// idle server that has served nothing holds nothing.
pub const CAPACITY_BYTES: usize = 64 * 1024 * 1024;
/// A file changed this recently may still be being written in place; it is served, not
/// kept, so that a write within one timestamp tick cannot leave a stale copy behind.
const SETTLE: Duration = Duration::from_secs(1);
/// What an entry costs besides its bytes (path, slot, map entry), so many tiny files are
/// bounded too.
const ENTRY_OVERHEAD: usize = 256;

/// One version of a file: what must be unchanged for its cached bytes to still be its
/// content. The same triple makes the file's `ETag`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileVersion {
    pub inode: u64,
    pub len: u64,
    pub modified: SystemTime,
}

/// The cache; shared behind an `Arc`, locked only for map and ring updates.
pub struct HotCache {
    capacity: usize,
    max_file: u64,
    clock: Mutex<Clock>,
}

/// Entries in a ring of slots swept by a hand; the map finds a path's slot.
#[derive(Default)]
struct Clock {
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    index: HashMap<PathBuf, usize>,
    hand: usize,
    used: usize,
}

struct Slot {
    path: PathBuf,
    version: FileVersion,
    bytes: Arc<[u8]>,
    /// Set by a hit; the hand clears it once before it may evict the entry.
    referenced: bool,
}

impl Default for HotCache {
    fn default() -> Self {
        HotCache::new(CAPACITY_BYTES, MAX_FILE_BYTES)
    }
}

impl HotCache {
    /// A cache of at most `capacity` bytes for files of at most `max_file` bytes.
    pub fn new(capacity: usize, max_file: u64) -> Self {
        HotCache {
            capacity,
            max_file,
            clock: Mutex::default(),
        }
    }

    /// Whether a file of `len` bytes is small enough to be read whole and kept.
    pub fn fits(&self, len: u64) -> bool {
        len <= self.max_file && weight(len) <= self.capacity
    }

    /// Whether this version may be kept now: small enough, and not changed in the last
    /// second (it may still be being written). A modification time in the future never
    /// settles.
    pub fn admits(&self, version: &FileVersion, now: SystemTime) -> bool {
        self.fits(version.len)
            && version
                .modified
                .checked_add(SETTLE)
                .is_some_and(|settled| settled <= now)
    }

    /// Whether some version of `path` is held (then checking its version is worth a `stat`).
    pub fn holds(&self, path: &Path) -> bool {
        self.lock().index.contains_key(path)
    }

    /// The bytes of `path` if the cache holds exactly the `current` version; a held entry
    /// of another version is dropped.
    pub fn get(&self, path: &Path, current: &FileVersion) -> Option<Arc<[u8]>> {
        let mut clock = self.lock();
        let i = *clock.index.get(path)?;
        let slot = clock.slots[i].as_mut().expect("indexed slots are filled");
        if slot.version != *current {
            clock.remove(i);
            return None;
        }
        slot.referenced = true;
        Some(slot.bytes.clone())
    }

    /// Keeps `bytes` as the content of `version` of `path`, evicting as needed; a file too
    /// big or too fresh (see [`HotCache::admits`]) is not kept.
    pub fn insert(&self, path: PathBuf, version: FileVersion, bytes: Arc<[u8]>, now: SystemTime) {
        if !self.admits(&version, now) || bytes.len() as u64 != version.len {
            return;
        }
        let cost = weight(version.len);
        let mut clock = self.lock();
        if let Some(&i) = clock.index.get(&path) {
            clock.remove(i);
        }
        while clock.used + cost > self.capacity && clock.evict_one() {}
        clock.used += cost;
        let slot = Slot {
            path: path.clone(),
            version,
            bytes,
            referenced: false,
        };
        let i = match clock.free.pop() {
            Some(i) => {
                clock.slots[i] = Some(slot);
                i
            }
            None => {
                clock.slots.push(Some(slot));
                clock.slots.len() - 1
            }
        };
        clock.index.insert(path, i);
    }

    /// Drops whatever version of `path` is held (the file is gone or no longer a file).
    pub fn forget(&self, path: &Path) {
        let mut clock = self.lock();
        if let Some(&i) = clock.index.get(path) {
            clock.remove(i);
        }
    }

    /// Bytes held, bookkeeping included; never more than the capacity.
    pub fn used_bytes(&self) -> usize {
        self.lock().used
    }

    /// Files held.
    pub fn len(&self) -> usize {
        self.lock().index.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Clock> {
        // Every update leaves the ring and the map consistent before anything can panic.
        self.clock.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Clock {
    /// Evicts the first unreferenced entry after the hand, clearing reference bits on the
    /// way; false when there is nothing left to evict.
    fn evict_one(&mut self) -> bool {
        if self.index.is_empty() {
            return false;
        }
        // Ends within two sweeps: the first clears every bit it passes.
        loop {
            if self.hand >= self.slots.len() {
                self.hand = 0;
            }
            let i = self.hand;
            self.hand += 1;
            match self.slots[i].as_mut() {
                None => {}
                Some(slot) if slot.referenced => slot.referenced = false,
                Some(_) => {
                    self.remove(i);
                    return true;
                }
            }
        }
    }

    fn remove(&mut self, i: usize) {
        if let Some(slot) = self.slots[i].take() {
            self.index.remove(&slot.path);
            self.used -= weight(slot.version.len);
            self.free.push(i);
        }
    }
}

/// What an entry of `len` bytes is charged.
fn weight(len: u64) -> usize {
    usize::try_from(len)
        .unwrap_or(usize::MAX)
        .saturating_add(ENTRY_OVERHEAD)
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    /// Long after every test file's modification time: all of them have settled.
    fn later() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(10_000)
    }

    fn version(len: u64, secs: u64) -> FileVersion {
        FileVersion {
            inode: 7,
            len,
            modified: UNIX_EPOCH + Duration::from_secs(secs),
        }
    }

    fn bytes(len: u64, fill: u8) -> Arc<[u8]> {
        std::iter::repeat_n(fill, len as usize).collect()
    }

    fn path(name: &str) -> PathBuf {
        PathBuf::from(format!("/renditions/f/480p/{name}"))
    }

    fn put(cache: &HotCache, name: &str, len: u64) {
        cache.insert(path(name), version(len, 1), bytes(len, 1), later());
    }

    #[test]
    fn a_hit_returns_the_bytes_of_the_same_version() {
        let cache = HotCache::new(1 << 20, 1000);
        let v = version(100, 1);
        cache.insert(path("a"), v, bytes(100, 9), later());
        assert!(cache.holds(&path("a")));
        let got = cache.get(&path("a"), &v).expect("a hit");
        assert_eq!(&got[..], &[9u8; 100][..]);
        assert!(cache.get(&path("b"), &v).is_none());
    }

    #[test]
    fn a_changed_file_is_never_served_stale_and_its_entry_is_dropped() {
        let cache = HotCache::new(1 << 20, 1000);
        let old = version(100, 1);
        cache.insert(path("a"), old, bytes(100, 1), later());
        let grown = FileVersion { len: 120, ..old };
        assert!(cache.get(&path("a"), &grown).is_none());
        assert!(!cache.holds(&path("a")), "the stale entry is gone");
        cache.insert(path("a"), old, bytes(100, 1), later());
        let touched = version(100, 2);
        assert!(cache.get(&path("a"), &touched).is_none());
        cache.insert(path("a"), old, bytes(100, 1), later());
        let replaced = FileVersion { inode: 8, ..old };
        assert!(cache.get(&path("a"), &replaced).is_none());
        assert_eq!(cache.used_bytes(), 0);
    }

    #[test]
    fn the_total_never_passes_the_capacity() {
        let capacity = 10 * weight(100);
        let cache = HotCache::new(capacity, 1000);
        for i in 0..100 {
            put(&cache, &format!("seg-{i:05}.ts"), 100);
            assert!(cache.used_bytes() <= capacity);
        }
        assert_eq!(cache.len(), 10);
        assert_eq!(cache.used_bytes(), capacity);
    }

    #[test]
    fn files_too_big_or_too_fresh_are_not_kept() {
        let cache = HotCache::new(1 << 20, 1000);
        cache.insert(path("big"), version(1001, 1), bytes(1001, 0), later());
        let now = UNIX_EPOCH + Duration::from_secs(100);
        let fresh = FileVersion {
            modified: now - Duration::from_millis(10),
            ..version(10, 0)
        };
        cache.insert(path("fresh"), fresh, bytes(10, 0), now);
        let future = version(10, 200);
        cache.insert(path("future"), future, bytes(10, 0), now);
        assert!(cache.is_empty());
        assert!(cache.admits(&fresh, now + SETTLE));
        let tiny = HotCache::new(100, 1000);
        assert!(!tiny.fits(10), "an entry must fit with its bookkeeping");
    }

    #[test]
    fn eviction_spares_a_file_hit_since_the_hand_last_passed() {
        let cache = HotCache::new(3 * weight(100), 1000);
        for name in ["a", "b", "c"] {
            put(&cache, name, 100);
        }
        assert!(cache.get(&path("a"), &version(100, 1)).is_some());
        put(&cache, "d", 100);
        assert!(cache.holds(&path("a")), "a was hit: second chance");
        assert!(!cache.holds(&path("b")), "b was the oldest unhit file");
        put(&cache, "e", 100);
        assert!(!cache.holds(&path("c")));
        assert!(cache.holds(&path("a")) && cache.holds(&path("d")));
    }

    #[test]
    fn a_big_file_evicts_as_many_small_ones_as_it_needs() {
        let cache = HotCache::new(4 * weight(1000), 10_000);
        for name in ["a", "b", "c", "d"] {
            put(&cache, name, 1000);
        }
        put(&cache, "big", 3000);
        assert!(cache.holds(&path("big")));
        assert!(cache.used_bytes() <= 4 * weight(1000));
        assert_eq!(cache.len(), 2, "three small files made room");
    }

    #[test]
    fn inserting_a_new_version_replaces_the_old_one_and_forget_drops_it() {
        let cache = HotCache::new(1 << 20, 1000);
        put(&cache, "a", 100);
        let newer = version(50, 5);
        cache.insert(path("a"), newer, bytes(50, 2), later());
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.used_bytes(), weight(50));
        assert!(cache.get(&path("a"), &newer).is_some());
        cache.forget(&path("a"));
        assert!(cache.is_empty() && cache.used_bytes() == 0);
    }
}

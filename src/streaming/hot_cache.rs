//! A bounded in-memory cache of small, often-served files — the HLS segments that many
//! village TVs play at once — so that a hit is answered from memory, with no disk read and
//! no trip to the blocking pool. Each entry is one version of a file (inode, length,
//! modification time); a lookup names the version found on disk now, and an entry of any
//! other version is dropped rather than served. Eviction is `quick_cache`'s S3-FIFO, weighed
//! in bytes: a file read once waits on probation and is the first to go; a file read again
//! moves to the main part, where a second-chance sweep keeps the ones still in use.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use quick_cache::sync::{Cache, DefaultLifecycle};
use quick_cache::{DefaultHashBuilder, OptionsBuilder, Weighter};

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
/// The main part's share of the cache; the rest is probation. Half, not quick_cache's 97 %:
/// a segment one TV has read must still be held when a TV a minute behind on the same film
/// asks for it (the `a_tv_a_minute_behind…` test: 144 of 870 segments found with 97 %).
const MAIN_SHARE: f64 = 0.5;
/// About the size of a segment: how the number of files held is estimated, which sets how
/// many independently locked shards the cache has.
const TYPICAL_FILE: usize = 512 * 1024;

/// One version of a file: what must be unchanged for its cached bytes to still be its
/// content. The same triple makes the file's `ETag`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileVersion {
    pub inode: u64,
    pub len: u64,
    pub modified: SystemTime,
}

/// The cache; shared behind an `Arc`.
pub struct HotCache {
    max_file: u64,
    /// The heaviest entry held: quick_cache admits none heavier than a shard's main part.
    max_weight: u64,
    files: Cache<PathBuf, Held, ByBytes>,
}

/// A held version of a file and its bytes.
#[derive(Clone)]
struct Held {
    version: FileVersion,
    bytes: Arc<[u8]>,
}

/// Weighs an entry by its bytes and bookkeeping.
#[derive(Clone)]
struct ByBytes;

impl Weighter<PathBuf, Held> for ByBytes {
    fn weight(&self, _path: &PathBuf, held: &Held) -> u64 {
        weight(held.version.len) as u64
    }
}

impl Default for HotCache {
    fn default() -> Self {
        HotCache::new(CAPACITY_BYTES, MAX_FILE_BYTES)
    }
}

impl HotCache {
    /// A cache of at most `capacity` bytes for files of at most `max_file` bytes.
    pub fn new(capacity: usize, max_file: u64) -> Self {
        let options = OptionsBuilder::new()
            .estimated_items_capacity((capacity / TYPICAL_FILE).max(1))
            .weight_capacity(capacity as u64)
            .hot_allocation(MAIN_SHARE)
            .build()
            .expect("both capacities are given and the share is within 0..=1");
        let files = Cache::with_options(
            options,
            ByBytes,
            DefaultHashBuilder::default(),
            DefaultLifecycle::default(),
        );
        HotCache {
            max_file,
            max_weight: (files.shard_capacity() as f64 * MAIN_SHARE) as u64,
            files,
        }
    }

    /// Whether a file of `len` bytes is small enough to be read whole and kept.
    pub fn fits(&self, len: u64) -> bool {
        len <= self.max_file && weight(len) as u64 <= self.max_weight
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
        self.files.contains_key(path)
    }

    /// The bytes of `path` if the cache holds exactly the `current` version; a held entry
    /// of another version is dropped.
    pub fn get(&self, path: &Path, current: &FileVersion) -> Option<Arc<[u8]>> {
        let held = self.files.get(path)?;
        if held.version != *current {
            self.files.remove_if(path, |held| held.version != *current);
            return None;
        }
        Some(held.bytes)
    }

    /// Keeps `bytes` as the content of `version` of `path`, evicting as needed; a file too
    /// big or too fresh (see [`HotCache::admits`]) is not kept.
    pub fn insert(&self, path: PathBuf, version: FileVersion, bytes: Arc<[u8]>, now: SystemTime) {
        if !self.admits(&version, now) || bytes.len() as u64 != version.len {
            return;
        }
        self.files.insert(path, Held { version, bytes });
    }

    /// Drops whatever version of `path` is held (the file is gone or no longer a file).
    pub fn forget(&self, path: &Path) {
        self.files.remove(path);
    }

    /// Bytes held, bookkeeping included; never more than the capacity.
    pub fn used_bytes(&self) -> usize {
        usize::try_from(self.files.weight()).unwrap_or(usize::MAX)
    }

    /// Files held.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
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
    fn eviction_spares_a_file_that_was_hit() {
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
        // Eight slots, not four: no file heavier than the main half is held.
        let cache = HotCache::new(8 * weight(1000), 10_000);
        assert!(!HotCache::new(4 * weight(1000), 10_000).fits(3000));
        for name in ["a", "b", "c", "d", "e", "f", "g", "h"] {
            put(&cache, name, 1000);
        }
        put(&cache, "big", 3000);
        assert!(cache.holds(&path("big")));
        assert!(cache.used_bytes() <= 8 * weight(1000));
        assert_eq!(cache.len(), 6, "three small files made room");
    }

    #[test]
    fn a_tv_a_minute_behind_another_on_the_same_film_finds_nearly_every_segment() {
        // Three films playing at once, a second TV on each ten 6 s segments behind the
        // first; 44 kB segments in a 6.4 MiB cache (a tenth of the real sizes).
        let cache = HotCache::new((64 << 20) / 10, 1 << 20);
        let len = 44_000;
        let (mut hits, mut asks) = (0, 0);
        let mut read = |name: String, counted: bool| {
            let v = version(len, 1);
            let hit = cache.get(&path(&name), &v).is_some();
            if !hit {
                cache.insert(path(&name), v, bytes(len, 0), later());
            }
            if counted {
                asks += 1;
                hits += usize::from(hit);
            }
        };
        for i in 0..300 {
            for film in 0..3 {
                read(format!("{film}-{i}"), false);
                if i >= 10 {
                    read(format!("{film}-{}", i - 10), true);
                }
            }
        }
        assert_eq!(asks, 870);
        // The CLOCK this cache had before found 840; quick_cache's default 97 % main part, 144.
        assert!(hits >= 840, "{hits} of {asks} segments found in memory");
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

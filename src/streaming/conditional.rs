//! A served file's validators — a strong `ETag` and `Last-Modified` — and the conditional
//! request headers judged against them (RFC 9110 §13): `If-None-Match`,
//! `If-Modified-Since` and `If-Range`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The validators of one version of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validators {
    etag: String,
    /// Modification time, truncated to whole seconds as HTTP dates are.
    modified: SystemTime,
}

impl Validators {
    /// From the file's identity and version: inode, size and modification time. The tag
    /// changes whenever the file is replaced or rewritten, so it is a strong validator.
    pub fn new(inode: u64, len: u64, modified: SystemTime) -> Self {
        let since = modified.duration_since(UNIX_EPOCH).unwrap_or_default();
        let etag = format!(
            "\"{inode:x}-{len:x}-{:x}.{:x}\"",
            since.as_secs(),
            since.subsec_nanos()
        );
        Validators {
            etag,
            modified: UNIX_EPOCH + Duration::from_secs(since.as_secs()),
        }
    }

    /// The strong entity tag, quotes included: `"1a2b-4000-65f0c0de.0"`.
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// The `Last-Modified` value, an IMF-fixdate.
    pub fn last_modified(&self) -> String {
        httpdate::fmt_http_date(self.modified)
    }

    /// Whether a GET or HEAD with these headers gets 304. `If-None-Match` (weak comparison)
    /// decides when present; only without it does `If-Modified-Since` count (RFC 9110 §13.2.2).
    pub fn not_modified(
        &self,
        if_none_match: Option<&str>,
        if_modified_since: Option<&str>,
    ) -> bool {
        if let Some(list) = if_none_match {
            return list
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || opaque(tag) == opaque(&self.etag));
        }
        if_modified_since
            .and_then(|date| httpdate::parse_http_date(date.trim()).ok())
            .is_some_and(|since| self.modified <= since)
    }

    /// Whether a `Range` may be honoured under this `If-Range` value: only when it names the
    /// current version — our strong tag exactly, or a date equal to `Last-Modified`. A weak
    /// tag never matches (RFC 9110 §13.1.5).
    pub fn if_range_holds(&self, if_range: &str) -> bool {
        let value = if_range.trim();
        if value.starts_with('"') || value.starts_with("W/") {
            return value == self.etag;
        }
        httpdate::parse_http_date(value).is_ok_and(|date| date == self.modified)
    }
}

/// The opaque part of an entity tag, for weak comparison.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Validators {
        // 2024-03-12T20:13:20Z, plus a fraction the HTTP date cannot carry.
        let at = UNIX_EPOCH + Duration::new(1_710_274_400, 500);
        Validators::new(0x1a2b, 4096, at)
    }

    #[test]
    fn the_tag_is_strong_and_changes_with_size_time_and_inode() {
        let v = file();
        assert_eq!(v.etag(), "\"1a2b-1000-65f0b760.1f4\"");
        let at = UNIX_EPOCH + Duration::new(1_710_274_400, 500);
        assert_ne!(Validators::new(0x1a2b, 4097, at), v);
        assert_ne!(Validators::new(0x1a2c, 4096, at), v);
        assert_ne!(
            Validators::new(0x1a2b, 4096, at + Duration::from_nanos(1)),
            v
        );
        assert_eq!(v.last_modified(), "Tue, 12 Mar 2024 20:13:20 GMT");
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists_and_star() {
        let v = file();
        let tag = v.etag().to_owned();
        assert!(v.not_modified(Some(&tag), None));
        assert!(v.not_modified(Some(&format!("W/{tag}")), None));
        assert!(v.not_modified(Some(&format!("\"other\", {tag}")), None));
        assert!(v.not_modified(Some("*"), None));
        assert!(!v.not_modified(Some("\"other\""), None));
    }

    #[test]
    fn if_modified_since_counts_only_without_if_none_match() {
        let v = file();
        let same = "Tue, 12 Mar 2024 20:13:20 GMT";
        let earlier = "Tue, 12 Mar 2024 20:13:19 GMT";
        assert!(v.not_modified(None, Some(same)));
        assert!(!v.not_modified(None, Some(earlier)));
        assert!(!v.not_modified(None, Some("yesterday")));
        assert!(!v.not_modified(Some("\"other\""), Some(same)));
        assert!(!v.not_modified(None, None));
    }

    #[test]
    fn if_range_holds_for_the_current_strong_tag_or_date_only() {
        let v = file();
        let tag = v.etag().to_owned();
        assert!(v.if_range_holds(&tag));
        assert!(!v.if_range_holds(&format!("W/{tag}")));
        assert!(!v.if_range_holds("\"stale\""));
        assert!(v.if_range_holds("Tue, 12 Mar 2024 20:13:20 GMT"));
        assert!(!v.if_range_holds("Tue, 12 Mar 2024 20:13:21 GMT"));
        assert!(!v.if_range_holds("not a date"));
    }
}

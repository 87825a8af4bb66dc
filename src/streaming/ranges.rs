//! HTTP byte ranges (RFC 9110 §14): a `Range` header judged against a known length becomes
//! what to send — the whole file, one span, a few disjoint spans, or nothing satisfiable.
//!
//! Overlapping and adjacent spans are merged and too many spans get the whole file, so no
//! `Range` header can make the server send more bytes than the file has (CVE-2011-3192).

/// Most disjoint spans one multipart answer may carry; more get the whole file (200).
pub const MAX_PARTS: usize = 16;

/// A non-empty span of a file, both ends inclusive, as `Content-Range` writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByteRange {
    start: u64,
    end_inclusive: u64,
}

impl ByteRange {
    /// The span `start..=end_inclusive`; `None` when it would be empty (end before start).
    pub fn new(start: u64, end_inclusive: u64) -> Option<Self> {
        (start <= end_inclusive).then_some(ByteRange {
            start,
            end_inclusive,
        })
    }

    /// All of a file of `len` bytes; `None` for an empty file.
    pub fn whole(len: u64) -> Option<Self> {
        len.checked_sub(1).and_then(|last| ByteRange::new(0, last))
    }

    /// Offset of the first byte.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// Offset of the last byte.
    pub fn end_inclusive(&self) -> u64 {
        self.end_inclusive
    }

    /// Number of bytes in the span (at least one; saturates for a span of all 2^64 offsets).
    pub fn size(&self) -> u64 {
        (self.end_inclusive - self.start).saturating_add(1)
    }

    /// The `Content-Range` value of this span of a file of `total` bytes: `bytes 0-99/1000`.
    pub fn content_range(&self, total: u64) -> String {
        format!("bytes {}-{}/{total}", self.start, self.end_inclusive)
    }
}

/// What a `Range` header asks of a file, once judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RangeOutcome {
    /// Send the whole file with 200: the header is of another unit, is not valid syntax
    /// (RFC 9110 says to ignore it then), or asks for more spans than [`MAX_PARTS`].
    Full,
    /// Send one span with 206 and `Content-Range`.
    Partial(ByteRange),
    /// Send 2 to [`MAX_PARTS`] spans, sorted, disjoint and not adjacent, as
    /// `multipart/byteranges`.
    Multi(Vec<ByteRange>),
    /// Valid syntax, but no span starts inside the file: 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// Judges a `Range` header value against a file of `len` bytes.
pub fn parse(header: &str, len: u64) -> RangeOutcome {
    let Some(specs) = parse_specs(header) else {
        return RangeOutcome::Full;
    };
    let spans: Vec<ByteRange> = specs.into_iter().filter_map(|s| s.resolve(len)).collect();
    if spans.is_empty() {
        return RangeOutcome::Unsatisfiable;
    }
    let spans = coalesce(spans);
    match spans.as_slice() {
        [one] => RangeOutcome::Partial(*one),
        many if many.len() <= MAX_PARTS => RangeOutcome::Multi(spans),
        _ => RangeOutcome::Full,
    }
}

/// One `range-spec` as written, before it meets the file's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spec {
    /// `first-` or `first-last`.
    From { first: u64, last: Option<u64> },
    /// `-n`: the last n bytes.
    Suffix(u64),
}

impl Spec {
    /// The span this spec selects in a file of `len` bytes; `None` when unsatisfiable.
    fn resolve(self, len: u64) -> Option<ByteRange> {
        let last_byte = len.checked_sub(1)?;
        match self {
            Spec::From { first, .. } if first > last_byte => None,
            Spec::From { first, last } => {
                ByteRange::new(first, last.map_or(last_byte, |l| l.min(last_byte)))
            }
            Spec::Suffix(0) => None,
            Spec::Suffix(n) => ByteRange::new(len.saturating_sub(n), last_byte),
        }
    }
}

/// `bytes=spec, spec, …` → the specs; `None` for another unit or any invalid spec.
/// Whitespace around the parts is tolerated and empty list elements are skipped, as
/// RFC 9110 §5.6.1 asks of recipients.
fn parse_specs(header: &str) -> Option<Vec<Spec>> {
    let (unit, set) = header.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let mut specs = Vec::new();
    for item in set.split(',').map(str::trim) {
        if !item.is_empty() {
            specs.push(parse_spec(item)?);
        }
    }
    (!specs.is_empty()).then_some(specs)
}

fn parse_spec(item: &str) -> Option<Spec> {
    let (first, last) = item.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        return number(last).map(Spec::Suffix);
    }
    let first = number(first)?;
    let last = match last {
        "" => None,
        digits => Some(number(digits)?),
    };
    // RFC 9110 §14.1.1: a last-pos before the first-pos makes the spec invalid.
    if last.is_some_and(|l| l < first) {
        return None;
    }
    Some(Spec::From { first, last })
}

/// ASCII digits only, saturating at `u64::MAX`: the RFC's numbers are unbounded, and a
/// saturated offset is still past the end of any real file, so it stays unsatisfiable.
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

/// Sorts spans and merges those that overlap or touch (RFC 9110 §15.3.7.2 allows it).
fn coalesce(mut spans: Vec<ByteRange>) -> Vec<ByteRange> {
    spans.sort_unstable_by_key(|s| s.start);
    let mut merged: Vec<ByteRange> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end_inclusive.saturating_add(1) => {
                last.end_inclusive = last.end_inclusive.max(span.end_inclusive);
            }
            _ => merged.push(span),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u64, end: u64) -> ByteRange {
        ByteRange::new(start, end).expect("non-empty span")
    }

    fn partial(start: u64, end: u64) -> RangeOutcome {
        RangeOutcome::Partial(span(start, end))
    }

    #[test]
    fn a_closed_range_selects_exactly_its_bytes() {
        assert_eq!(parse("bytes=0-99", 1000), partial(0, 99));
        assert_eq!(parse("bytes=500-500", 1000), partial(500, 500));
    }

    #[test]
    fn an_open_range_runs_to_the_end() {
        assert_eq!(parse("bytes=900-", 1000), partial(900, 999));
        assert_eq!(parse("bytes=0-", 1000), partial(0, 999));
    }

    #[test]
    fn a_last_position_past_the_end_is_clamped() {
        assert_eq!(parse("bytes=990-5000", 1000), partial(990, 999));
    }

    #[test]
    fn a_suffix_takes_the_last_bytes_or_the_whole_file_when_longer() {
        assert_eq!(parse("bytes=-100", 1000), partial(900, 999));
        assert_eq!(parse("bytes=-5000", 1000), partial(0, 999));
    }

    #[test]
    fn a_start_past_the_end_or_an_empty_file_is_unsatisfiable() {
        assert_eq!(parse("bytes=1000-", 1000), RangeOutcome::Unsatisfiable);
        assert_eq!(parse("bytes=1000-2000", 1000), RangeOutcome::Unsatisfiable);
        assert_eq!(parse("bytes=-0", 1000), RangeOutcome::Unsatisfiable);
        assert_eq!(parse("bytes=0-", 0), RangeOutcome::Unsatisfiable);
        assert_eq!(parse("bytes=-10", 0), RangeOutcome::Unsatisfiable);
    }

    #[test]
    fn one_satisfiable_spec_among_unsatisfiable_ones_is_served() {
        assert_eq!(parse("bytes=5000-, 10-19", 1000), partial(10, 19));
    }

    #[test]
    fn other_units_and_bad_syntax_are_ignored_as_the_rfc_says() {
        for header in [
            "items=0-10",
            "bytes 0-10",
            "bytes=",
            "bytes=,",
            "bytes=abc",
            "bytes=-",
            "bytes=5-1",
            "bytes=+1-2",
            "bytes=1-2-3",
            "bytes=--5",
            "bytes=0-1,x",
            "bytes=0x10-",
            "",
        ] {
            assert_eq!(parse(header, 1000), RangeOutcome::Full, "{header:?}");
        }
    }

    #[test]
    fn the_unit_is_case_insensitive_and_whitespace_is_tolerated() {
        assert_eq!(parse("Bytes=0-9", 1000), partial(0, 9));
        assert_eq!(parse(" bytes = 0-9 ", 1000), partial(0, 9));
        assert_eq!(
            parse("bytes=0-9 ,\t, 20-29", 1000),
            RangeOutcome::Multi(vec![span(0, 9), span(20, 29)])
        );
    }

    #[test]
    fn numbers_too_big_for_u64_never_wrap() {
        let huge = "99999999999999999999999";
        assert_eq!(
            parse(&format!("bytes={huge}-"), 1000),
            RangeOutcome::Unsatisfiable
        );
        assert_eq!(parse(&format!("bytes=0-{huge}"), 1000), partial(0, 999));
        assert_eq!(parse(&format!("bytes=-{huge}"), 1000), partial(0, 999));
        assert_eq!(
            parse(&format!("bytes={huge}-{huge}"), u64::MAX),
            RangeOutcome::Unsatisfiable
        );
        assert_eq!(
            parse("bytes=18446744073709551614-", u64::MAX),
            partial(u64::MAX - 1, u64::MAX - 1)
        );
    }

    #[test]
    fn overlapping_and_adjacent_spans_are_merged_in_order() {
        assert_eq!(parse("bytes=50-99,0-49", 1000), partial(0, 99));
        assert_eq!(
            parse("bytes=0-10,5-20,-10", 1000),
            RangeOutcome::Multi(vec![span(0, 20), span(990, 999)])
        );
        let many = vec!["0-"; 200].join(",");
        assert_eq!(parse(&format!("bytes={many}"), 1000), partial(0, 999));
    }

    #[test]
    fn more_disjoint_spans_than_the_cap_get_the_whole_file() {
        let spans = |n: u64| {
            (0..n)
                .map(|i| format!("{}-{}", i * 10, i * 10 + 1))
                .collect::<Vec<_>>()
                .join(",")
        };
        let capped = parse(&format!("bytes={}", spans(MAX_PARTS as u64)), 1000);
        assert!(matches!(capped, RangeOutcome::Multi(v) if v.len() == MAX_PARTS));
        let over = parse(&format!("bytes={}", spans(MAX_PARTS as u64 + 1)), 1000);
        assert_eq!(over, RangeOutcome::Full);
    }

    #[test]
    fn a_span_knows_its_size_and_content_range() {
        let s = span(10, 19);
        assert_eq!(s.size(), 10);
        assert_eq!(s.content_range(1000), "bytes 10-19/1000");
        assert_eq!(ByteRange::whole(0), None);
        assert_eq!(ByteRange::whole(5), Some(span(0, 4)));
        assert_eq!(ByteRange::new(5, 4), None);
    }
}

#[cfg(test)]
mod proptests;

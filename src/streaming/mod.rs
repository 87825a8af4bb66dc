//! Serving files over HTTP, as pure logic: byte ranges, conditional requests, multipart
//! layout, content types and the cache of hot small files. No actix here; the HTTP layer
//! turns these answers into responses and streams the [`Piece`]s.

pub mod conditional;
pub mod content;
pub mod hot_cache;
pub mod multipart;
pub mod ranges;

pub use conditional::Validators;
pub use hot_cache::{FileVersion, HotCache};
pub use multipart::Multipart;
pub use ranges::{ByteRange, RangeOutcome};

/// One stretch of a response body: literal text (multipart part headers) or a span of the
/// file, which is read only when it is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes written as they are.
    Text(String),
    /// Bytes read from the file.
    Span(ByteRange),
}

impl Piece {
    /// Bytes this piece adds to the body.
    pub fn size(&self) -> u64 {
        match self {
            Piece::Text(text) => text.len() as u64,
            Piece::Span(span) => span.size(),
        }
    }
}

/// What a GET asks for, given its `Range` and `If-Range` values (`None` when absent).
/// An `If-Range` that does not name the current version means "send it all" (RFC 9110
/// §13.1.5), as does an `If-Range` that could not be read (`Some(None)`).
pub fn requested(
    range: Option<&str>,
    if_range: Option<Option<&str>>,
    validators: &Validators,
    len: u64,
) -> RangeOutcome {
    let Some(range) = range else {
        return RangeOutcome::Full;
    };
    match if_range {
        Some(Some(value)) if validators.if_range_holds(value) => ranges::parse(range, len),
        Some(_) => RangeOutcome::Full,
        None => ranges::parse(range, len),
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    #[test]
    fn a_stale_or_unreadable_if_range_turns_a_range_into_the_whole_file() {
        let v = Validators::new(1, 100, UNIX_EPOCH);
        let tag = v.etag().to_owned();
        let span = RangeOutcome::Partial(ByteRange::new(0, 9).expect("span"));
        assert_eq!(requested(Some("bytes=0-9"), None, &v, 100), span);
        assert_eq!(
            requested(Some("bytes=0-9"), Some(Some(&tag)), &v, 100),
            span
        );
        assert_eq!(
            requested(Some("bytes=0-9"), Some(Some("\"old\"")), &v, 100),
            RangeOutcome::Full
        );
        assert_eq!(
            requested(Some("bytes=0-9"), Some(None), &v, 100),
            RangeOutcome::Full
        );
        assert_eq!(
            requested(None, Some(Some(&tag)), &v, 100),
            RangeOutcome::Full
        );
    }
}

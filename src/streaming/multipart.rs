//! `multipart/byteranges` (RFC 9110 §14.6): the layout of an answer carrying several spans
//! of one file — the literal part headers between the spans, and the exact length.

use super::ranges::ByteRange;
use super::Piece;

/// A laid-out multipart answer, ready to be streamed piece by piece.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Multipart {
    boundary: String,
    pieces: Vec<Piece>,
    len: u64,
}

impl Multipart {
    /// Lays out `spans` of a file of `total` bytes whose type is `content_type`. `None` when
    /// the answer would be larger than the whole file — then the whole file (200) is both
    /// cheaper and what RFC 9110 §15.3.7.2 lets a server send instead.
    pub fn layout(
        spans: &[ByteRange],
        total: u64,
        content_type: &str,
        boundary: &str,
    ) -> Option<Self> {
        let mut pieces = Vec::with_capacity(spans.len() * 2 + 1);
        for (i, span) in spans.iter().enumerate() {
            // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1); the
            // first one may start the body without it.
            let lead = if i == 0 { "" } else { "\r\n" };
            pieces.push(Piece::Text(format!(
                "{lead}--{boundary}\r\nContent-Type: {content_type}\r\nContent-Range: {}\r\n\r\n",
                span.content_range(total)
            )));
            pieces.push(Piece::Span(*span));
        }
        pieces.push(Piece::Text(format!("\r\n--{boundary}--\r\n")));
        let len = pieces
            .iter()
            .fold(0u64, |sum, piece| sum.saturating_add(piece.size()));
        (len <= total).then(|| Multipart {
            boundary: boundary.to_owned(),
            pieces,
            len,
        })
    }

    /// The response's `Content-Type`, naming the boundary.
    pub fn content_type(&self) -> String {
        format!("multipart/byteranges; boundary={}", self.boundary)
    }

    /// The exact body length.
    pub fn content_length(&self) -> u64 {
        self.len
    }

    /// The body, in order.
    pub fn into_pieces(self) -> Vec<Piece> {
        self.pieces
    }
}

/// A fresh boundary: random, so no file's bytes can be crafted to contain it.
pub fn new_boundary() -> String {
    format!(
        "dianjiao-{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u64, end: u64) -> ByteRange {
        ByteRange::new(start, end).expect("non-empty span")
    }

    #[test]
    fn each_span_gets_its_headers_and_the_length_is_exact() {
        let spans = [span(0, 9), span(500, 599)];
        let m = Multipart::layout(&spans, 1000, "video/mp4", "B").expect("fits");
        assert_eq!(m.content_type(), "multipart/byteranges; boundary=B");
        let pieces = m.clone().into_pieces();
        assert_eq!(
            pieces,
            vec![
                Piece::Text(
                    "--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-9/1000\r\n\r\n"
                        .into()
                ),
                Piece::Span(span(0, 9)),
                Piece::Text(
                    "\r\n--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 500-599/1000\r\n\r\n"
                        .into()
                ),
                Piece::Span(span(500, 599)),
                Piece::Text("\r\n--B--\r\n".into()),
            ]
        );
        let sum: u64 = pieces.iter().map(Piece::size).sum();
        assert_eq!(m.content_length(), sum);
    }

    #[test]
    fn an_answer_larger_than_the_file_is_refused() {
        let tiny: Vec<ByteRange> = (0..10).map(|i| span(i * 10, i * 10)).collect();
        assert_eq!(Multipart::layout(&tiny, 100, "video/mp4", "B"), None);
    }

    #[test]
    fn boundaries_differ_and_are_short_tokens() {
        let (a, b) = (new_boundary(), new_boundary());
        assert_ne!(a, b);
        assert!(a.len() <= 70 && a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'));
    }
}

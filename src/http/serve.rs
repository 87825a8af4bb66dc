//! The one way a file goes out — films, their renditions, posters and the web pages: its
//! validators (`ETag`, `Last-Modified`) and the conditional requests judged against them
//! (`If-None-Match` with weak comparison, `If-Modified-Since`; see
//! [`crate::streaming::conditional`]), byte ranges (`Range`, `If-Range`, multipart), its
//! `Content-Disposition` and HEAD. The bytes come from [`file_body`] (memory or disk).

use std::path::PathBuf;

use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use super::file_body::{self, FileBody, OpenFile};
use crate::app::App;
use crate::error::AppError;
use crate::media::safe_open::Wanted;
use crate::streaming::multipart::new_boundary;
use crate::streaming::{requested, ByteRange, Multipart, Piece, RangeOutcome};

/// Streaming allowed, byte seeking only, not a conversion (DLNA guidelines, 7.4.1.3.2).
const DLNA_FEATURES: &str =
    "DLNA.ORG_OP=01;DLNA.ORG_CI=0;DLNA.ORG_FLAGS=01700000000000000000000000000000";

/// A file the server made in its data folder (a rendition, a segment), for players.
pub(super) struct FileSpec<'a> {
    /// A path the server built from its own ids, never from request text.
    pub path: PathBuf,
    /// The name offered in `Content-Disposition`.
    pub name: &'a str,
    pub content_type: &'a str,
    pub cache_control: &'static str,
}

/// How a file is described besides its bytes and validators.
pub(super) struct Described<'a> {
    pub content_type: &'a str,
    pub cache_control: &'static str,
    pub audience: Audience<'a>,
}

/// Who a file is for, which decides the headers it carries besides the validators.
#[derive(Clone, Copy)]
pub(super) enum Audience<'a> {
    /// A film or one of its renditions: offered inline by `name`, open to LAN TV apps from
    /// any origin (CORS, never with credentials) and to DLNA renderers; byte seeks only.
    Players { name: &'a str },
    /// A poster, for the server's own pages and DLNA renderers' album art.
    Posters,
    /// A page of the web UI, under this Content-Security-Policy.
    Browsers { csp: &'static str },
}

/// Sends a file the server made in its data folder, for players (see [`send`]).
pub(super) async fn send_file(
    app: &App,
    req: &HttpRequest,
    spec: FileSpec<'_>,
) -> Result<HttpResponse, AppError> {
    let wanted = Wanted::Beneath {
        root: app.settings.data.clone(),
        path: spec.path,
    };
    let described = Described {
        content_type: spec.content_type,
        cache_control: spec.cache_control,
        audience: Audience::Players { name: spec.name },
    };
    send(app, req, wanted, described).await
}

/// Sends the file opened under the rule `wanted` sets: 304 when the client's copy is
/// current, else whole or in ranges; HEAD gets the headers alone.
pub(super) async fn send(
    app: &App,
    req: &HttpRequest,
    wanted: Wanted,
    described: Described<'_>,
) -> Result<HttpResponse, AppError> {
    // Every file for players seeks by bytes only (DLNA.ORG_OP=01): a time seek is refused
    // before the file is opened.
    let for_players = matches!(described.audience, Audience::Players { .. });
    if for_players && req.headers().contains_key("timeseekrange.dlna.org") {
        return Err(AppError::TimeSeekUnsupported);
    }
    let file = file_body::open(&app.hot_files, wanted).await?;
    let mut res = HttpResponse::Ok();
    common_headers(&mut res, req, &described, &file);
    if file.validators.not_modified(
        text(req, header::IF_NONE_MATCH),
        text(req, header::IF_MODIFIED_SINCE),
    ) {
        return Ok(res.status(StatusCode::NOT_MODIFIED).finish());
    }
    let reply = Reply::for_request(req, &file, described.content_type)?;
    res.status(reply.status).content_type(reply.content_type);
    if let Some(range) = reply.content_range {
        res.insert_header((header::CONTENT_RANGE, range));
    }
    let body = FileBody::new(&file, reply.pieces, app.metrics.clone());
    Ok(res.body(if req.method() == Method::HEAD {
        body.headers_only()
    } else {
        body
    }))
}

/// `Content-Disposition` offering a file as `name`: in `filename*` (RFC 6266 with RFC 8187
/// UTF-8 percent-encoding), so a Chinese name survives and no quote, semicolon or line break
/// in it can break the header; `ascii`, when given, as the plain `filename` for old clients.
pub(super) fn disposition(kind: DispositionType, ascii: Option<&str>, name: &str) -> String {
    let mut parameters: Vec<_> = ascii
        .map(|a| DispositionParam::Filename(a.to_owned()))
        .into_iter()
        .collect();
    parameters.push(DispositionParam::FilenameExt(ExtendedValue {
        charset: Charset::Ext("UTF-8".into()),
        language_tag: None,
        value: name.as_bytes().to_vec(),
    }));
    let header = ContentDisposition {
        disposition: kind,
        parameters,
    }
    .to_string();
    // actix's encode set leaves `=` and `@` bare, which RFC 8187's attr-char does not allow
    // and strict parsers refuse. The extended value comes last and holds no bare `'`.
    match header.rfind("''") {
        Some(at) => {
            let (head, value) = header.split_at(at);
            format!("{head}{}", value.replace('=', "%3D").replace('@', "%40"))
        }
        None => header,
    }
}

/// Headers every answer carries, 304 included.
fn common_headers(
    res: &mut HttpResponseBuilder,
    req: &HttpRequest,
    described: &Described<'_>,
    file: &OpenFile,
) {
    res.insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, file.validators.etag()))
        .insert_header((header::LAST_MODIFIED, file.validators.last_modified()))
        .insert_header((header::CACHE_CONTROL, described.cache_control));
    match described.audience {
        Audience::Players { name } => players_headers(res, req, name),
        Audience::Posters => {}
        Audience::Browsers { csp } => {
            res.insert_header((header::CONTENT_SECURITY_POLICY, csp));
        }
    }
}

/// CORS, the file's name and the DLNA headers a renderer asks for.
fn players_headers(res: &mut HttpResponseBuilder, req: &HttpRequest, name: &str) {
    // LAN TV apps load media from their own origin; no credentials are ever allowed.
    res.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            "Accept-Ranges, Content-Length, Content-Range, ETag",
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            disposition(DispositionType::Inline, None, name),
        ));
    if text(req, "getcontentfeatures.dlna.org").is_some_and(|v| v.trim() == "1") {
        res.insert_header(("contentFeatures.dlna.org", DLNA_FEATURES));
    }
    if req.headers().contains_key("transfermode.dlna.org") {
        res.insert_header(("transferMode.dlna.org", "Streaming"));
    }
}

/// A request header as text; `None` when absent or not visible ASCII.
fn text(req: &HttpRequest, name: impl header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Status, type and body of an answer with content.
struct Reply {
    status: StatusCode,
    content_type: String,
    content_range: Option<String>,
    pieces: Vec<Piece>,
}

impl Reply {
    /// Ranges apply to GET only (RFC 9110 §14.2); HEAD describes the whole file.
    fn for_request(req: &HttpRequest, file: &OpenFile, ct: &str) -> Result<Reply, AppError> {
        let outcome = if req.method() == Method::GET {
            let if_range = req.headers().get(header::IF_RANGE).map(|v| v.to_str().ok());
            requested(
                text(req, header::RANGE),
                if_range,
                &file.validators,
                file.len,
            )
        } else {
            RangeOutcome::Full
        };
        let len = file.len;
        match outcome {
            RangeOutcome::Full => Ok(Reply::whole(len, ct)),
            RangeOutcome::Partial(span) => Ok(Reply {
                status: StatusCode::PARTIAL_CONTENT,
                content_type: ct.to_owned(),
                content_range: Some(span.content_range(len)),
                pieces: vec![Piece::Span(span)],
            }),
            RangeOutcome::Multi(spans) => {
                Ok(match Multipart::layout(&spans, len, ct, &new_boundary()) {
                    Some(parts) => Reply {
                        status: StatusCode::PARTIAL_CONTENT,
                        content_type: parts.content_type(),
                        content_range: None,
                        pieces: parts.into_pieces(),
                    },
                    None => Reply::whole(len, ct),
                })
            }
            RangeOutcome::Unsatisfiable => Err(AppError::RangeNotSatisfiable { len }),
        }
    }

    fn whole(len: u64, ct: &str) -> Reply {
        Reply {
            status: StatusCode::OK,
            content_type: ct.to_owned(),
            content_range: None,
            pieces: ByteRange::whole(len).map(Piece::Span).into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disposition_percent_encodes_the_original_name() {
        let inline = |name| disposition(DispositionType::Inline, None, name);
        assert_eq!(
            inline("党章 第1集.mp4"),
            "inline; filename*=UTF-8''%E5%85%9A%E7%AB%A0%20%E7%AC%AC1%E9%9B%86.mp4"
        );
        assert_eq!(
            inline("a\";b\r\n.mp4"),
            "inline; filename*=UTF-8''a%22%3Bb%0D%0A.mp4"
        );
        assert_eq!(
            disposition(
                DispositionType::Attachment,
                Some("report.xlsx"),
                "月查 1.xlsx"
            ),
            "attachment; filename=\"report.xlsx\"; filename*=UTF-8''%E6%9C%88%E6%9F%A5%201.xlsx"
        );
    }

    #[test]
    fn no_character_outside_rfc_8187_attr_char_is_left_bare() {
        let header = disposition(
            DispositionType::Attachment,
            Some("report.xlsx"),
            "月查 a=b@c'd%e-1.xlsx",
        );
        let (head, value) = header.split_once("filename*=UTF-8''").expect("filename*");
        assert_eq!(head, "attachment; filename=\"report.xlsx\"; ");
        let attr_char = |b: u8| b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~%".contains(&b);
        assert!(value.bytes().all(attr_char), "{value}");
        assert!(value.ends_with("a%3Db%40c%27d%25e%2D1.xlsx"), "{value}");
    }
}

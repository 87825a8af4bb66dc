//! [`observe`]: the one call the media handlers make, so the plays of clients that report
//! nothing (DLNA TVs, players opening a URL) are still logged from what they fetched.

use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::http::{header, Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse};

use super::gate::client_ip;
use crate::accounts::Principal;
use crate::app::App;
use crate::error::AppError;
use crate::plays::{Delivered, Plays, Requester};

/// What a media handler served.
pub(super) enum Media<'a> {
    /// A file of a rendition folder: a segment when `index` is set (playlists count nothing).
    Segment { rung: &'a str, index: Option<usize> },
    /// A file that plays the whole film (tv.mp4, the original): its bytes, as they are sent.
    File,
}

/// Notes a media request for the inferred plays and passes the answer on unchanged (a
/// whole-film file's body is counted as it is sent). HEAD requests and errors count nothing.
pub(super) fn observe(
    app: &App,
    req: &HttpRequest,
    film_id: &str,
    media: Media<'_>,
    res: Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    let Ok(res) = res else { return res };
    // A signed-in office user previewing a film (the catalog page's player) is not a showing.
    let office = matches!(
        req.extensions().get::<Principal>(),
        Some(Principal::User { .. })
    );
    if req.method() != Method::GET || office {
        return Ok(res);
    }
    let who = requester(app, req);
    match media {
        Media::Segment { index: None, .. } => Ok(res),
        Media::Segment {
            rung,
            index: Some(index),
        } => {
            let status = res.status();
            if status.is_success() || status == StatusCode::NOT_MODIFIED {
                let what = Delivered::Segment {
                    rung: rung.to_owned(),
                    index,
                };
                app.plays.observe(who, film_id, what);
            }
            Ok(res)
        }
        Media::File => Ok(tap(app.plays.clone(), who, film_id, res)),
    }
}

/// The caller as media requests are grouped: a paired TV's station, and the address.
fn requester(app: &App, req: &HttpRequest) -> Requester {
    let station = match req.extensions().get::<Principal>() {
        Some(Principal::Device { station, .. }) => Some(station.clone()),
        _ => None,
    };
    let client: Option<IpAddr> = client_ip(req, &app.settings.trusted_proxies);
    Requester { station, client }
}

/// Wraps a whole-film file's body so the bytes actually sent are reported.
fn tap(plays: Arc<Plays>, who: Requester, film_id: &str, res: HttpResponse) -> HttpResponse {
    let Some((from, len)) = served_span(&res) else {
        return res;
    };
    let film = film_id.to_owned();
    res.map_body(move |_, inner| {
        Tap {
            inner,
            plays,
            who,
            film,
            from,
            len,
            sent: 0,
            reported: 0,
        }
        .boxed()
    })
}

/// Where the body starts in the file and the file's length: a 200 sends it all from 0, a
/// single-range 206 says so in `Content-Range` (a multi-range answer is not counted).
fn served_span(res: &HttpResponse) -> Option<(u64, u64)> {
    match res.status() {
        StatusCode::OK => match res.body().size() {
            BodySize::Sized(n) => Some((0, n)),
            _ => None,
        },
        StatusCode::PARTIAL_CONTENT => {
            let range = res.headers().get(header::CONTENT_RANGE)?.to_str().ok()?;
            let (span, len) = range.strip_prefix("bytes ")?.split_once('/')?;
            let (from, _) = span.split_once('-')?;
            Some((from.parse().ok()?, len.parse().ok()?))
        }
        _ => None,
    }
}

/// Bytes between two reports of a long response (keeps a slow DLNA stream's play alive).
const REPORT_EVERY: u64 = 1024 * 1024;

/// A body that reports how far it got: every [`REPORT_EVERY`] bytes and when dropped
/// (sent or cut off).
struct Tap {
    inner: BoxBody,
    plays: Arc<Plays>,
    who: Requester,
    film: String,
    from: u64,
    len: u64,
    sent: u64,
    reported: u64,
}

impl Tap {
    fn report(&mut self) {
        if self.sent > self.reported {
            let what = Delivered::Bytes {
                from: self.from + self.reported,
                to: self.from + self.sent,
                len: self.len,
            };
            self.plays.observe(self.who.clone(), &self.film, what);
            self.reported = self.sent;
        }
    }
}

impl MessageBody for Tap {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.inner.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(bytes))) = &polled {
            self.sent += bytes.len() as u64;
            if self.sent - self.reported >= REPORT_EVERY {
                self.report();
            }
        }
        polled
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.report();
    }
}

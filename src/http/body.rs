//! A time limit on every request body: a body must arrive in full within
//! `body_timeout_secs` of its first read, else the request ends with 408 and the connection
//! is closed. actix's `client_request_timeout` covers only the head, so without this a client
//! sending one byte now and then holds a connection (and a handler) forever. Upload data
//! (`PATCH /api/v1/uploads/{id}`, gigabytes) is exempt: its handler has its own stall limit,
//! `upload_body_timeout_secs`.
//!
//! A body the route left unread (or the gate refused) is not drained either: actix would
//! wait for a chunked body's end before reusing the connection, so the unread body is kept
//! alive until the response is sent, which makes actix close the connection instead.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{ConnectionType, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage, HttpResponse, ResponseError};
use futures_core::Stream;

use crate::app::App;
use crate::error::AppError;

/// How far the body got.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Progress {
    Reading,
    Done,
    TimedOut,
}

/// The real body and its progress, shared by the timed stream the route reads and the
/// middleware that answers once the route is done.
struct Shared {
    inner: Option<Payload>,
    progress: Progress,
}

/// The body as the route sees it: the real one, ended with an error at the deadline.
struct Timed {
    shared: Rc<RefCell<Shared>>,
    limit: Duration,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Stream for Timed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let limit = this.limit;
        let deadline = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        let mut shared = this.shared.borrow_mut();
        if shared.progress == Progress::TimedOut {
            return Poll::Ready(Some(Err(too_slow())));
        }
        let Some(inner) = shared.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(inner).poll_next(cx) {
            Poll::Ready(None) => {
                shared.progress = Progress::Done;
                Poll::Ready(None)
            }
            Poll::Ready(Some(item)) => Poll::Ready(Some(item)),
            Poll::Pending => match deadline.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(()) => {
                    shared.progress = Progress::TimedOut;
                    Poll::Ready(Some(Err(too_slow())))
                }
            },
        }
    }
}

fn too_slow() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body arrived too slowly",
    ))
}

/// Upload data keeps its own stall limit.
fn is_upload_data(req: &ServiceRequest) -> bool {
    req.method() == Method::PATCH && req.path().starts_with("/api/v1/uploads/")
}

/// The middleware in front of every route.
pub async fn body_timeout(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<App>>()
        .map(|app| Duration::from_secs(app.settings.body_timeout_secs.max(1)));
    let payload = req.take_payload();
    let exempt = matches!(payload, Payload::None) || is_upload_data(&req);
    let (Some(limit), false) = (limit, exempt) else {
        req.set_payload(payload);
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let shared = Rc::new(RefCell::new(Shared {
        inner: Some(payload),
        progress: Progress::Reading,
    }));
    req.set_payload(Payload::Stream {
        payload: Box::pin(Timed {
            shared: shared.clone(),
            limit,
            deadline: None,
        }),
    });
    let outcome = next.call(req).await;
    let mut shared = shared.borrow_mut();
    let ending = Ending {
        timed_out: shared.progress == Progress::TimedOut,
        unread: RefCell::new(match shared.progress {
            Progress::Done => None,
            Progress::Reading | Progress::TimedOut => shared.inner.take(),
        }),
    };
    match outcome {
        // A middleware inside (the gate) refused: the error becomes the response later,
        // so the unread body rides along in the error.
        Err(error) => Err(EndedWith { ending, error }.into()),
        Ok(res) if ending.timed_out => {
            let (req, _) = res.into_parts();
            let answer = ending.response(None);
            Ok(ServiceResponse::new(req, answer).map_into_right_body())
        }
        Ok(res) if ending.unread.borrow().is_some() => Ok(res
            .map_body(|_, body| ending.keep_unread(BoxBody::new(body)))
            .map_into_right_body()),
        Ok(res) => Ok(res.map_into_left_body()),
    }
}

/// How a request with a body ended: timed out or not, and the body if not read to its end.
struct Ending {
    timed_out: bool,
    unread: RefCell<Option<Payload>>,
}

impl Ending {
    /// A response body that keeps the unread request body alive until actix has sent it
    /// all, so that actix closes the connection rather than wait for the rest of the
    /// request body.
    fn keep_unread(&self, body: BoxBody) -> BoxBody {
        match self.unread.borrow_mut().take() {
            Some(unread) => BoxBody::new(KeepUnread {
                body,
                _unread: unread,
            }),
            None => body,
        }
    }

    /// 408 when the body timed out (the connection then closes), else the inner error's.
    fn response(&self, error: Option<&actix_web::Error>) -> HttpResponse {
        let res = match error {
            Some(error) if !self.timed_out => error.error_response(),
            Some(_) | None => {
                let mut res = AppError::BodyTimeout.error_response();
                res.head_mut().set_connection_type(ConnectionType::Close);
                res
            }
        };
        res.map_body(|_, body| self.keep_unread(body))
    }
}

/// An error from inside, carrying the request's unread body into its response.
struct EndedWith {
    ending: Ending,
    error: actix_web::Error,
}

impl std::fmt::Debug for EndedWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.error, f)
    }
}

impl std::fmt::Display for EndedWith {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.error, f)
    }
}

impl ResponseError for EndedWith {
    fn status_code(&self) -> StatusCode {
        if self.ending.timed_out {
            AppError::BodyTimeout.status_code()
        } else {
            self.error.as_response_error().status_code()
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.ending.response(Some(&self.error))
    }
}

/// A response body holding the unread request body until it has been sent.
struct KeepUnread {
    body: BoxBody,
    _unread: Payload,
}

impl MessageBody for KeepUnread {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

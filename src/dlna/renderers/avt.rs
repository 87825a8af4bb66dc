//! Driving a renderer's AVTransport:1 (and RenderingControl:1, for the volume) over SOAP: each call posted with a time-out, its
//! answer (capped) read by the same SOAP reader as the server's own control requests, and a
//! UPnP fault's `errorCode` read with `quick-xml`.

use std::time::Duration;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::dlna::soap;

const SERVICE: &str = "urn:schemas-upnp-org:service:AVTransport:1";
/// The volume's service.
pub const RENDERING_CONTROL: &str = "urn:schemas-upnp-org:service:RenderingControl:1";
/// Answers longer than this are not read (a GetPositionInfo answer is well under 4 KiB).
const MAX_ANSWER: usize = 64 * 1024;

/// Why a renderer call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("the renderer cannot be reached: {0}")]
    Unreachable(String),
    #[error("the renderer did not answer in time")]
    Slow,
    #[error("the renderer refused with UPnP error {0}")]
    Fault(u16),
    #[error("the renderer's answer is not a SOAP answer")]
    Malformed,
}

/// The transport's state as `GetTransportInfo` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transport {
    /// `STOPPED`, `PLAYING`, `PAUSED_PLAYBACK`, `TRANSITIONING`, `NO_MEDIA_PRESENT`, …
    pub state: String,
}

impl Transport {
    /// Nothing is playing or loaded: a new URI may be set without a `Stop`.
    pub fn idle(&self) -> bool {
        matches!(self.state.as_str(), "STOPPED" | "NO_MEDIA_PRESENT")
    }
}

/// One renderer's AVTransport control point (or, with its own control URL, another service's:
/// [`AvTransport::call_service`]).
#[derive(Clone)]
pub struct AvTransport {
    pub client: reqwest::Client,
    pub control_url: String,
    pub timeout: Duration,
}

impl AvTransport {
    /// Calls `action` (InstanceID 0 first) and returns the output arguments.
    pub async fn call(
        &self,
        action: &str,
        args: &[(&str, &str)],
    ) -> Result<Vec<(String, String)>, CallError> {
        self.call_service(SERVICE, action, args).await
    }

    /// Calls `action` of `service` at this control URL (InstanceID 0 first).
    pub async fn call_service(
        &self,
        service: &str,
        action: &str,
        args: &[(&str, &str)],
    ) -> Result<Vec<(String, String)>, CallError> {
        let mut inputs = vec![("InstanceID", "0")];
        inputs.extend_from_slice(args);
        let body = soap::request(service, action, &inputs);
        let sent = self
            .client
            .post(&self.control_url)
            .timeout(self.timeout)
            .header("Content-Type", "text/xml; charset=\"utf-8\"")
            .header("SOAPACTION", format!("\"{service}#{action}\""))
            .body(body)
            .send()
            .await;
        let mut resp = sent.map_err(from_reqwest)?;
        let status = resp.status();
        let mut answer = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(from_reqwest)? {
            if answer.len() + chunk.len() > MAX_ANSWER {
                return Err(CallError::Malformed);
            }
            answer.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(fault_code(&answer).map_or(CallError::Malformed, CallError::Fault));
        }
        let parsed = soap::parse(&answer, None).map_err(|_| CallError::Malformed)?;
        Ok(parsed.args)
    }

    pub async fn transport_info(&self) -> Result<Transport, CallError> {
        let out = self.call("GetTransportInfo", &[]).await?;
        Ok(Transport {
            state: arg(&out, "CurrentTransportState").unwrap_or_default(),
        })
    }

    /// The position (`RelTime`) in seconds; `None` when the renderer does not know it.
    pub async fn position(&self) -> Result<Option<f64>, CallError> {
        let out = self.call("GetPositionInfo", &[]).await?;
        Ok(arg(&out, "RelTime").and_then(|t| parse_time(&t)))
    }
}

fn arg(out: &[(String, String)], name: &str) -> Option<String> {
    out.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

fn from_reqwest(e: reqwest::Error) -> CallError {
    tracing::debug!(error = ?e, "renderer call failed");
    if e.is_timeout() {
        CallError::Slow
    } else {
        CallError::Unreachable(e.to_string())
    }
}

/// `H+:MM:SS[.F+]` → seconds; `NOT_IMPLEMENTED` and the like → `None`.
pub fn parse_time(text: &str) -> Option<f64> {
    let mut parts = text.trim().split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let h: u64 = h.parse().ok()?;
    let m: u64 = m.parse().ok()?;
    let s: f64 = s.parse().ok()?;
    let total = h as f64 * 3600.0 + m as f64 * 60.0 + s;
    (total.is_finite() && m < 60 && (0.0..60.0).contains(&s)).then_some(total)
}

/// Seconds → `H:MM:SS` (REL_TIME targets of `Seek`).
pub fn format_time(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The `errorCode` of a UPnP fault.
fn fault_code(body: &[u8]) -> Option<u16> {
    if soap::declares_dtd(body) {
        return None;
    }
    let mut reader = Reader::from_str(std::str::from_utf8(body).ok()?);
    let mut in_code = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => in_code = e.local_name().into_inner() == "errorCode",
            Event::Text(t) if in_code => return t.xml10_content().trim().parse().ok(),
            Event::End(_) => in_code = false,
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_and_write_as_upnp_writes_them() {
        assert_eq!(parse_time("0:01:05"), Some(65.0));
        assert_eq!(parse_time("01:00:00.500"), Some(3600.5));
        assert_eq!(parse_time("NOT_IMPLEMENTED"), None);
        assert_eq!(parse_time("0:61:00"), None);
        assert_eq!(format_time(3725.4), "1:02:05");
        assert_eq!(format_time(-3.0), "0:00:00");
    }

    #[test]
    fn a_fault_gives_its_upnp_error_code() {
        let body = String::from_utf8(soap::fault(soap::Fault::NoSuchObject)).unwrap();
        assert_eq!(fault_code(body.as_bytes()), Some(701));
        assert_eq!(fault_code(b"<x/>"), None);
    }
}

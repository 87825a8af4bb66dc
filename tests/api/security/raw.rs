//! A raw HTTP/1.1 client for hostile requests: the request line and headers go on the wire
//! exactly as written (no URL normalisation, no re-encoding), the answer is read to the end
//! of the connection, up to a cap.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What came back.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Answer {
    /// Whether `needle` occurs in the body.
    pub fn contains(&self, needle: &[u8]) -> bool {
        !needle.is_empty() && self.body.windows(needle.len()).any(|w| w == needle)
    }
}

/// The most read from one answer: more than any test file, so a leak is still seen.
const CAP: usize = 64 << 20;

/// Sends `method target` with `headers` (each `Name: value`) and an empty body to `addr`
/// (`host:port`), `Connection: close`; `None` when the server closed or reset without a status
/// line, or gave none within 30 s (a liveness bound, not a speed figure).
pub async fn request(addr: &str, method: &str, target: &str, headers: &[String]) -> Option<Answer> {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    if !["GET", "HEAD"].contains(&method) {
        head.push_str("Content-Length: 0\r\n");
    }
    head.push_str("\r\n");
    send(addr, head.as_bytes()).await
}

/// Sends `bytes` as they are and reads the answer.
pub async fn send(addr: &str, bytes: &[u8]) -> Option<Answer> {
    let go = async {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        // The server may answer and close before it has read everything (an oversized head).
        let _ = stream.write_all(bytes).await;
        let mut got = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) if got.len() < CAP => got.extend_from_slice(&buf[..n]),
                Ok(_) => break,
            }
        }
        parse(got)
    };
    tokio::time::timeout(Duration::from_secs(30), go)
        .await
        .ok()
        .flatten()
}

fn parse(got: Vec<u8>) -> Option<Answer> {
    let split = got.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&got[..split]).into_owned();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some(Answer {
        status,
        head,
        body: got[split + 4..].to_vec(),
    })
}

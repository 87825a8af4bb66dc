//! Hole 8: request bodies could stall forever on every route but uploads (20 of 20
//! connections dribbling a byte now and then stayed open). Now every body must arrive within
//! `body_timeout_secs`: a slower one gets 408 and its connection is closed, and a body the
//! route never reads (or the gates refuse) cannot hold the connection open either.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::spawn_app_with;

/// How a dribbling client sends its body.
#[derive(Clone, Copy, Debug)]
enum Dribble {
    /// `Content-Length: 100` to a route that reads a JSON body.
    Sized,
    /// `Transfer-Encoding: chunked` to a route that reads a JSON body.
    Chunked,
    /// `Transfer-Encoding: chunked` to a route that never reads its body.
    Unread,
    /// `Transfer-Encoding: chunked` to a route the gate refuses before any handler runs.
    Refused,
    /// `Transfer-Encoding: chunked` naming a host the server does not answer (421).
    Misdirected,
}

impl Dribble {
    fn head(self, host: &str) -> String {
        let host = match self {
            Dribble::Misdirected => "evil.example",
            _ => host,
        };
        let (method, path, framing) = match self {
            Dribble::Sized => ("POST", "/api/v1/plays", "Content-Length: 100"),
            Dribble::Chunked => ("POST", "/api/v1/plays", "Transfer-Encoding: chunked"),
            Dribble::Unread => ("GET", "/healthz", "Transfer-Encoding: chunked"),
            Dribble::Refused => ("POST", "/api/v1/users", "Transfer-Encoding: chunked"),
            Dribble::Misdirected => ("POST", "/api/v1/plays", "Transfer-Encoding: chunked"),
        };
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
        )
    }

    /// One byte of body, framed.
    fn piece(self, byte: u8) -> Vec<u8> {
        match self {
            Dribble::Sized => vec![byte],
            Dribble::Chunked | Dribble::Unread | Dribble::Refused | Dribble::Misdirected => {
                let mut chunk = b"1\r\n".to_vec();
                chunk.extend([byte, b'\r', b'\n']);
                chunk
            }
        }
    }
}

/// Sends the head, then one body byte a second (100 s in all), while reading whatever the
/// server answers until it closes the connection (or resets it). Returns what was read, or `None` when the
/// connection was still open after 30 s.
async fn dribble(host: String, how: Dribble) -> Option<String> {
    let stream = TcpStream::connect(&host).await.expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    wr.write_all(how.head(&host).as_bytes())
        .await
        .expect("head");
    let body = format!("{{\"film_id\": \"{}\"}}", "x".repeat(84));
    let writer = async move {
        for &byte in body.as_bytes() {
            if wr.write_all(&how.piece(byte)).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        // Keep the write half open: closing it is not what a stalling client does.
        std::future::pending::<()>().await;
    };
    let reader = async move {
        let mut got = Vec::new();
        // An error here (a reset) is also the server closing the connection.
        let _ = rd.read_to_end(&mut got).await;
        String::from_utf8_lossy(&got).into_owned()
    };
    let ended = async move {
        tokio::select! {
            got = reader => got,
            () = writer => unreachable!("the writer never finishes"),
        }
    };
    tokio::time::timeout(Duration::from_secs(30), ended)
        .await
        .ok()
}

#[tokio::test]
async fn twenty_dribbling_bodies_get_408_and_their_connections_are_closed() {
    let app = spawn_app_with(|s| s.body_timeout_secs = 2).await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let kinds = [
        Dribble::Sized,
        Dribble::Chunked,
        Dribble::Unread,
        Dribble::Refused,
        Dribble::Misdirected,
    ];
    // All twenty run at once; they are awaited in turn.
    let clients: Vec<_> = (0..20)
        .map(|i| {
            let how = kinds[i % kinds.len()];
            let host = host.clone();
            tokio::spawn(async move { (how, dribble(host, how).await) })
        })
        .collect();
    let mut problems = Vec::new();
    for client in clients {
        let (how, got) = client.await.expect("join");
        match (how, got) {
            (_, None) => problems.push(format!("{how:?}: still open after 30 s")),
            (Dribble::Sized | Dribble::Chunked, Some(got))
                if !got.starts_with("HTTP/1.1 408") || !got.contains("body_timeout") =>
            {
                problems.push(format!("{how:?}: answered {got:?}"))
            }
            (_, Some(_)) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn a_body_read_in_full_keeps_the_connection_for_the_next_request() {
    let app = spawn_app_with(|s| s.body_timeout_secs = 2).await;
    let host = app.base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&host).await.expect("connect");
    let body = r#"{"film_id": "no-such-film"}"#;
    let two = format!(
        "POST /api/v1/plays HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}\
         GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(two.as_bytes()).await.expect("write");
    let mut got = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut got));
    read.await.expect("closed after the second").expect("read");
    let got = String::from_utf8_lossy(&got);
    assert_eq!(got.matches("HTTP/1.1 ").count(), 2, "{got}");
    assert!(got.trim_end().ends_with("ok"), "{got}");
}

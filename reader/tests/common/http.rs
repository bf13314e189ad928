//! A small HTTP/1.1 client for the binaries' HTTP API, over a plain TCP connection. Shared by the
//! reader's and the streamer's tests (the streamer's `common` includes this file).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

/// An answer: its status code and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `method path` on 127.0.0.1:`port`, with a bearer `token` and a JSON `body` if given.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if let Some(token) = token {
        head += &format!("Authorization: Bearer {token}\r\n");
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() {
        head += "Content-Type: application/json\r\n";
    }
    head += &format!("Content-Length: {}\r\n\r\n", body.len());
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Ok(Response { status, body: body.to_owned() })
}

/// `GET path`, which must be answered.
pub fn get(port: u16, path: &str) -> Response {
    request(port, "GET", path, None, None).unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// `method path` with a JSON body, which must be answered.
pub fn send(port: u16, method: &str, path: &str, token: Option<&str>, body: &str) -> Response {
    request(port, method, path, token, Some(body))
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// Asks `GET path` until it answers `status`, for up to `timeout`; returns that answer.
pub fn wait_for(port: u16, path: &str, status: u16, timeout: Duration) -> Response {
    let deadline = Instant::now() + timeout;
    loop {
        let answer = request(port, "GET", path, None, None);
        match answer {
            Ok(response) if response.status == status => return response,
            _ if Instant::now() >= deadline => {
                panic!("GET {path} did not answer {status} within {timeout:?}: {answer:?}")
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

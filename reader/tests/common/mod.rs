//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod http;
pub mod kafka;
pub mod pty;
pub mod reliability;

use serde_json::Value;

/// The first JSON log line (`--log-format json`) whose message is `message`.
pub fn logged(stderr: &[u8], message: &str) -> Value {
    all_logged(stderr, message)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no `{message}` in {}", String::from_utf8_lossy(stderr)))
}

/// Every JSON log line whose message is `message`, in order.
pub fn all_logged(stderr: &[u8], message: &str) -> Vec<Value> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["fields"]["message"] == message)
        .collect()
}

/// Sends `signal` to a child process.
pub fn send_signal(child: &std::process::Child, signal: nix::sys::signal::Signal) {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
}

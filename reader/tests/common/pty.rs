//! The simulated receiver on a pseudo-terminal (`novatel-reader simulate --simulate-output
//! pty:LINK`), as the serial tests open it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh directory for a test's terminal link, and the link's path in it.
pub fn terminal_link(test: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("reader-pty-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("ttyGNSS");
    let _ = std::fs::remove_file(&link);
    (dir, link)
}

/// A simulated receiver on a new pseudo-terminal linked at `link`, for `seconds`, its GPS time
/// starting at `start`; returns once the link exists.
pub fn simulated_receiver(link: &Path, start: &str, seconds: u32) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_novatel-reader"))
        .env_clear()
        .env("METRICS_LISTEN", "off")
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "json")
        .args(["simulate", "--simulate-output"])
        .arg(format!("pty:{}", link.display()))
        .args(["--simulate-start", start, "--simulate-duration", &format!("{seconds}s")])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::symlink_metadata(link).is_err() {
        assert!(Instant::now() < deadline, "the simulator made no terminal");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

/// The command lines the simulated receiver logged receiving (its stderr), in order.
pub fn commands_received(stderr: &[u8]) -> Vec<String> {
    super::all_logged(stderr, "received a command")
        .iter()
        .map(|v| v["fields"]["command"].as_str().unwrap().to_owned())
        .collect()
}

//! The serial path for real: a simulated receiver on a pseudo-terminal, read by `novatel-reader
//! serial` as its device; the terminal disappears mid-stream and comes back as a new one behind
//! the same path (a USB receiver unplugged and plugged in again).

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::kafka::{cluster, consume};
use common::{logged, send_signal};
use nix::sys::signal::Signal;

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_novatel-reader"));
    command
        .env_clear()
        .env("METRICS_LISTEN", "off")
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "json");
    command
}

/// A simulated receiver on a new pseudo-terminal linked at `link`, for `seconds`, its GPS time
/// starting at `start`.
fn receiver(link: &Path, start: &str, seconds: u32) -> Child {
    let child = binary()
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

/// A fresh directory for a test's terminal link, and the link's path in it.
fn terminal_link(test: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("reader-pty-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("ttyGNSS");
    let _ = std::fs::remove_file(&link);
    (dir, link)
}

/// `novatel-reader serial` on `link` (started before the device exists, it waits for it),
/// sending `commands` on every connect.
fn serial_reader(link: &Path, bootstrap: &str, commands: &[&str]) -> Child {
    let mut command = binary();
    command.args(["serial", "--serial-device"]).arg(link).args([
        "--serial-baud",
        "921600",
        "--receiver-id",
        "rover",
        "--kafka-brokers",
        bootstrap,
    ]);
    for line in commands {
        command.args(["--serial-command", line]);
    }
    command.stderr(Stdio::piped()).spawn().unwrap()
}

#[test]
fn a_receiver_unplugged_and_plugged_in_again_is_read_to_the_end() {
    let cluster = cluster("gnss.frames", 1);
    let bootstrap = cluster.bootstrap_servers();
    let (dir, link) = terminal_link("unplugged");
    // The reader starts first and waits for its device to appear.
    let reader =
        serial_reader(&link, &bootstrap, &["UNLOGALL THISPORT", "LOG BESTPOSB ONTIME 0.05"]);
    let first = receiver(&link, "2024-06-01T00:00:00Z", 3).wait_with_output().unwrap();
    // Unplugged for a second, then a new terminal behind the same path.
    std::thread::sleep(Duration::from_secs(1));
    let second = receiver(&link, "2024-06-01T01:00:00Z", 3).wait_with_output().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    send_signal(&reader, Signal::SIGTERM);
    let reader = reader.wait_with_output().unwrap();
    assert!(reader.status.success(), "{}", String::from_utf8_lossy(&reader.stderr));
    logged(&reader.stderr, "receiver connected again");

    // Frames the terminal took whole; while the reader was still waiting to reconnect, frames
    // that did not fit in the terminal's buffer were lost on the "line", as on a real port.
    let written = |output: &std::process::Output| {
        let stopped = logged(&output.stderr, "simulated receiver stopped");
        stopped["fields"]["frames_written"].as_u64().unwrap() as usize
    };
    let (first_written, second_written) = (written(&first), written(&second));
    // The commands went to the receiver on each connect, in order; its replies (`<OK`, `[COM1]`)
    // were not taken for logs.
    for session in [&first, &second] {
        let received: Vec<String> = String::from_utf8_lossy(&session.stderr)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["fields"]["message"] == "received a command")
            .map(|v| v["fields"]["command"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(received, ["UNLOGALL THISPORT", "LOG BESTPOSB ONTIME 0.05"]);
    }
    let finished = logged(&reader.stderr, "finished");
    let unframed = finished["fields"]["rejected_unframed"].as_u64().unwrap();
    assert!(
        unframed >= 2 * "<OK\r\n[COM1]".len() as u64,
        "replies counted as bytes between frames"
    );
    let messages =
        consume(&bootstrap, "gnss.frames", first_written + second_written, Duration::from_secs(20));
    // Each session's frames, told apart by their GPS time (an hour apart).
    let hour = |m: &common::kafka::Received| {
        m.headers.get("ms").map(|ms| ms.parse::<u64>().unwrap() / 3_600_000 % 24)
    };
    let first_hour = hour(&messages[0]);
    let in_first = messages.iter().filter(|m| hour(m) == first_hour).count();
    assert_eq!(in_first, first_written, "every frame of the first connection");
    assert_eq!(messages.len() - in_first, second_written, "every frame after reconnecting");
    assert!(messages.iter().all(|m| m.key == "rover"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A live receiver read while every broker is down for 10 s: the reader holds its frames (within
/// its buffer bound) and delivers each of them, once, when the brokers are back.
#[test]
fn a_live_receiver_survives_ten_seconds_without_brokers() {
    let cluster = cluster("gnss.frames", 1);
    let bootstrap = cluster.bootstrap_servers();
    let (dir, link) = terminal_link("outage");
    // The reader first, waiting for its device: every frame the receiver writes is read.
    let reader = serial_reader(&link, &bootstrap, &[]);
    let receiver = receiver(&link, "2024-06-01T00:00:00Z", 16);

    std::thread::sleep(Duration::from_secs(3));
    for broker in 1..=3 {
        cluster.broker_down(broker).unwrap();
    }
    std::thread::sleep(Duration::from_secs(10));
    for broker in 1..=3 {
        cluster.broker_up(broker).unwrap();
    }
    let receiver = receiver.wait_with_output().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    send_signal(&reader, Signal::SIGTERM);
    let reader = reader.wait_with_output().unwrap();
    assert!(reader.status.success(), "{}", String::from_utf8_lossy(&reader.stderr));

    let stopped = logged(&receiver.stderr, "simulated receiver stopped");
    let written = stopped["fields"]["frames_written"].as_u64().unwrap() as usize;
    let finished = logged(&reader.stderr, "finished");
    for lost in ["dropped", "failed", "undelivered"] {
        assert_eq!(finished["fields"][lost], 0, "{lost}");
    }
    let messages = consume(&bootstrap, "gnss.frames", written, Duration::from_secs(30));
    assert_eq!(messages.len(), written, "every frame the receiver sent, once");
    let mut offsets: Vec<u64> =
        messages.iter().map(|m| m.headers["offset"].parse().unwrap()).collect();
    assert!(offsets.is_sorted(), "in the order the receiver sent them");
    offsets.dedup();
    assert_eq!(offsets.len(), written, "no frame twice");
    let _ = std::fs::remove_dir_all(&dir);
}

//! The serial path for real: a simulated receiver on a pseudo-terminal, read by `novatel-reader
//! serial` as its device; the terminal disappears mid-stream and comes back as a new one behind
//! the same path (a USB receiver unplugged and plugged in again); the brokers go away while it
//! sends.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::kafka::{cluster, consume};
use common::pty::{commands_received, simulated_receiver, terminal_link};
use common::reliability::{self, Figures};
use common::{all_logged, logged, send_signal};
use nix::sys::signal::Signal;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_novatel-reader"));
    command
        .env_clear()
        .env("METRICS_LISTEN", "off")
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "json");
    command
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

/// When a JSON log line of `stderr` (`--log-format json`) was written.
fn log_time(line: &serde_json::Value) -> SystemTime {
    humantime::parse_rfc3339(line["timestamp"].as_str().unwrap()).unwrap()
}

/// Case 7 of `docs/reliability.md`: the receiver is unplugged and plugged in again three times
/// (in the test suite; more at a larger reliability scale), each time a new terminal behind the
/// same path.
#[test]
fn a_receiver_unplugged_and_plugged_in_again_is_read_to_the_end() {
    let cluster = cluster("gnss.frames", 1);
    let bootstrap = cluster.bootstrap_servers();
    let (dir, link) = terminal_link("unplugged");
    // The reader starts first and waits for its device to appear.
    let reader =
        serial_reader(&link, &bootstrap, &["UNLOGALL THISPORT", "LOG BESTPOSB ONTIME 0.05"]);
    let replugs = 3 * reliability::scale() as usize;
    assert!(replugs < 24, "each session has its own hour of GPS time");
    let mut sessions = Vec::new();
    for hour in 0..=replugs {
        // Unplugged for a second between sessions.
        if hour > 0 {
            std::thread::sleep(Duration::from_secs(1));
        }
        let session = simulated_receiver(&link, &format!("2024-06-01T{hour:02}:00:00Z"), 3);
        let plugged_in = SystemTime::now();
        sessions.push((plugged_in, session.wait_with_output().unwrap()));
    }
    std::thread::sleep(Duration::from_millis(500));
    send_signal(&reader, Signal::SIGTERM);
    let reader = reader.wait_with_output().unwrap();
    assert!(reader.status.success(), "{}", String::from_utf8_lossy(&reader.stderr));

    // Frames the terminal took whole; while the reader was still waiting to reconnect, frames
    // that did not fit in the terminal's buffer were lost on the "line", as on a real port.
    let written: Vec<usize> = sessions
        .iter()
        .map(|(_, output)| {
            let stopped = logged(&output.stderr, "simulated receiver stopped");
            stopped["fields"]["frames_written"].as_u64().unwrap() as usize
        })
        .collect();
    // The commands went to the receiver on each connect, in order; its replies (`<OK`, `[COM1]`)
    // were not taken for logs.
    for (_, session) in &sessions {
        assert_eq!(
            commands_received(&session.stderr),
            ["UNLOGALL THISPORT", "LOG BESTPOSB ONTIME 0.05"]
        );
    }
    let finished = logged(&reader.stderr, "finished");
    let unframed = finished["fields"]["rejected_unframed"].as_u64().unwrap();
    // The first session's two replies at least: later ones can run into the tail of a frame cut
    // short while the reader was away, and are rejected with it.
    assert!(
        unframed >= 2 * "<OK\r\n[COM1]".len() as u64,
        "replies counted as bytes between frames"
    );
    // From each new terminal to the reader reading it.
    let reconnected: Vec<SystemTime> =
        all_logged(&reader.stderr, "receiver connected again").iter().map(log_time).collect();
    assert_eq!(reconnected.len(), replugs, "connected again after each replug");
    let slowest_reconnect = sessions[1..]
        .iter()
        .zip(&reconnected)
        .map(|((plugged_in, _), connected)| {
            connected.duration_since(*plugged_in).unwrap_or_default()
        })
        .max();

    let total: usize = written.iter().sum();
    let messages = consume(&bootstrap, "gnss.frames", total, Duration::from_secs(20));
    // Each session's frames, told apart by their GPS time (an hour apart).
    let ms = |m: &common::kafka::Received| m.frame_header().ms.expect("a GPS time");
    let hour = |m: &common::kafka::Received| ms(m) / 3_600_000 % 24;
    let mut per_session = vec![0; replugs + 1];
    for m in &messages {
        per_session[hour(m) as usize] += 1;
    }
    let distinct: BTreeSet<(u32, &[u8])> = messages.iter().map(|m| (ms(m), &m.value[..])).collect();
    reliability::report(&Figures {
        case: 7,
        load: format!("{} sessions x 3 s of a simulated receiver at 921600 baud", replugs + 1),
        fault: &format!("{replugs} x terminal closed for 1 s and recreated behind the same path"),
        frames_in: total as u64,
        counted_in: "Kafka topic",
        arrived: distinct.len() as u64,
        duplicated: (messages.len() - distinct.len()) as u64,
        recovery: slowest_reconnect,
    });
    assert_eq!(per_session, written, "every frame of each connection");
    assert_eq!(distinct.len(), messages.len(), "no frame twice");
    assert!(messages.iter().all(|m| m.key == "rover"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The topic's end offset (its one partition), once a broker answers.
fn end_offset(consumer: &BaseConsumer) -> i64 {
    loop {
        if let Ok((_, high)) = consumer.fetch_watermarks("gnss.frames", 0, Duration::from_secs(1)) {
            return high;
        }
    }
}

/// Case 3 of `docs/reliability.md`: a live receiver read while every broker is down for 10 s
/// (once in the test suite, more at a larger reliability scale), then refuses produce requests
/// with retriable errors: the reader holds its frames (within its buffer bound) and delivers each
/// of them, once, when the brokers are back.
#[test]
fn a_live_receiver_survives_ten_seconds_without_brokers() {
    let cluster = cluster("gnss.frames", 1);
    let bootstrap = cluster.bootstrap_servers();
    let watcher: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", &bootstrap).create().unwrap();
    let (dir, link) = terminal_link("outage");
    // The reader first, waiting for its device: every frame the receiver writes is read.
    let reader = serial_reader(&link, &bootstrap, &[]);
    let outages = reliability::scale() as u32;
    let receiver = simulated_receiver(&link, "2024-06-01T00:00:00Z", 3 + 13 * outages);

    let mut slowest_recovery = Duration::ZERO;
    for round in 1..=outages {
        std::thread::sleep(Duration::from_secs(3));
        let delivered = end_offset(&watcher);
        for broker in 1..=3 {
            cluster.broker_down(broker).unwrap();
        }
        std::thread::sleep(Duration::from_secs(10));
        cluster.request_errors(
            RDKafkaApiKey::Produce,
            &[
                RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                RDKafkaRespErr::RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            ],
        );
        for broker in 1..=3 {
            cluster.broker_up(broker).unwrap();
        }
        let up = Instant::now();
        while end_offset(&watcher) <= delivered {
            if up.elapsed() > Duration::from_secs(30) {
                send_signal(&reader, Signal::SIGTERM);
                let reader = reader.wait_with_output().unwrap();
                panic!(
                    "nothing delivered within 30 s of outage {round} ending:\n{}",
                    String::from_utf8_lossy(&reader.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        slowest_recovery = slowest_recovery.max(up.elapsed());
    }
    let receiver = receiver.wait_with_output().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    send_signal(&reader, Signal::SIGTERM);
    let reader = reader.wait_with_output().unwrap();
    assert!(reader.status.success(), "{}", String::from_utf8_lossy(&reader.stderr));

    let stopped = logged(&receiver.stderr, "simulated receiver stopped");
    let written = stopped["fields"]["frames_written"].as_u64().unwrap() as usize;
    let finished = logged(&reader.stderr, "finished");
    let messages = consume(&bootstrap, "gnss.frames", written, Duration::from_secs(30));
    let mut offsets: Vec<u64> =
        messages.iter().map(|m| m.headers["offset"].parse().unwrap()).collect();
    assert!(offsets.is_sorted(), "in the order the receiver sent them");
    offsets.dedup();
    reliability::report(&Figures {
        case: 3,
        load: format!("a simulated receiver at 921600 baud for {} s", 3 + 13 * outages),
        fault: &format!("every broker down for 10 s, then 3 produce requests refused, {outages} x"),
        frames_in: written as u64,
        counted_in: "Kafka topic",
        arrived: offsets.len() as u64,
        duplicated: (messages.len() - offsets.len()) as u64,
        recovery: Some(slowest_recovery),
    });
    for lost in ["dropped", "failed", "undelivered"] {
        assert_eq!(finished["fields"][lost], 0, "{lost}");
    }
    assert_eq!(messages.len(), written, "every frame the receiver sent, once");
    assert_eq!(offsets.len(), written, "no frame twice");
    let _ = std::fs::remove_dir_all(&dir);
}

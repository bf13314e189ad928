//! The reader binary producing to librdkafka's mock cluster: every frame of the real recordings
//! arrives in order per receiver, byte for byte, with the right key, headers (lean by default,
//! full when asked) and timestamp; an outage of every broker loses and duplicates nothing;
//! filters, errors and signals.

mod common;

use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::kafka::{Received, by_key, cluster, consume, consume_split};
use common::{logged, send_signal};
use gnss_common::kafka::FrameHeaders;
use nix::sys::signal::Signal;
use novatel::{Event, Format, Frame, frames, header};

const TOPIC: &str = "gnss.frames";

fn reader(bootstrap: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_novatel-reader"));
    command
        .env_clear()
        .env("KAFKA_BROKERS", bootstrap)
        .env("METRICS_LISTEN", "off")
        .env("RUST_LOG", "info");
    command
}

fn fixture(name: &str) -> String {
    format!("{}/../fixtures/real/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(command: &mut Command) -> Output {
    let output = command.output().expect("reader runs");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    output
}

/// The frames of a recording, in order.
/// A frame of a fixture: its format, its byte offset in the file, its bytes.
type FileFrame = (Format, u64, Vec<u8>);

fn frames_of(name: &str) -> Vec<FileFrame> {
    let data = std::fs::read(fixture(name)).unwrap();
    frames(&data)
        .filter_map(|e| match e {
            Event::Frame(f) => Some((f.format, f.offset, f.bytes.to_vec())),
            Event::Rejected(_) => None,
        })
        .collect()
}

/// For each run of rejected bytes in a recording, the GPS time of the last frame before it with a
/// GPS time (week > 0), if any.
fn gps_times_of_rejects(name: &str) -> Vec<Option<i64>> {
    let data = std::fs::read(fixture(name)).unwrap();
    let mut last = None;
    let mut times = Vec::new();
    for event in frames(&data) {
        match event {
            Event::Frame(frame) => {
                if let Ok((h, _)) = header::parse(&frame)
                    && h.week.is_some_and(|week| week > 0)
                {
                    last = h.unix_ms();
                }
            }
            Event::Rejected(_) => times.push(last),
        }
    }
    times
}

/// Checks a message against the frame it carries: headers (of the set the reader sent) and
/// timestamp from the frame itself.
fn assert_message_is_frame(
    message: &Received,
    frame: &FileFrame,
    receiver: &str,
    headers: FrameHeaders,
) {
    let (format, offset, bytes) = (frame.0, frame.1, frame.2.as_slice());
    assert_eq!(message.value, bytes, "payload is the frame, byte for byte");
    assert_eq!(message.key, receiver);
    let (h, _) = header::parse(&Frame { format, offset: 0, bytes }).unwrap();
    let mut full = BTreeMap::from([
        ("log".to_owned(), h.name.to_string()),
        ("format".to_owned(), format.as_str().to_owned()),
        ("receiver".to_owned(), receiver.to_owned()),
        ("offset".to_owned(), offset.to_string()),
    ]);
    if let Some(id) = h.id {
        full.insert("id".into(), id.to_string());
    }
    if let (Some(week), Some(ms)) = (h.week, h.ms) {
        full.insert("week".into(), week.to_string());
        full.insert("ms".into(), ms.to_string());
        assert_eq!(message.timestamp, h.unix_ms(), "timestamp is the GPS time in UTC");
    }
    let expected = match headers {
        FrameHeaders::Lean => BTreeMap::from([("offset".to_owned(), offset.to_string())]),
        FrameHeaders::Full => full,
    };
    assert_eq!(message.headers, expected, "{headers:?} headers");
    assert_eq!(message.header_count, expected.len(), "{headers:?}: each header once");
}

/// Replays the real recordings with `args` and checks every message against its recording:
/// frames with `headers`, and reports of rejected bytes with their own four headers.
fn every_frame_of_the_real_recordings_arrives(args: &[&str], headers: FrameHeaders) {
    let cluster = cluster(TOPIC, 4);
    let bootstrap = cluster.bootstrap_servers();
    let files = ["bestpos.gps", "BESTUTMBIN.GPS", "OneEach.GPS", "OneEach.ASC", "test2_rcvr1.dat"];
    let started_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let output = run(reader(&bootstrap).arg("replay").args(args).args(files.map(fixture)));
    assert!(output.status.success());
    let expected: BTreeMap<&str, Vec<FileFrame>> =
        files.iter().map(|f| (*f, frames_of(f))).collect();
    let total: usize = expected.values().map(Vec::len).sum();
    let (messages, reports) = consume_split(&bootstrap, TOPIC, total, Duration::from_secs(30));
    assert_eq!(messages.len(), total, "every frame once");
    // Rejected bytes are reported per receiver; the expected files count them independently.
    for file in files {
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{}.expected.json", fixture(file))).unwrap(),
        )
        .unwrap();
        let rejected: u64 =
            expected["rejected"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        let reported: u64 = reports
            .iter()
            .filter(|r| r.key == file)
            .map(|r| r.headers["bytes"].parse::<u64>().unwrap())
            .sum();
        assert_eq!(reported, rejected, "{file}: reported rejected bytes");
        // By reason, each report with the same four headers whatever the frames' set.
        let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
        for report in reports.iter().filter(|r| r.key == file) {
            assert_eq!(
                report.headers.keys().map(String::as_str).collect::<Vec<_>>(),
                ["bytes", "kind", "reason", "receiver"],
                "{file}: {report:?}"
            );
            assert_eq!(report.header_count, 4, "{file}: {report:?}");
            assert_eq!(report.headers["receiver"], file);
            assert!(report.value.is_empty(), "{file}: {report:?}");
            *by_reason.entry(report.headers["reason"].clone()).or_default() +=
                report.headers["bytes"].parse::<u64>().unwrap();
        }
        let expected_by_reason: BTreeMap<String, u64> = expected["rejected"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(reason, n)| (reason.clone(), n.as_u64().unwrap()))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(by_reason, expected_by_reason, "{file}: reported rejected bytes by reason");
        // Each report is timed by the GPS time of the last frame before its bytes that had one,
        // or by the time of reading when none had.
        let times: Vec<Option<i64>> = reports
            .iter()
            .filter(|r| r.key == file)
            .map(|r| r.timestamp.filter(|_| r.timestamp < Some(started_ms)))
            .collect();
        assert_eq!(times, gps_times_of_rejects(file), "{file}: times of the reports");
    }
    let groups = by_key(&messages);
    assert_eq!(groups.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut keys: Vec<&str> = files.to_vec();
        keys.sort();
        keys
    });
    for (file, frames) in &expected {
        let received = &groups[*file];
        assert_eq!(received.len(), frames.len(), "{file}");
        for (message, frame) in received.iter().zip(frames) {
            assert_message_is_frame(message, frame, file, headers);
        }
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("delivered={total}")), "report of what was delivered");
}

/// By default frame messages carry the `offset` header alone.
#[test]
fn every_frame_of_the_real_recordings_arrives_in_order_per_receiver() {
    every_frame_of_the_real_recordings_arrives(&[], FrameHeaders::Lean);
}

/// `--kafka-headers full`: every header readers sent before lean existed.
#[test]
fn every_frame_of_the_real_recordings_arrives_with_full_headers() {
    every_frame_of_the_real_recordings_arrives(&["--kafka-headers", "full"], FrameHeaders::Full);
}

/// The setting's other spellings, and a wrong value said as the other settings' are.
#[test]
fn the_headers_setting_is_a_variable_and_a_file_key_too() {
    // The line `--print-config` prints for the setting.
    let printed = |variable: Option<&str>, args: &[&str]| {
        let mut command = reader("localhost:9092");
        command.arg("replay").args(args).args(["--print-config", &fixture("bestpos.gps")]);
        if let Some(value) = variable {
            command.env("KAFKA_HEADERS", value);
        }
        let output = run(&mut command);
        assert!(output.status.success());
        let stdout = String::from_utf8(output.stdout).unwrap();
        stdout.lines().find(|l| l.starts_with("kafka.headers")).unwrap_or_default().to_owned()
    };
    let default = printed(None, &[]);
    assert!(default.contains("\"lean\"") && default.contains("default"), "{default}");
    let env = printed(Some("full"), &[]);
    assert!(env.contains("\"full\"") && env.contains("KAFKA_HEADERS"), "{env}");
    let dir = std::env::temp_dir().join(format!("reader-headers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("reader.toml");
    std::fs::write(&config, "[kafka]\nheaders = \"full\"\n").unwrap();
    let file = printed(None, &["--config", config.to_str().unwrap()]);
    assert!(file.contains("\"full\"") && file.contains("config file"), "{file}");
    let flag = printed(Some("full"), &["--kafka-headers", "lean"]);
    assert!(flag.contains("\"lean\"") && flag.contains("command line"), "{flag}");
    let _ = std::fs::remove_dir_all(&dir);
    let wrong = run(reader("localhost:9092").args([
        "replay",
        "--kafka-headers",
        "some",
        &fixture("bestpos.gps"),
    ]));
    assert_eq!(wrong.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("kafka.headers") && stderr.contains("lean, full"), "{stderr}");
}

#[test]
fn an_outage_of_every_broker_loses_and_duplicates_nothing() {
    let cluster = cluster(TOPIC, 2);
    let bootstrap = cluster.bootstrap_servers();
    let expected = frames_of("test2_rcvr1.dat");
    // 436 s of GPS time at 60x: about 7 s, with the brokers down for 4 s in the middle.
    let child = reader(&bootstrap)
        .args([
            "replay",
            "--replay-speed",
            "60",
            "--receiver-id",
            "rover",
            &fixture("test2_rcvr1.dat"),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    for broker in 1..=3 {
        cluster.broker_down(broker).unwrap();
    }
    std::thread::sleep(Duration::from_secs(4));
    for broker in 1..=3 {
        cluster.broker_up(broker).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success());
    let messages = consume(&bootstrap, TOPIC, expected.len(), Duration::from_secs(30));
    assert_eq!(messages.len(), expected.len(), "nothing lost, nothing duplicated");
    for (message, frame) in by_key(&messages)["rover"].iter().zip(&expected) {
        assert_message_is_frame(message, frame, "rover", FrameHeaders::Lean);
    }
}

/// With full headers (set by the variable), consumers can filter on `log` without decoding; the
/// frames say the same.
#[test]
fn the_filter_keeps_only_the_named_logs() {
    let cluster = cluster(TOPIC, 1);
    let bootstrap = cluster.bootstrap_servers();
    let output = run(reader(&bootstrap).env("KAFKA_HEADERS", "full").args([
        "replay",
        "--filter-include",
        "BESTXYZ",
        &fixture("test2_rcvr1.dat"),
    ]));
    assert!(output.status.success());
    let messages = consume(&bootstrap, TOPIC, 448, Duration::from_secs(20));
    assert_eq!(messages.len(), 448);
    assert!(messages.iter().all(|m| m.headers["log"] == "BESTXYZ"));
    assert!(messages.iter().all(|m| m.frame_header().name == "BESTXYZ"));
}

#[test]
fn sighup_changes_the_filter_without_losing_or_repeating_a_frame() {
    let cluster = cluster(TOPIC, 1);
    let bootstrap = cluster.bootstrap_servers();
    let dir = std::env::temp_dir().join(format!("reader-sighup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("reader.toml");
    std::fs::write(&config, "[filter]\ninclude = [\"BESTXYZ\"]\n").unwrap();
    let child = reader(&bootstrap)
        .args(["replay", "--replay-speed", "100", "--config"])
        .arg(&config)
        .arg(fixture("test2_rcvr1.dat"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    std::fs::write(&config, "[filter]\ninclude = [\"BESTXYZ\", \"RANGECMP\"]\n").unwrap();
    send_signal(&child, Signal::SIGHUP);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("SIGHUP: reloaded the log filter"), "{stderr}");
    let all = frames_of("test2_rcvr1.dat");
    let messages = consume(&bootstrap, TOPIC, 448 + 1, Duration::from_secs(20));
    // Positions in the file of the frames that came through.
    let received: Vec<usize> = messages
        .iter()
        .map(|m| all.iter().position(|(_, _, f)| *f == m.value).expect("a frame of the file"))
        .collect();
    let first = received
        .iter()
        .copied()
        .find(|&i| log_id(&all[i].2) == 140)
        .expect("RANGECMP after the reload");
    // Before the first RANGECMP that came through: every BESTXYZ and nothing else; from it on,
    // every BESTXYZ and RANGECMP (GPSEPHEM was never included).
    let expected: Vec<usize> = (0..all.len())
        .filter(|&i| match log_id(&all[i].2) {
            241 => true,
            140 => i >= first,
            _ => false,
        })
        .collect();
    assert_eq!(received, expected);
    assert!(first > 0 && first < all.len() - 100, "the switch happened during the replay");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The message id of a binary frame.
fn log_id(frame: &[u8]) -> u16 {
    u16::from_le_bytes([frame[4], frame[5]])
}

#[test]
fn sigterm_stops_reading_and_delivers_what_was_read() {
    let cluster = cluster(TOPIC, 1);
    let bootstrap = cluster.bootstrap_servers();
    let child = reader(&bootstrap)
        .args([
            "replay",
            "--replay-speed",
            "20",
            "--log-format",
            "json",
            &fixture("test2_rcvr1.dat"),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    send_signal(&child, Signal::SIGTERM);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let report = logged(&output.stderr, "finished");
    let delivered = report["fields"]["delivered"].as_u64().unwrap();
    assert!(delivered > 0 && delivered < 897, "stopped part way: {delivered}");
    assert_eq!(report["fields"]["undelivered"], 0);
    let messages = consume(&bootstrap, TOPIC, delivered as usize, Duration::from_secs(20));
    assert_eq!(messages.len() as u64, delivered);
}

#[test]
fn errors_a_user_can_act_on() {
    let cluster = cluster(TOPIC, 1);
    let bootstrap = cluster.bootstrap_servers();
    let missing = run(reader(&bootstrap).args([
        "replay",
        "--kafka-topic",
        "no.such.topic",
        &fixture("bestpos.gps"),
    ]));
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("topic no.such.topic does not exist")
    );

    let unreachable = run(reader("127.0.0.1:1").args([
        "replay",
        "--kafka-connect-timeout",
        "1s",
        &fixture("bestpos.gps"),
    ]));
    assert_eq!(unreachable.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unreachable.stderr).contains("cannot reach Kafka at 127.0.0.1:1")
    );

    let no_file = run(reader(&bootstrap).args(["replay", "/nonexistent.gps"]));
    assert_eq!(no_file.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&no_file.stderr).contains("cannot open recording /nonexistent.gps")
    );

    let no_device = run(reader(&bootstrap).args([
        "serial",
        "--serial-device",
        "/dev/nonexistent-gnss",
        "--serial-connect-timeout",
        "1s",
    ]));
    assert_eq!(no_device.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&no_device.stderr)
            .contains("serial device /dev/nonexistent-gnss does not exist")
    );

    let bad_baud = run(reader(&bootstrap).args([
        "serial",
        "--serial-device",
        "/dev/null",
        "--serial-baud",
        "12345",
    ]));
    assert_eq!(bad_baud.status.code(), Some(2));
}

#[test]
fn prometheus_metrics_describe_the_run() {
    let cluster = cluster(TOPIC, 1);
    let bootstrap = cluster.bootstrap_servers();
    let port = common::http::free_port();
    let child = reader(&bootstrap)
        .env("METRICS_LISTEN", format!("127.0.0.1:{port}"))
        .args(["replay", "--replay-speed", "50", &fixture("test2_rcvr1.dat")])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let metrics = common::http::get(port, "/metrics");
    assert_eq!(metrics.status, 200);
    let metrics = metrics.body;
    send_signal(&child, Signal::SIGTERM);
    assert!(child.wait_with_output().unwrap().status.success());
    let value = |line_start: &str| -> f64 {
        let line = metrics
            .lines()
            .find(|l| l.starts_with(line_start))
            .unwrap_or_else(|| panic!("no {line_start} in\n{metrics}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(value("reader_frames_total{log=\"RANGECMP\",format=\"binary\"}") > 0.0);
    assert!(value("reader_frames_delivered_total") > 0.0);
    assert!(value("reader_bytes_read_total") > 0.0);
    assert!(value("reader_produce_latency_seconds_count") > 0.0);
    value("reader_rejected_bytes_total{reason=\"bad_crc\"}");
    value("reader_queue_depth");
}

#[test]
fn replay_loops_until_stopped() {
    let cluster = cluster(TOPIC, 1);
    let bootstrap = cluster.bootstrap_servers();
    let once = frames_of("bestpos.gps");
    let child = reader(&bootstrap)
        .args(["replay", "--replay-loop", "--replay-speed", "10", &fixture("bestpos.gps")])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The recording spans 8 s of GPS time: at 10x, a loop every 0.8 s.
    std::thread::sleep(Duration::from_secs(3));
    send_signal(&child, Signal::SIGTERM);
    assert!(child.wait_with_output().unwrap().status.success());
    let messages = consume(&bootstrap, TOPIC, 2 * once.len(), Duration::from_secs(10));
    assert!(messages.len() >= 2 * once.len(), "looped at least twice: {}", messages.len());
    for (message, (_, _, bytes)) in messages.iter().zip(once.iter().cycle()) {
        assert_eq!(&message.value, bytes);
    }
}

//! `novatel-reader simulate` to a recording and to Kafka with several receivers.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use common::kafka::{by_key, cluster, consume};
use novatel::{Event, decode, frames};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_novatel-reader"));
    command.env_clear().env("METRICS_LISTEN", "off");
    command
}

/// Logs per second at the default rates.
const PER_SECOND: [(&str, usize); 6] = [
    ("BESTPOS", 20),
    ("BESTVEL", 20),
    ("INSPVAS", 100),
    ("RANGE", 10),
    ("RXSTATUS", 1),
    ("TIME", 1),
];

fn expected(seconds: usize) -> BTreeMap<String, usize> {
    PER_SECOND.iter().map(|&(name, n)| (name.to_owned(), n * seconds)).collect()
}

#[test]
fn a_recording_of_the_requested_duration() {
    let path = std::env::temp_dir().join(format!("simulated-{}.gps", std::process::id()));
    let output = binary()
        .args([
            "simulate",
            "--simulate-duration",
            "5s",
            "--simulate-start",
            "2024-06-01T00:00:00Z",
            "--simulate-output",
        ])
        .arg(format!("file:{}", path.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let data = std::fs::read(&path).unwrap();
    let mut counts = BTreeMap::new();
    let mut it = frames(&data);
    for event in &mut it {
        let Event::Frame(frame) = event else { panic!("only frames in a simulated recording") };
        let message = decode(&frame).unwrap();
        assert!(message.log.is_some());
        *counts.entry(message.header.name.to_string()).or_insert(0) += 1;
    }
    assert_eq!(counts, expected(5));
    let first = decode(&match frames(&data).next() {
        Some(Event::Frame(f)) => f,
        _ => unreachable!(),
    })
    .unwrap();
    // 2024-06-01T00:00:00Z is GPS week 2316, 6 * 86400 + 18 s into it.
    assert_eq!((first.header.week, first.header.ms), (Some(2316), Some(518_418_000)));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn several_receivers_to_kafka() {
    let cluster = cluster("gnss.frames", 3);
    let bootstrap = cluster.bootstrap_servers();
    let output = binary()
        .args([
            "simulate",
            "--simulate-receivers",
            "3",
            "--simulate-speed",
            "0",
            "--simulate-duration",
            "2s",
        ])
        .args(["--kafka-brokers", &bootstrap])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let per_receiver: usize = expected(2).values().sum();
    let messages = consume(&bootstrap, "gnss.frames", 3 * per_receiver, Duration::from_secs(20));
    let groups = by_key(&messages);
    assert_eq!(groups.keys().collect::<Vec<_>>(), ["sim-1", "sim-2", "sim-3"]);
    for (receiver, messages) in &groups {
        let mut counts = BTreeMap::new();
        for m in messages {
            *counts.entry(m.frame_header().name.into_owned()).or_insert(0) += 1;
        }
        assert_eq!(counts, expected(2), "{receiver}");
    }
}

/// A wrong `--simulate-interference` is a usage error (exit 2) that says what to write.
#[test]
fn a_wrong_interference_says_what_to_write() {
    let cases = [
        ("every=5m,duration=30s,depth=12", "fraction is missing"),
        ("every=5m,duration=30s,depth=12,fraction=0.8,width=3", "width is not a key"),
        ("every=1m,duration=30s,depth=12,fraction=0.8", "at least four times the duration"),
        ("every=5m,duration=30s,depth=12,fraction=2", "between 0 and 1"),
        ("every=5m,duration=30s,depth=deep,fraction=0.8", "depth=deep"),
    ];
    for (value, message) in cases {
        let output = binary()
            .args(["simulate", "--simulate-interference", value, "--print-config"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{value}: {stderr}");
        assert!(stderr.contains(message), "{value}: {stderr}");
    }
    let output = binary()
        .args([
            "simulate",
            "--simulate-interference",
            "every=5m,duration=30s,depth=12,fraction=0.8",
        ])
        .arg("--print-config")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("simulate.interference"), "{stdout}");
}

//! The reader's HTTP API through real HTTP against the running binary: a simulated receiver on a
//! pseudo-terminal read by `novatel-reader serial` (readiness, status, commands, the filter, the
//! token), simulated receivers to Kafka (several sources), and an exposed address without a
//! token file.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::http::{free_port, get, send, wait_for};
use common::kafka::{cluster, consume};
use common::pty::{commands_received, simulated_receiver, terminal_link};
use common::{logged, send_signal};
use nix::sys::signal::Signal;

fn binary(port: u16) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_novatel-reader"));
    command
        .env_clear()
        .env("METRICS_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "json");
    command
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// The frames a status shows for source `index`.
fn frames(status: &serde_json::Value, index: usize) -> u64 {
    status["sources"][index]["frames"].as_u64().unwrap()
}

#[test]
fn a_serial_reader_answers_probes_status_commands_and_a_new_filter() {
    let cluster = cluster("gnss.frames", 1);
    let bootstrap = cluster.bootstrap_servers();
    let (dir, link) = terminal_link("http");
    let token_file = dir.join("token");
    std::fs::write(&token_file, "s3cret-token\n").unwrap();
    let token = Some("s3cret-token");
    let port = free_port();
    // The reader first, waiting for its device.
    let reader = binary(port)
        .env("HTTP_TOKEN_FILE", &token_file)
        .args(["serial", "--serial-device"])
        .arg(&link)
        .args(["--serial-baud", "921600", "--receiver-id", "rover", "--kafka-brokers", &bootstrap])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(port, "/health", 200, Duration::from_secs(10));
    let not_ready = get(port, "/ready");
    assert_eq!(not_ready.status, 503, "no device yet: {}", not_ready.body);
    let missing = not_ready.json()["not_ready"].to_string();
    assert!(missing.contains("source 0") && missing.contains("connecting"), "{missing}");

    let start = "2024-06-01T00:00:00Z";
    let start_ms = humantime::parse_rfc3339(start).unwrap().duration_since(UNIX_EPOCH).unwrap();
    let start_ms = start_ms.as_millis() as i64;
    let session = simulated_receiver(&link, start, 12);
    wait_for(port, "/ready", 200, Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(1));
    let first = get(port, "/status").json();
    std::thread::sleep(Duration::from_secs(1));
    let status = get(port, "/status").json();
    let source = &status["sources"][0];
    assert_eq!(source["kind"], "serial");
    assert_eq!(source["state"], "connected");
    assert_eq!(source["receiver"], "rover");
    assert!(frames(&first, 0) > 0 && frames(&status, 0) > frames(&first, 0), "frames grow");
    let gps_ms = source["last_frame"]["gps_time"]["unix_ms"].as_i64().unwrap();
    assert!((start_ms..start_ms + 12_000).contains(&gps_ms), "last GPS time {gps_ms}");
    let wall_ms = source["last_frame"]["wall_time"]["unix_ms"].as_i64().unwrap();
    assert!((now_ms() - 5_000..=now_ms()).contains(&wall_ms), "last wall time {wall_ms}");
    assert_eq!(status["kafka"]["reachable"], true, "{status}");
    assert_eq!(status["filter"], serde_json::json!({ "include": null, "exclude": [] }));

    // Control calls need the token; read-only ones do not.
    let command = r#"{"command": "LOG VERSIONA ONCE"}"#;
    assert_eq!(send(port, "POST", "/command", None, command).status, 401);
    assert_eq!(send(port, "POST", "/command", Some("s3cret"), command).status, 401);
    let accepted = send(port, "POST", "/command", token, command);
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.json()["reply"], "<OK");
    let refused = send(port, "POST", "/command", token, r#"{"command": "FLY TO THE MOON"}"#);
    assert_eq!(refused.status, 200, "{}", refused.body);
    assert_eq!(refused.json()["reply"], "<ERROR:Invalid Message");
    assert_eq!(refused.json()["ok"], false);
    let bad = send(port, "POST", "/command", token, r#"{"command": ""}"#);
    assert_eq!(bad.status, 400, "{}", bad.body);

    // A new filter: from the next chunk read, only BESTPOS reaches Kafka.
    let filter = r#"{"include": ["BESTPOS"]}"#;
    assert_eq!(send(port, "PUT", "/filter", None, filter).status, 401);
    let replaced = send(port, "PUT", "/filter", token, filter);
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    let status = get(port, "/status").json();
    let changed_ms = status["sources"][0]["last_frame"]["gps_time"]["unix_ms"].as_i64().unwrap();
    assert_eq!(status["filter"]["include"], serde_json::json!(["BESTPOS"]));
    std::thread::sleep(Duration::from_secs(2));
    assert!(get(port, "/status").json()["sources"][0]["filtered"].as_u64().unwrap() > 0);

    // The receiver goes away: not ready, and commands cannot go anywhere.
    let session = session.wait_with_output().unwrap();
    let gone = wait_for(port, "/ready", 503, Duration::from_secs(10));
    assert!(gone.json()["not_ready"].to_string().contains("reconnecting"), "{}", gone.body);
    let unconnected = send(port, "POST", "/command", token, command);
    assert_eq!(unconnected.status, 503, "{}", unconnected.body);
    send_signal(&reader, Signal::SIGTERM);
    let reader = reader.wait_with_output().unwrap();
    assert!(reader.status.success(), "{}", String::from_utf8_lossy(&reader.stderr));

    assert_eq!(commands_received(&session.stderr), ["LOG VERSIONA ONCE", "FLY TO THE MOON"]);
    let finished = logged(&reader.stderr, "finished");
    let delivered = finished["fields"]["delivered"].as_u64().unwrap() as usize;
    let messages = consume(&bootstrap, "gnss.frames", delivered, Duration::from_secs(20));
    let log = |m: &common::kafka::Received| m.frame_header().name.into_owned();
    let before: Vec<_> = messages.iter().filter(|m| m.timestamp < Some(changed_ms)).collect();
    let after: Vec<_> = messages.iter().filter(|m| m.timestamp > Some(changed_ms)).collect();
    assert!(before.iter().any(|m| log(m) != "BESTPOS"), "every log before the change");
    assert!(!after.is_empty(), "BESTPOS after the change");
    assert!(after.iter().all(|m| log(m) == "BESTPOS"), "only BESTPOS after the change");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn several_sources_are_told_apart_and_only_live_receivers_take_commands() {
    let cluster = cluster("gnss.frames", 1);
    let bootstrap = cluster.bootstrap_servers();
    let port = free_port();
    let reader = binary(port)
        .args(["simulate", "--simulate-receivers", "2", "--kafka-brokers", &bootstrap])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(port, "/ready", 200, Duration::from_secs(15));
    let status = get(port, "/status").json();
    let sources = status["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{status}");
    for (index, source) in sources.iter().enumerate() {
        assert_eq!(source["index"], index);
        assert_eq!(source["kind"], "simulated");
        assert_eq!(source["state"], "reading");
        assert_eq!(source["receiver"], format!("sim-{}", index + 1));
    }
    let command = |body: &str| send(port, "POST", "/command", None, body);
    let unnamed = command(r#"{"command": "LOG VERSIONA ONCE"}"#);
    assert_eq!(unnamed.status, 400, "{}", unnamed.body);
    let not_live = command(r#"{"command": "LOG VERSIONA ONCE", "source": "sim-2"}"#);
    assert_eq!(not_live.status, 409, "{}", not_live.body);
    assert!(not_live.json()["error"].as_str().unwrap().contains("source 1"), "{}", not_live.body);
    let unknown = command(r#"{"command": "LOG VERSIONA ONCE", "source": 7}"#);
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let metrics = get(port, "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("reader_frames_total{"), "{}", metrics.body);
    send_signal(&reader, Signal::SIGTERM);
    assert!(reader.wait_with_output().unwrap().status.success());
}

#[test]
fn an_exposed_address_without_a_token_file_refuses_control_calls() {
    let cluster = cluster("gnss.frames", 1);
    let bootstrap = cluster.bootstrap_servers();
    let port = free_port();
    let reader = binary(port)
        .env("METRICS_LISTEN", format!("0.0.0.0:{port}"))
        .args(["simulate", "--kafka-brokers", &bootstrap])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(port, "/ready", 200, Duration::from_secs(15));
    assert_eq!(get(port, "/status").status, 200, "read-only routes stay open");
    let refused = send(port, "PUT", "/filter", None, r#"{"exclude": ["RANGE"]}"#);
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.json()["error"].as_str().unwrap().contains("HTTP_TOKEN_FILE"));
    assert_eq!(get(port, "/status").json()["filter"]["exclude"], serde_json::json!([]));
    send_signal(&reader, Signal::SIGTERM);
    let reader = reader.wait_with_output().unwrap();
    assert!(reader.status.success());
    let warning = String::from_utf8_lossy(&reader.stderr);
    assert!(warning.contains("without a token file: control calls are refused"), "{warning}");
}

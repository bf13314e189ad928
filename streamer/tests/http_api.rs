//! The streamer's HTTP API through real HTTP against the running binary: `/ready` follows the
//! partitions assigned and ClickHouse answering (killed and started again), `/status` shows the
//! assignment, each partition's mark, position, high watermark and lag, and the last batch.

mod common;

use std::time::Duration;

use common::http::{free_port, get, wait_for};
use common::{ClickHouse, Run, Streamer, cluster, simulate, wait_until};
use serde_json::Value;

const TOPIC: &str = "frames";

#[test]
fn ready_and_status_follow_the_partitions_and_clickhouse() {
    let mut ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    // Three receivers: their keys spread over the partitions.
    simulate(&bootstrap, TOPIC, 3, "20s", "bestpos=10,range=1");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let args = [
        "--metrics-listen",
        listen.as_str(),
        "--batch-max-age",
        "100ms",
        // Statistics (the high watermarks) every second rather than every 10.
        "-X",
        "statistics.interval.ms=1000",
    ];
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "api",
        clickhouse: &ch,
        database: "gnss",
        args: &args,
    };
    let streamer = Streamer::start(&run);
    wait_for(port, "/health", 200, Duration::from_secs(30));
    wait_for(port, "/ready", 200, Duration::from_secs(60));

    // Everything read: each partition's mark is its last record, its lag nothing.
    let caught_up = |status: &Value| {
        let assignment = status["assignment"].as_array().unwrap();
        assignment.len() == 3
            && assignment.iter().all(|p| {
                p["high_watermark"].as_i64().is_some_and(|high| {
                    p["lag"] == 0 && (high == 0 || p["mark"].as_i64() == Some(high - 1))
                })
            })
    };
    let mut status = Value::Null;
    wait_until(Duration::from_secs(60), "every partition written and caught up", || {
        status = get(port, "/status").json();
        caught_up(&status)
    });
    assert_eq!(status["group"], "api");
    assert_eq!(status["topic"], TOPIC);
    let partitions: Vec<i64> = status["assignment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["partition"].as_i64().unwrap())
        .collect();
    assert_eq!(partitions, [0, 1, 2]);
    let in_kafka: i64 = status["assignment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["high_watermark"].as_i64().unwrap())
        .sum();
    assert_eq!(ch.count("SELECT count() FROM gnss.frames") as i64, in_kafka, "{status}");
    let batch = &status["last_batch"];
    let frames = batch["frames"].as_u64().unwrap();
    assert!(frames > 0 && batch["rows"].as_u64().unwrap() >= frames, "{batch}");
    assert!(batch["duration_ms"].is_u64() && batch["written"]["unix_ms"].is_i64(), "{batch}");
    assert_eq!(status["clickhouse"]["reachable"], true);

    // ClickHouse gone: not ready, saying why; back: ready again.
    ch.kill();
    let gone = wait_for(port, "/ready", 503, Duration::from_secs(20));
    assert!(gone.json()["not_ready"].to_string().contains("ClickHouse"), "{}", gone.body);
    assert_eq!(get(port, "/status").json()["clickhouse"]["reachable"], false);
    ch.run();
    wait_for(port, "/ready", 200, Duration::from_secs(20));

    let metrics = get(port, "/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics.body.contains("streamer_flush_seconds_bucket"), "{}", metrics.body);
    let (exit, log) = streamer.stop();
    assert!(exit.success(), "{log}");
}

//! The real recordings, replayed by the reader through Kafka into the streamer, land in a real
//! ClickHouse exactly as the reader decodes them; the aggregates the streamer computes batch by
//! batch merge to what ClickHouse computes over the raw tables.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::aggregates::assert_aggregates_match_raw;
use common::exactness::RATES;
use common::expected::{QUERIES, assert_rows_eq, parse, sorted};
use common::{ClickHouse, Run, Streamer, cluster, replay_real, simulate, wait_for_frames};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

const TOPIC: &str = "frames";
/// Offsets the group committed, and the end of each partition.
fn committed_and_end(bootstrap: &str, group: &str, partitions: i32) -> (Vec<Offset>, Vec<i64>) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    for p in 0..partitions {
        list.add_partition(TOPIC, p);
    }
    let committed = consumer.committed_offsets(list, Duration::from_secs(10)).unwrap();
    let committed = committed.elements().iter().map(|e| e.offset()).collect();
    let ends = (0..partitions)
        .map(|p| consumer.fetch_watermarks(TOPIC, p, Duration::from_secs(10)).unwrap().1)
        .collect();
    (committed, ends)
}

#[test]
fn real_recordings_land_with_the_values_the_reader_decodes() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    let expected = replay_real(&bootstrap, TOPIC);

    // Small batches: the recordings take many of them.
    let args = ["--batch-max-frames", "150", "--batch-max-age", "100ms"];
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "prod",
        clickhouse: &ch,
        database: "gnss",
        args: &args,
    };
    let mut streamer = Streamer::start(&run);
    wait_for_frames(&ch, "gnss", expected.total_frames(), &mut streamer, Duration::from_secs(90));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    // A clean run and stop, leaving the group included, has nothing to report as an error.
    assert!(!log.contains(" ERROR "), "{log}");

    // Every frame, by receiver, log and format, with its bytes; none failed to decode.
    let frames: BTreeMap<(String, String, String), u64> = ch
        .rows(
            "SELECT receiver, log, format, count() FROM gnss.frames GROUP BY receiver, log, format",
        )
        .into_iter()
        .map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), r[3].parse().unwrap()))
        .collect();
    assert_eq!(frames, expected.frames);
    let bytes: BTreeMap<String, u64> = ch
        .rows("SELECT receiver, sum(size_bytes) FROM gnss.frames GROUP BY receiver")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect();
    assert_eq!(bytes, expected.frame_bytes);
    assert_eq!(ch.count("SELECT count() FROM gnss.frames WHERE error != ''"), 0);
    // Every log decodes: the frames left undecoded are the replies to commands (SEND) that
    // OneEach holds.
    let replies: u64 =
        expected.frames.iter().filter(|((_, log, _), _)| log == "SEND").map(|(_, n)| n).sum();
    assert!(replies > 0);
    assert_eq!(
        ch.rows("SELECT log, count() FROM gnss.frames WHERE decoded = 0 GROUP BY log"),
        [["SEND".to_owned(), replies.to_string()]]
    );
    // Each Kafka record once.
    assert_eq!(
        ch.count("SELECT uniqExact(kafka_partition, kafka_offset) FROM gnss.frames"),
        expected.total_frames()
    );

    // Rejected bytes, as the reader counted them, by receiver and reason.
    let rejected: BTreeMap<(String, String), u64> = ch
        .rows("SELECT receiver, reason, sum(bytes) FROM gnss.rejected GROUP BY receiver, reason")
        .into_iter()
        .map(|r| ((r[0].clone(), r[1].clone()), r[2].parse().unwrap()))
        .collect();
    assert_eq!(rejected, expected.rejected);

    // The decoded values, row for row.
    for (table, columns, types) in QUERIES {
        let actual = sorted(parse(ch.rows(&format!("SELECT {columns} FROM gnss.{table}")), types));
        let wanted = sorted(expected.tables.get(table).cloned().unwrap_or_default());
        assert!(!wanted.is_empty(), "the recordings have {table} rows");
        assert_rows_eq(&actual, &wanted, table);
    }

    // Offsets were committed up to the end, after the rows were written.
    let (committed, ends) = committed_and_end(&bootstrap, "prod", 3);
    let ends: Vec<Offset> =
        ends.into_iter().map(|e| if e > 0 { Offset::Offset(e) } else { Offset::Invalid }).collect();
    assert_eq!(committed, ends);
}

#[test]
fn aggregates_merge_to_what_clickhouse_computes_from_the_raw_rows() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    // Two simulated receivers for two and a half minutes (every aggregate has windows to fill),
    // and the real recordings (rejected bytes, RANGECMP).
    simulate(&bootstrap, TOPIC, 2, "150s", RATES);
    let expected = replay_real(&bootstrap, TOPIC);
    let simulated = 2 * 150 * (10 + 10 + 1 + 10 + 1 + 1);

    // Batches much smaller than a minute of data: windows are split across many batches.
    let args = ["--batch-max-frames", "700", "--batch-max-age", "100ms"];
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "prod",
        clickhouse: &ch,
        database: "gnss",
        args: &args,
    };
    let mut streamer = Streamer::start(&run);
    wait_for_frames(
        &ch,
        "gnss",
        expected.total_frames() + simulated,
        &mut streamer,
        Duration::from_secs(120),
    );
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");

    let compared = assert_aggregates_match_raw(&ch, "gnss");
    for (target, rows) in &compared {
        assert!(*rows > 0, "{target} has rows");
    }
    // 2.5 minutes of 2 receivers starting on a minute, 3 windows each, plus the real recordings'.
    let minutes = ch.count(
        "SELECT uniqExact(receiver, window_start) FROM gnss.position_agg WHERE resolution_s = 60",
    );
    assert!(minutes >= 6, "{minutes} windows");
}

/// A slow batch can be followed in the log: each batch's events, from sealed to offsets stored,
/// carry its span with its number, records and offsets per partition.
#[test]
fn each_batch_is_followed_by_its_span_from_consumed_to_offsets_stored() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 2);
    let bootstrap = kafka.bootstrap_servers();
    let expected = replay_real(&bootstrap, TOPIC);
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "spans",
        clickhouse: &ch,
        database: "gnss",
        args: &["--log-format", "json", "--batch-max-frames", "400"],
    };
    let debug = [("RUST_LOG", "info,gnss_streamer=debug")];
    let mut streamer = Streamer::start_with_env(&run, &debug);
    wait_for_frames(&ch, "gnss", expected.total_frames(), &mut streamer, Duration::from_secs(90));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");

    // Per batch number: its span's fields, and the messages logged in it.
    let mut batches: BTreeMap<u64, (serde_json::Value, Vec<String>)> = BTreeMap::new();
    for line in log.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()) {
        let Some(span) =
            line["spans"].as_array().and_then(|s| s.iter().find(|s| s["name"] == "batch"))
        else {
            continue;
        };
        let entry = batches.entry(span["id"].as_u64().unwrap()).or_insert((span.clone(), vec![]));
        entry.0 = span.clone();
        entry.1.push(line["fields"]["message"].as_str().unwrap_or_default().to_owned());
    }
    assert!(batches.len() >= 2, "several batches: {batches:?}");
    let mut records = 0;
    for (id, (span, messages)) in &batches {
        for step in ["consumed and decoded; sealed", "aggregated", "written", "offsets stored"] {
            assert!(messages.iter().any(|m| m == step), "batch {id}: `{step}` in {messages:?}");
        }
        let offsets = span["offsets"].as_str().unwrap();
        assert!(
            offsets.split(',').all(|p| p.split_once(':').is_some_and(|(_, r)| r.contains('-'))),
            "batch {id}: offsets `{offsets}`"
        );
        records += span["records"].as_u64().unwrap();
    }
    let written =
        ch.count("SELECT count() FROM gnss.frames") + ch.count("SELECT count() FROM gnss.rejected");
    assert_eq!(records, written, "every record of the topic in one batch");
}

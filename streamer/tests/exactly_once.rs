//! Each record exactly once in every table, across SIGKILL at any moment, a batch cut short
//! between its tables, and ClickHouse going away mid-stream.

mod common;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use common::aggregates::assert_aggregates_match_raw;
use common::expected::{Expected, QUERIES, assert_rows_close, assert_rows_eq, parse, sorted};
use common::{
    ClickHouse, RAW_TABLES, REAL, Run, Streamer, aggregate_targets, cluster, fingerprint, fixture,
    merged_rows, raw_fingerprint, replay, simulate, wait_for_frames, wait_until,
};

const TOPIC: &str = "frames";
/// Simulated logs per second: every raw table and aggregate gets rows; the mock broker keeps it.
const RATES: &str = "bestpos=10,bestvel=10,range=1,inspvas=10,rxstatus=1,time=1";
const RATE_SUM: u64 = 10 + 10 + 1 + 10 + 1 + 1;
/// Small batches: many of them, so that interruptions land between and inside them.
const SMALL_BATCHES: [&str; 4] = ["--batch-max-frames", "400", "--batch-max-age", "100ms"];

/// Produces `receivers` simulated receivers for `seconds` and the real recordings; returns the
/// records' frames count and what the real recordings decode to.
fn produce(bootstrap: &str, receivers: u32, seconds: u64) -> (u64, Expected) {
    simulate(bootstrap, TOPIC, receivers, &format!("{seconds}s"), RATES);
    let files: Vec<PathBuf> = REAL.iter().map(|f| fixture(f)).collect();
    replay(bootstrap, TOPIC, &files);
    let mut expected = Expected::default();
    for file in &files {
        expected.add(file);
    }
    (expected.total_frames() + u64::from(receivers) * seconds * RATE_SUM, expected)
}

fn frames_in(ch: &ClickHouse, database: &str) -> u64 {
    ch.try_query(&format!("SELECT count() FROM {database}.frames"))
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Highest offset per partition of `table`.
fn marks(ch: &ClickHouse, database: &str, table: &str, merged: bool) -> Vec<(u32, u64)> {
    let offset = if merged { "maxMerge(kafka_offset)" } else { "max(kafka_offset)" };
    let sql = format!(
        "SELECT kafka_partition, {offset} FROM {database}.{table} GROUP BY kafka_partition"
    );
    ch.rows(&sql).into_iter().map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap())).collect()
}

/// Whether some table holds rows past what `frames` holds: a batch was cut short.
fn batch_cut_short(ch: &ClickHouse, database: &str) -> bool {
    let frames = marks(ch, database, "frames", false);
    let held = |p: u32| frames.iter().find(|(q, _)| *q == p).map(|(_, o)| *o);
    let tables = RAW_TABLES.iter().map(|t| (t.to_string(), false));
    tables
        .chain(aggregate_targets().into_iter().map(|t| (t, true)))
        .flat_map(|(table, merged)| marks(ch, database, &table, merged))
        .any(|(p, offset)| held(p).is_none_or(|f| offset > f))
}

/// Every raw table holds the same rows in both databases, and every aggregate merges the same.
fn assert_same_content(ch: &ClickHouse, a: &str, b: &str) {
    assert_eq!(raw_fingerprint(ch, a), raw_fingerprint(ch, b));
    for target in aggregate_targets() {
        let rows = merged_rows(ch, a, &target);
        assert!(!rows.is_empty(), "{target} has rows");
        assert_rows_close(&rows, &merged_rows(ch, b, &target), &target);
    }
}

#[test]
fn killed_with_sigkill_again_and_again_every_table_ends_exact() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    let (total, _) = produce(&bootstrap, 3, 200);

    // Two deployments on one broker, each its own group and database: "steady" is never
    // interrupted, "crashing" is killed five times while it writes.
    let run = |name: &'static str| Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: name,
        clickhouse: &ch,
        database: name,
        args: &SMALL_BATCHES,
    };
    let mut steady = Streamer::start(&run("steady"));
    let mut seed =
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    eprintln!("kill timing seed {seed}");
    let mut cut_short = 0;
    for _ in 0..5 {
        let mut crashing = Streamer::start(&run("crashing"));
        let before = frames_in(&ch, "crashing");
        let started = std::time::Instant::now();
        wait_until(Duration::from_secs(60), "the crashing streamer to write", || {
            assert!(crashing.is_running(), "{}", crashing.log());
            frames_in(&ch, "crashing") > before
        });
        eprintln!("wrote after {:?}", started.elapsed());
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis((seed >> 33) % 300));
        crashing.kill9();
        cut_short += usize::from(batch_cut_short(&ch, "crashing"));
    }
    eprintln!("{cut_short} of 5 kills left a batch written in part");
    assert!(frames_in(&ch, "crashing") < total, "the kills came before the end");

    let mut crashing = Streamer::start(&run("crashing"));
    wait_for_frames(&ch, "crashing", total, &mut crashing, Duration::from_secs(120));
    wait_for_frames(&ch, "steady", total, &mut steady, Duration::from_secs(120));
    for streamer in [crashing, steady] {
        let (status, log) = streamer.stop();
        assert!(status.success(), "{log}");
    }
    assert_eq!(
        ch.count("SELECT uniqExact(kafka_partition, kafka_offset) FROM crashing.frames"),
        total
    );
    assert_same_content(&ch, "crashing", "steady");
    assert_aggregates_match_raw(&ch, "crashing");
}

#[test]
fn a_batch_cut_short_before_frames_is_finished_without_duplicates() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    let (total, _) = produce(&bootstrap, 2, 100);
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "prod",
        clickhouse: &ch,
        database: "gnss",
        args: &SMALL_BATCHES,
    };
    let mut streamer = Streamer::start(&run);
    wait_for_frames(&ch, "gnss", total, &mut streamer, Duration::from_secs(120));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    ch.query("CREATE DATABASE whole");
    for table in RAW_TABLES.iter().map(|t| t.to_string()).chain(aggregate_targets()) {
        ch.query(&format!("CREATE TABLE whole.{table} AS gnss.{table}"));
        ch.query(&format!("INSERT INTO whole.{table} SELECT * FROM gnss.{table}"));
    }

    // As if the streamer died while writing its last batch of each partition, the last 500
    // records: the aggregates, `rejected`, `positions` and `velocities` written, the tables after
    // them not.
    let cut: Vec<(u32, u64)> = marks(&ch, "gnss", "frames", false)
        .into_iter()
        .filter(|(_, o)| *o > 500)
        .map(|(p, o)| (p, o - 500))
        .collect();
    assert!(!cut.is_empty());
    let condition = cut
        .iter()
        .map(|(p, o)| format!("(kafka_partition = {p} AND kafka_offset > {o})"))
        .collect::<Vec<_>>();
    for table in ["observations", "ins", "receiver_status", "hardware", "clock", "frames"] {
        ch.query(&format!("ALTER TABLE gnss.{table} DELETE WHERE {}", condition.join(" OR ")));
    }
    wait_until(Duration::from_secs(30), "the deletions", || {
        ch.count("SELECT count() FROM system.mutations WHERE database = 'gnss' AND is_done = 0")
            == 0
    });
    assert!(frames_in(&ch, "gnss") < total);
    assert!(batch_cut_short(&ch, "gnss"));

    let mut streamer = Streamer::start(&run);
    wait_for_frames(&ch, "gnss", total, &mut streamer, Duration::from_secs(120));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    for (p, o) in &cut {
        assert!(
            log.contains(&format!("{p}@Offset({})", o + 1)),
            "partition {p} resumes after {o}:\n{log}"
        );
    }
    assert_same_content(&ch, "gnss", "whole");
}

#[test]
fn clickhouse_down_mid_stream_pauses_then_resumes_with_nothing_lost() {
    let mut ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    let (total, expected) = produce(&bootstrap, 3, 200);
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "prod",
        clickhouse: &ch,
        database: "gnss",
        args: &SMALL_BATCHES,
    };
    let mut streamer = Streamer::start(&run);
    wait_until(Duration::from_secs(60), "the first rows", || frames_in(&ch, "gnss") > 2000);

    ch.kill();
    std::thread::sleep(Duration::from_secs(3));
    assert!(streamer.is_running(), "the streamer waits for ClickHouse:\n{}", streamer.log());
    ch.run();
    wait_for_frames(&ch, "gnss", total, &mut streamer, Duration::from_secs(120));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    assert!(log.contains("cannot write the batch to ClickHouse; consumption paused"), "{log}");
    assert!(log.contains("consumption resumed"), "{log}");

    for table in ["frames", "positions", "velocities", "ins"] {
        let sql =
            format!("SELECT count() - uniqExact(kafka_partition, kafka_offset) FROM gnss.{table}");
        assert_eq!(ch.count(&sql), 0, "{table} holds each record once");
    }
    assert_eq!(frames_in(&ch, "gnss"), total);
    for (table, columns, types) in QUERIES {
        let sql = format!("SELECT {columns} FROM gnss.{table} WHERE receiver NOT LIKE 'sim-%'");
        let actual = sorted(parse(ch.rows(&sql), types));
        assert_rows_eq(&actual, &sorted(expected.tables[table].clone()), table);
    }
    assert_aggregates_match_raw(&ch, "gnss");
}

/// A reader killed halfway through each recording and started again from its beginning, and a
/// simulated receiver stopped after 15 s and run again from the same start: the same frames are
/// produced again under new offsets. Each frame with a GPS time still lands once in every table,
/// as in a run where it was produced once; console replies (no GPS time) and the reader's reports
/// of rejected bytes (timed when read) count again.
#[test]
fn frames_produced_again_are_written_once() {
    let ch = ClickHouse::start();
    let kafka = cluster("again", 3);
    kafka.create_topic("once", 3, 1).unwrap();
    let bootstrap = kafka.bootstrap_servers();
    let files: Vec<PathBuf> = REAL.iter().map(|f| fixture(f)).collect();
    let halves = std::env::temp_dir().join(format!("gnss-halves-{}", std::process::id()));
    std::fs::create_dir_all(&halves).unwrap();
    let mut untimed_in_halves = 0;
    let cut: Vec<PathBuf> = files
        .iter()
        .map(|file| {
            let bytes = std::fs::read(file).unwrap();
            let half = &bytes[..bytes.len() / 2];
            untimed_in_halves += untimed_frames(half);
            let path = halves.join(file.file_name().unwrap());
            std::fs::write(&path, half).unwrap();
            path
        })
        .collect();
    replay(&bootstrap, "again", &cut);
    simulate(&bootstrap, "again", 2, "15s", RATES);
    replay(&bootstrap, "again", &files);
    simulate(&bootstrap, "again", 2, "30s", RATES);
    std::fs::remove_dir_all(&halves).unwrap();
    replay(&bootstrap, "once", &files);
    simulate(&bootstrap, "once", 2, "30s", RATES);
    let mut expected = Expected::default();
    for file in &files {
        expected.add(file);
    }
    let once = expected.total_frames() + 2 * 30 * RATE_SUM;

    for (topic, total) in [("again", once + untimed_in_halves), ("once", once)] {
        let run = Run {
            bootstrap: &bootstrap,
            topic,
            group: topic,
            clickhouse: &ch,
            database: topic,
            args: &SMALL_BATCHES,
        };
        let mut streamer = Streamer::start(&run);
        wait_for_frames(&ch, topic, total, &mut streamer, Duration::from_secs(120));
        let (status, log) = streamer.stop();
        assert!(status.success(), "{log}");
    }
    let decoded: Vec<&str> =
        RAW_TABLES.iter().copied().filter(|t| !["rejected", "frames"].contains(t)).collect();
    let content = |database| {
        fingerprint(&ch, database, &decoded, &["ingest_ms", "kafka_partition", "kafka_offset"])
    };
    assert_eq!(content("again"), content("once"));
    let timed_frames = |database| {
        ch.query(&format!(
            "SELECT count(), sum(cityHash64(receiver, time_ms, log, format, frame_crc, \
             source_offset, decoded, error)) FROM {database}.frames WHERE gps_week > 0"
        ))
    };
    assert_eq!(timed_frames("again"), timed_frames("once"));
    assert_aggregates_match_raw(&ch, "again");
    assert!(
        ch.count("SELECT sum(bytes) FROM again.rejected")
            > ch.count("SELECT sum(bytes) FROM once.rejected"),
        "rejected bytes are reported each time they are read"
    );
}

/// Frames of `bytes` without a GPS time (console replies).
fn untimed_frames(bytes: &[u8]) -> u64 {
    let frames = novatel_reader::novatel::frames(bytes).filter_map(|event| match event {
        novatel_reader::novatel::Event::Frame(frame) => Some(frame),
        _ => None,
    });
    let untimed = frames.filter(|frame| {
        novatel_reader::novatel::decode(frame).map_or(true, |m| m.header.week.unwrap_or(0) == 0)
    });
    untimed.count() as u64
}

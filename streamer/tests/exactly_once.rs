//! Each record exactly once in every table, across SIGKILL at any moment, a batch cut short
//! between its tables, and ClickHouse going away mid-stream.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::aggregates::assert_aggregates_match_raw;
use common::exactness::{
    RATE_SUM, RATES, SMALL_BATCHES, arrivals, assert_same_content, frames_in, produce,
};
use common::expected::{Expected, QUERIES, assert_rows_eq, parse, sorted};
use common::reliability::{self, Figures};
use common::{
    ClickHouse, REAL, Run, Streamer, aggregate_targets, cluster, fingerprint, fixture, raw_tables,
    replay, wait_for_frames, wait_until,
};

const TOPIC: &str = "frames";

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
    let tables = raw_tables().into_iter().map(|t| (t.to_string(), false));
    tables
        .chain(aggregate_targets().into_iter().map(|t| (t, true)))
        .flat_map(|(table, merged)| marks(ch, database, &table, merged))
        .any(|(p, offset)| held(p).is_none_or(|f| offset > f))
}

/// Case 1 of `docs/reliability.md`: each round (one in the test suite, more at a larger
/// reliability scale) produces a day of new frames and kills the streamer five times while it
/// writes them.
#[test]
fn killed_with_sigkill_again_and_again_every_table_ends_exact() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();

    // Two deployments on one broker, each its own group and database: "steady" is never
    // interrupted, "crashing" is killed again and again while it writes.
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
    let (rounds, kills) = (reliability::scale(), 5);
    let (mut total, mut cut_short, mut slowest_restart) = (0, 0, Duration::ZERO);
    for day in 0..rounds {
        // The mock broker keeps about 5 MiB per partition: a round's frames fit, and each round
        // ends with both deployments caught up.
        total += produce(&bootstrap, TOPIC, 3, 200, day).0;
        for _ in 0..kills {
            let mut crashing = Streamer::start(&run("crashing"));
            let before = frames_in(&ch, "crashing");
            let started = Instant::now();
            wait_until(Duration::from_secs(60), "the crashing streamer to write", || {
                assert!(crashing.is_running(), "{}", crashing.log());
                frames_in(&ch, "crashing") > before
            });
            slowest_restart = slowest_restart.max(started.elapsed());
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            std::thread::sleep(Duration::from_millis((seed >> 33) % 300));
            crashing.kill9();
            cut_short += usize::from(batch_cut_short(&ch, "crashing"));
        }
        assert!(frames_in(&ch, "crashing") < total, "the kills came before the end");
        let mut crashing = Streamer::start(&run("crashing"));
        wait_for_frames(&ch, "crashing", total, &mut crashing, Duration::from_secs(120));
        wait_for_frames(&ch, "steady", total, &mut steady, Duration::from_secs(120));
        let (status, log) = crashing.stop();
        assert!(status.success(), "{log}");
    }
    eprintln!("{cut_short} of {} kills left a batch written in part", rounds * kills);
    let (status, log) = steady.stop();
    assert!(status.success(), "{log}");

    let (arrived, duplicated) = arrivals(&ch, "crashing");
    reliability::report(&Figures {
        case: 1,
        load: format!("{rounds} x (3 simulated receivers x 200 s + 6 real recordings once)"),
        fault: &format!("{} x SIGKILL of the streamer mid-write, restarted", rounds * kills),
        frames_in: total,
        counted_in: "every table equal to an uninterrupted deployment's",
        arrived,
        duplicated,
        recovery: Some(slowest_restart),
    });
    assert_eq!((arrived, duplicated), (total, 0));
    assert_same_content((&ch, "crashing"), (&ch, "steady"));
    assert_aggregates_match_raw(&ch, "crashing");
}

#[test]
fn a_batch_cut_short_before_frames_is_finished_without_duplicates() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    let (total, _) = produce(&bootstrap, TOPIC, 2, 100, 0);
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
    for table in raw_tables().into_iter().map(str::to_string).chain(aggregate_targets()) {
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
    let after_velocities =
        raw_tables().into_iter().skip_while(|t| *t != "velocities").skip(1).collect::<Vec<_>>();
    assert_eq!(after_velocities.last(), Some(&"frames"));
    for table in after_velocities {
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
    assert_same_content((&ch, "gnss"), (&ch, "whole"));
}

/// Case 4 of `docs/reliability.md`: ClickHouse is down for 10 s in each round, while the
/// streamer has a day of frames to write.
#[test]
fn clickhouse_down_mid_stream_pauses_then_resumes_with_nothing_lost() {
    let mut ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "prod",
        clickhouse: &ch,
        database: "gnss",
        args: &SMALL_BATCHES,
    };
    let mut streamer = Streamer::start(&run);
    let rounds = reliability::scale();
    let (mut total, mut expected, mut slowest_resume) = (0, None, Duration::ZERO);
    for day in 0..rounds {
        let (frames, real) = produce(&bootstrap, TOPIC, 3, 200, day);
        expected.get_or_insert(real);
        let first_rows = frames_in(&ch, "gnss") + 2000;
        total += frames;
        wait_until(Duration::from_secs(60), "the first rows", || {
            frames_in(&ch, "gnss") > first_rows
        });
        ch.kill();
        std::thread::sleep(Duration::from_secs(10));
        assert!(streamer.is_running(), "the streamer waits for ClickHouse:\n{}", streamer.log());
        ch.run();
        let (back, held) = (Instant::now(), frames_in(&ch, "gnss"));
        assert!(held < total, "ClickHouse went down before the end");
        wait_until(Duration::from_secs(60), "writes to resume", || frames_in(&ch, "gnss") > held);
        slowest_resume = slowest_resume.max(back.elapsed());
        wait_for_frames(&ch, "gnss", total, &mut streamer, Duration::from_secs(120));
    }
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    assert!(log.contains("cannot write the batch to ClickHouse; consumption paused"), "{log}");
    assert!(log.contains("consumption resumed"), "{log}");

    let (arrived, duplicated) = arrivals(&ch, "gnss");
    reliability::report(&Figures {
        case: 4,
        load: format!("{rounds} x (3 simulated receivers x 200 s) + 6 real recordings"),
        fault: &format!("ClickHouse killed for 10 s mid-stream, {rounds} x"),
        frames_in: total,
        counted_in: "frames; each table once per record",
        arrived,
        duplicated,
        recovery: Some(slowest_resume),
    });
    for table in ["frames", "positions", "velocities", "ins", "gps_ephemerides"] {
        let sql =
            format!("SELECT count() - uniqExact(kafka_partition, kafka_offset) FROM gnss.{table}");
        assert_eq!(ch.count(&sql), 0, "{table} holds each record once");
    }
    assert_eq!((arrived, duplicated), (total, 0));
    let expected = expected.unwrap();
    for (table, columns, types) in QUERIES {
        let sql = format!("SELECT {columns} FROM gnss.{table} WHERE receiver NOT LIKE 'sim-%'");
        let actual = sorted(parse(ch.rows(&sql), types));
        assert_rows_eq(&actual, &sorted(expected.tables[table].clone()), table);
    }
    assert_aggregates_match_raw(&ch, "gnss");
}

/// Case 2 of `docs/reliability.md`: the same frames produced again under new offsets, as when a
/// reader is restarted from the start of its recording. The reader binary replaying a simulated
/// receiver's recording is killed with SIGKILL at random moments while the streamer writes, and
/// restarted each time; a reader cut off halfway through each real recording runs again over all
/// of it. Each frame with a GPS time lands once in every table, as in a run where it was produced
/// once; console replies (no GPS time) and the reader's reports of rejected bytes (timed when
/// read) count again.
#[test]
fn frames_produced_again_are_written_once() {
    let ch = ClickHouse::start();
    let kafka = cluster("again", 3);
    kafka.create_topic("once", 3, 1).unwrap();
    let bootstrap = kafka.bootstrap_servers();
    let dir = std::env::temp_dir().join(format!("gnss-again-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seconds = 150;
    let recording = dir.join("rover.gps");
    common::reader(&[
        "novatel-reader",
        "simulate",
        "--simulate-output",
        &format!("file:{}", recording.display()),
        "--simulate-duration",
        &format!("{seconds}s"),
        "--simulate-rate",
        RATES,
        "--metrics-listen",
        "off",
    ]);
    assert_eq!(untimed_frames(&std::fs::read(&recording).unwrap()), 0);

    let files: Vec<PathBuf> = REAL.iter().map(|f| fixture(f)).collect();
    let mut untimed_in_halves = 0;
    let cut: Vec<PathBuf> = files
        .iter()
        .map(|file| {
            let bytes = std::fs::read(file).unwrap();
            let half = &bytes[..bytes.len() / 2];
            untimed_in_halves += untimed_frames(half);
            let path = dir.join(file.file_name().unwrap());
            std::fs::write(&path, half).unwrap();
            path
        })
        .collect();
    replay(&bootstrap, "again", &cut);
    replay(&bootstrap, "again", &files);
    replay(&bootstrap, "once", &files);
    replay(&bootstrap, "once", std::slice::from_ref(&recording));
    let mut expected = Expected::default();
    for file in &files {
        expected.add(file);
    }
    let once = expected.total_frames() + seconds * RATE_SUM;

    let run = |topic| Run {
        bootstrap: &bootstrap,
        topic,
        group: topic,
        clickhouse: &ch,
        database: topic,
        args: &SMALL_BATCHES,
    };
    let mut again = Streamer::start(&run("again"));
    // Paced at 50 times real time, a replay of the recording takes 3 s: each kill lands in it.
    let replay_paced = || {
        let mut command = Command::new(reader_binary());
        command
            .args(["replay", recording.to_str().unwrap(), "--replay-speed", "50"])
            .args(["--kafka-brokers", &bootstrap, "--kafka-topic", "again"])
            .args(["--metrics-listen", "off", "--progress", "none"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    };
    let kills = 2 * reliability::scale();
    let mut seed =
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    eprintln!("kill timing seed {seed}");
    for _ in 0..kills {
        let mut reader = replay_paced().spawn().unwrap();
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(300 + (seed >> 33) % 2400));
        assert!(reader.try_wait().unwrap().is_none(), "the reader was killed mid-replay");
        reader.kill().unwrap();
        reader.wait().unwrap();
    }
    assert!(replay_paced().status().unwrap().success());
    wait_for_frames(&ch, "again", once + untimed_in_halves, &mut again, Duration::from_secs(120));
    let (status, log) = again.stop();
    assert!(status.success(), "{log}");
    let mut streamer = Streamer::start(&run("once"));
    wait_for_frames(&ch, "once", once, &mut streamer, Duration::from_secs(120));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    std::fs::remove_dir_all(&dir).unwrap();

    let timed = |database| {
        ch.count(&format!(
            "SELECT uniqExact(receiver, time_ms, log, frame_crc, source_offset) \
             FROM {database}.frames WHERE gps_week > 0"
        ))
    };
    let timed_rows = ch.count("SELECT count() FROM again.frames WHERE gps_week > 0");
    reliability::report(&Figures {
        case: 2,
        load: format!("1 simulated receiver x {seconds} s + 6 real recordings"),
        fault: &format!(
            "reader SIGKILLed {kills} x mid-replay and restarted from the start; cut halfway \
             through each real recording and replayed whole"
        ),
        frames_in: timed("once"),
        counted_in: "frames with a GPS time; every table equal to a single replay's",
        arrived: timed("again"),
        duplicated: timed_rows - timed("again"),
        recovery: None,
    });
    let decoded: Vec<&str> =
        raw_tables().into_iter().filter(|t| !["rejected", "frames"].contains(t)).collect();
    let content = |database| {
        let skipped = ["ingest_ms", "ingested", "kafka_partition", "kafka_offset"];
        fingerprint(&ch, database, &decoded, &skipped)
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

/// The reader's binary, built with the workspace (`cargo nextest run --workspace`).
fn reader_binary() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_BIN_EXE_gnss-streamer")).with_file_name("novatel-reader");
    assert!(path.exists(), "{} missing: cargo build -p novatel-reader", path.display());
    path
}

/// Frames of `bytes` without a GPS time (console replies).
fn untimed_frames(bytes: &[u8]) -> u64 {
    let frames = novatel::frames(bytes).filter_map(|event| match event {
        novatel::Event::Frame(frame) => Some(frame),
        _ => None,
    });
    let untimed = frames
        .filter(|frame| novatel::decode(frame).map_or(true, |m| m.header.week.unwrap_or(0) == 0));
    untimed.count() as u64
}

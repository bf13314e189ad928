//! Consumer groups and where they start: streamers of one group share the partitions and take
//! over a killed member's; a new group starts at the beginning, the end, or a time; metrics report
//! what was written; a stop with the brokers gone still writes what it holds.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::exactness::{RATE_SUM, RATES, SMALL_BATCHES, assert_same_content};
use common::reliability::{self, Figures};
use common::{
    ClickHouse, Run, Streamer, cluster, fixture, raw_fingerprint, reader, replay, replay_real,
    scrape, simulate, simulate_day, wait_for_frames, wait_until,
};

const TOPIC: &str = "frames";

/// A streamer of `group` writing the database of the same name.
fn in_group<'a>(
    bootstrap: &'a str,
    ch: &'a ClickHouse,
    group: &'a str,
    args: &'a [&'a str],
) -> Run<'a> {
    Run { bootstrap, topic: TOPIC, group, clickhouse: ch, database: group, args }
}

/// Case 5 of `docs/reliability.md`: two streamers of the prod group share the partitions; one is
/// killed mid-stream and the other takes its partitions over from what ClickHouse holds, while a
/// testing deployment (its own group and database, same broker) reads everything too. Each round
/// (one in the test suite) brings a day of new frames and a new member to kill.
#[test]
fn a_killed_member_s_partitions_are_taken_over_and_both_deployments_complete() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 4);
    let bootstrap = kafka.bootstrap_servers();
    let run = |group| in_group(&bootstrap, &ch, group, &SMALL_BATCHES);
    let assignments = |s: &Streamer| s.log().matches("partitions assigned").count();
    let mut testing = Streamer::start(&run("testing"));
    let mut survivor = Streamer::start(&run("prod"));
    let rounds = reliability::scale();
    let (mut total, mut slowest_takeover) = (0, Duration::ZERO);
    for day in 0..rounds {
        let before = assignments(&survivor);
        let victim = Streamer::start(&run("prod"));
        wait_until(Duration::from_secs(60), "the partitions to be shared", || {
            assignments(&victim) > 0 && assignments(&survivor) > before
        });
        simulate_day(&bootstrap, TOPIC, 4, "100s", RATES, day);
        let held = ch.count("SELECT count() FROM prod.frames");
        total += 4 * 100 * RATE_SUM;
        wait_until(Duration::from_secs(60), "the day's first rows", || {
            ch.count("SELECT count() FROM prod.frames") > held
        });
        let before = assignments(&survivor);
        victim.kill9();
        let killed = Instant::now();
        assert!(ch.count("SELECT count() FROM prod.frames") < total, "killed before the end");
        wait_until(Duration::from_secs(60), "the survivor to take the partitions over", || {
            assignments(&survivor) > before
        });
        slowest_takeover = slowest_takeover.max(killed.elapsed());
        wait_for_frames(&ch, "prod", total, &mut survivor, Duration::from_secs(120));
        wait_for_frames(&ch, "testing", total, &mut testing, Duration::from_secs(120));
    }
    for streamer in [survivor, testing] {
        let (status, log) = streamer.stop();
        assert!(status.success(), "{log}");
    }

    let distinct = ch.count("SELECT uniqExact(kafka_partition, kafka_offset) FROM prod.frames");
    reliability::report(&Figures {
        case: 5,
        load: format!("{rounds} x (4 simulated receivers x 100 s), 4 partitions"),
        fault: &format!(
            "{rounds} x SIGKILL of one of two prod streamers; a testing group alongside"
        ),
        frames_in: total,
        counted_in: "prod; testing's tables equal",
        arrived: distinct,
        duplicated: ch.count("SELECT count() FROM prod.frames") - distinct,
        recovery: Some(slowest_takeover),
    });
    for table in ["frames", "positions"] {
        let sql =
            format!("SELECT count() - uniqExact(kafka_partition, kafka_offset) FROM prod.{table}");
        assert_eq!(ch.count(&sql), 0, "{table} holds each record once");
    }
    assert_eq!(distinct, total);
    assert_eq!(ch.count("SELECT count() FROM prod.positions"), rounds * 4 * 100 * 10);
    assert_eq!(raw_fingerprint(&ch, "prod"), raw_fingerprint(&ch, "testing"));
}

/// Aggregates measure positions from each receiver's reference point, which the streamer that
/// first sees the receiver records. Two prod streamers share the partitions and record the points
/// of their receivers; one is killed mid-stream and the other, which started before those points
/// were recorded, takes its receivers over from where their vehicles have since driven to: every
/// aggregate merges to the same rows as a deployment that never rebalanced.
#[test]
fn partitions_taken_over_mid_stream_keep_their_receivers_reference_points() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 4);
    let bootstrap = kafka.bootstrap_servers();
    let run = |group| in_group(&bootstrap, &ch, group, &["--batch-max-age", "100ms"]);
    let assignments = |s: &Streamer| s.log().matches("partitions assigned").count();
    let mut steady = Streamer::start(&run("steady"));
    let first = Streamer::start(&run("prod"));
    wait_until(Duration::from_secs(60), "the first prod streamer's partitions", || {
        assignments(&first) > 0
    });
    let second = Streamer::start(&run("prod"));
    wait_until(Duration::from_secs(60), "the partitions to be shared", || {
        assignments(&second) > 0 && assignments(&first) > 1
    });

    // 4 receivers for 40 s at 4 times real time: still coming in when the victim is killed.
    let (receivers, seconds) = (4, 40);
    let producer = {
        let bootstrap = bootstrap.clone();
        std::thread::spawn(move || {
            reader(&[
                "novatel-reader",
                "simulate",
                "--simulate-receivers",
                &receivers.to_string(),
                "--simulate-duration",
                &format!("{seconds}s"),
                "--simulate-rate",
                RATES,
                "--simulate-speed",
                "4",
                "--simulate-start",
                "2024-06-01T12:00:00Z",
                "--kafka-brokers",
                &bootstrap,
                "--kafka-topic",
                TOPIC,
                "--metrics-listen",
                "off",
            ])
        })
    };
    // A receiver's first batch records its point and then its frames: the next owner of its
    // partition resumes after that point.
    wait_until(Duration::from_secs(30), "every receiver's first frames", || {
        ch.count("SELECT uniqExact(receiver) FROM prod.frames") == receivers
    });
    let recorded = |s: &Streamer| s.log().contains("reference points recorded");
    let (victim, mut survivor) = if recorded(&second) { (second, first) } else { (first, second) };
    assert!(recorded(&victim), "{}", victim.log());
    let before = assignments(&survivor);
    victim.kill9();
    assert!(!producer.is_finished(), "killed mid-stream");
    wait_until(Duration::from_secs(60), "the survivor to take the partitions over", || {
        assignments(&survivor) > before
    });
    producer.join().unwrap();
    // Rejected bytes and more, for every aggregate to have rows.
    let real = replay_real(&bootstrap, TOPIC).total_frames();
    let total = receivers * seconds * RATE_SUM + real;
    wait_for_frames(&ch, "prod", total, &mut survivor, Duration::from_secs(60));
    wait_for_frames(&ch, "steady", total, &mut steady, Duration::from_secs(60));
    for streamer in [survivor, steady] {
        let (status, log) = streamer.stop();
        assert!(status.success(), "{log}");
    }
    assert_same_content((&ch, "prod"), (&ch, "steady"));
}

#[test]
fn a_new_group_starts_at_the_beginning_the_end_or_a_time() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 2);
    let bootstrap = kafka.bootstrap_servers();
    // One receiver from 12:00:00 for 150 s: frames' timestamps are their GPS times.
    simulate(&bootstrap, TOPIC, 1, "150s", RATES);

    let start = |group: &'static str, database: &'static str, args: &'static [&'static str]| {
        Streamer::start(&Run {
            bootstrap: &bootstrap,
            topic: TOPIC,
            group,
            clickhouse: &ch,
            database,
            args,
        })
    };
    let mut earliest = start("earliest", "earliest", &["--kafka-start", "earliest"]);
    let mut from_time = start("from-time", "from_time", &["--kafka-start", "2024-06-01T12:01:00Z"]);
    let mut latest =
        start("latest", "latest", &["--kafka-start", "latest", "--batch-max-age", "100ms"]);
    wait_until(Duration::from_secs(60), "the latest group to be assigned", || {
        latest.log().contains("partitions assigned")
    });
    // The end offsets are looked up just after the assignment.
    std::thread::sleep(Duration::from_secs(2));

    // Produced after the groups started: only these reach the `latest` database.
    replay(&bootstrap, TOPIC, &[fixture("real/bestpos.gps")]);
    wait_for_frames(&ch, "earliest", 150 * RATE_SUM + 26, &mut earliest, Duration::from_secs(120));
    // The last 90 s of the simulation, and the recording.
    wait_for_frames(&ch, "from_time", 90 * RATE_SUM + 26, &mut from_time, Duration::from_secs(120));
    wait_for_frames(&ch, "latest", 26, &mut latest, Duration::from_secs(60));
    for streamer in [earliest, from_time, latest] {
        let (status, log) = streamer.stop();
        assert!(status.success(), "{log}");
    }
    let first_simulated = "SELECT min(time_ms) FROM {db}.frames WHERE receiver = 'sim-1'";
    assert_eq!(ch.count(&first_simulated.replace("{db}", "from_time")), 1_717_243_260_000);
    assert_eq!(ch.count("SELECT uniqExact(receiver) FROM latest.frames"), 1);
    assert_eq!(ch.query("SELECT any(receiver) FROM latest.frames").trim(), "bestpos.gps");
}

#[test]
fn a_stopped_deployment_restarts_where_clickhouse_says_and_reprocesses_into_a_fresh_database() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    let files: Vec<PathBuf> =
        ["real/test2_rcvr1.dat", "real/bestpos.gps"].iter().map(|f| fixture(f)).collect();
    replay(&bootstrap, TOPIC, &files);
    let first = 897 + 26;

    let listen = format!(
        "127.0.0.1:{}",
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    );
    let args = ["--metrics-listen", listen.as_str(), "--batch-max-age", "100ms"];
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "prod",
        clickhouse: &ch,
        database: "gnss",
        args: &args,
    };
    let mut streamer = Streamer::start(&run);
    wait_for_frames(&ch, "gnss", first, &mut streamer, Duration::from_secs(60));
    // Metrics a Prometheus server scrapes: rows per table, batches, lag.
    let frames_metric = format!("streamer_rows_inserted_total{{table=\"frames\"}} {first}");
    wait_until(Duration::from_secs(10), &frames_metric, || {
        scrape(&listen).contains(&frames_metric)
    });
    let metrics = scrape(&listen);
    assert!(metrics.contains("streamer_records_total{kind=\"rejected\"}"), "{metrics}");
    assert!(metrics.contains("streamer_batch_frames_bucket"), "{metrics}");
    assert!(metrics.contains("streamer_insert_seconds_bucket{table=\"observations\""), "{metrics}");
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");

    // More data while it is stopped; the restarted streamer takes up after what ClickHouse holds.
    replay(&bootstrap, TOPIC, &[fixture("real/OneEach.GPS")]);
    let second = first + 17;
    let mut streamer = Streamer::start(&run);
    wait_for_frames(&ch, "gnss", second, &mut streamer, Duration::from_secs(60));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    assert_eq!(
        ch.count("SELECT count() - uniqExact(kafka_partition, kafka_offset) FROM gnss.frames"),
        0
    );

    // The same group re-processes everything into a fresh database: ClickHouse holds nothing
    // there, so the group starts where --kafka-start says, whatever it committed.
    let fresh = Run { database: "fresh", ..run };
    let mut streamer = Streamer::start(&fresh);
    wait_for_frames(&ch, "fresh", second, &mut streamer, Duration::from_secs(60));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    assert_eq!(raw_fingerprint(&ch, "fresh"), raw_fingerprint(&ch, "gnss"));
}

#[test]
fn a_stop_with_every_broker_down_writes_the_batch_in_memory_and_exits() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    replay(&bootstrap, TOPIC, &[fixture("real/test2_rcvr1.dat")]);
    // A batch that waits a minute: the frames are in memory, not yet in ClickHouse, at the stop.
    let args = ["--batch-max-age", "60s"];
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "prod",
        clickhouse: &ch,
        database: "gnss",
        args: &args,
    };
    let streamer = Streamer::start(&run);
    wait_until(Duration::from_secs(60), "partitions assigned", || {
        streamer.log().contains("partitions assigned")
    });
    std::thread::sleep(Duration::from_secs(3));
    for broker in 1..=3 {
        kafka.broker_down(broker).unwrap();
    }
    let started = std::time::Instant::now();
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped in {:?}:\n{log}",
        started.elapsed()
    );
    assert_eq!(ch.count("SELECT count() FROM gnss.frames"), 897, "the batch in memory was written");
}

//! Consumer groups and where they start: streamers of one group share the partitions and hand
//! them over cleanly; a new group starts at the beginning, the end, or a time; metrics report
//! what was written; a stop with the brokers gone still writes what it holds.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::Duration;

use common::{
    ClickHouse, Run, Streamer, cluster, fixture, raw_fingerprint, replay, simulate,
    wait_for_frames, wait_until,
};

const TOPIC: &str = "frames";
const RATES: &str = "bestpos=10,bestvel=10,range=1,inspvas=10,rxstatus=1,time=1";
const RATE_SUM: u64 = 10 + 10 + 1 + 10 + 1 + 1;
const SMALL_BATCHES: [&str; 4] = ["--batch-max-frames", "400", "--batch-max-age", "100ms"];

#[test]
fn streamers_of_one_group_share_partitions_and_hand_them_over() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 4);
    let bootstrap = kafka.bootstrap_servers();
    simulate(&bootstrap, TOPIC, 4, "100s", RATES);
    let total = 4 * 100 * RATE_SUM;

    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "prod",
        clickhouse: &ch,
        database: "gnss",
        args: &SMALL_BATCHES,
    };
    let first = Streamer::start(&run);
    let mut second = Streamer::start(&run);
    // Both take part: each is assigned some of the four partitions.
    wait_until(Duration::from_secs(60), "both streamers to be assigned partitions", || {
        [&first, &second].iter().all(|s| s.log().contains("partitions assigned"))
    });
    wait_until(Duration::from_secs(60), "some rows", || {
        ch.try_query("SELECT count() FROM gnss.frames").is_ok_and(|n| n.trim() != "0")
    });
    // The first leaves mid-stream; the second takes over its partitions from what ClickHouse holds.
    let (status, first_log) = first.stop();
    assert!(status.success(), "{first_log}");
    wait_for_frames(&ch, "gnss", total, &mut second, Duration::from_secs(120));
    let (status, second_log) = second.stop();
    assert!(status.success(), "{second_log}");
    assert!(second_log.matches("partitions assigned").count() >= 2, "{second_log}");

    assert_eq!(
        ch.count("SELECT count() - uniqExact(kafka_partition, kafka_offset) FROM gnss.frames"),
        0
    );
    assert_eq!(
        ch.count("SELECT count() - uniqExact(kafka_partition, kafka_offset) FROM gnss.positions"),
        0
    );
    assert_eq!(ch.count("SELECT count() FROM gnss.positions"), 4 * 100 * 10);
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

fn scrape(listen: &str) -> String {
    let mut stream = TcpStream::connect(listen).unwrap();
    stream.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
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

//! Kafka failover while frames flow: three brokers, the topic replicated three times, partition
//! leaders moved again and again and a broker taken down and brought back, while the reader
//! produces and two streamers of one group write ClickHouse. Every table ends equal to a
//! fault-free run of the same input, and holds exactly the frames the reader reports delivered.
//!
//! What librdkafka's mock cluster (2.12, `rdkafka_mock.c`) can and cannot do, and how the test
//! works with it:
//! - A partition has one log in memory, whichever broker leads it: replication factor 3 only
//!   lists three replicas in the metadata. Nothing is replicated, so nothing can fall behind or be
//!   truncated; an unclean election is not modelled. The leader appends a produce request at once,
//!   whatever `acks` asks and whichever brokers are down (no ISR, no `min.insync.replicas`): a
//!   broker down never stalls the acknowledgements of the partitions the others lead.
//! - `broker_down` closes the broker's connections, refuses new ones and leaves it out of the
//!   metadata's brokers, but elects no new leader and moves no coordinator: the partitions it
//!   leads stay led by it and stall until the test, playing Kafka's controller, moves them
//!   (`partition_leader`, which also bumps the leader epoch; no election happens by itself).
//! - A leader-less partition cannot be staged: a produce request answered NOT_LEADER for a
//!   partition without a leader makes the mock dereference the missing leader (Produce v10's
//!   CurrentLeader tag) and crash the process.
//! - The mock checks producer sequence numbers only for transactional producers. The reader's
//!   producer is idempotent, not transactional, so a produce request the mock appended but whose
//!   response a `broker_down` dropped would be appended again on retry, where Kafka answers
//!   DUPLICATE_SEQUENCE_NUMBER. So the broker is never taken down while it leads a partition the
//!   reader writes: its leaders move first (a controlled shutdown), it goes down, and then the
//!   stall of a crashed leader is staged by giving two partitions to it while it is down (clients
//!   cannot reach the leader the metadata names; the frames wait in the reader's queue) until
//!   the "controller" elects surviving brokers 1.5 s later.
//! - The group's coordinator stays on broker 1, which never fails. Moving it away from the failed
//!   broker (as Kafka does when that broker led the group's `__consumer_offsets` partition) works
//!   in the mock, but in one of two runs that did it the members then missed their 6 s session
//!   and the group rebalanced, which is the group tests' subject (`groups.rs`; the rebalance
//!   showed that a streamer taking a receiver over recorded a reference point of its own, since
//!   fixed: the writer reads the points again at each assignment).
//!
//! No doubles on the producer side: the reader's producer sets `enable.idempotence=true`
//! (`reader/src/kafka/producer.rs`), which makes librdkafka use acks=all, at most 5 requests in
//! flight per partition, a producer id and a sequence number per partition on every batch, and
//! retries that keep them: a batch sent again after a NOT_LEADER / FENCED_LEADER_EPOCH answer or a
//! lost connection keeps its place in the partition (Kafka drops a batch whose sequence it
//! already has), and nothing is reordered. The leader moves here are always refused with
//! NOT_LEADER before anything is appended, so the mock's missing sequence check never matters.
//!
//! Same offsets in both runs: every partition has exactly one writer (`van-1` .. `van-5`, the
//! simulated receivers, hash to partitions 1 to 5 under librdkafka's default partitioner, CRC-32
//! of the key; the real recording's name to partition 0), and one writer's frames keep their order.
//! The inputs carry no wall-clock time (simulated receivers from a fixed start; a recording with
//! no console replies or rejected bytes), so the two runs' rows are equal column for column.

mod common;

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::aggregates::assert_aggregates_match_raw;
use common::exactness::{RATE_SUM, RATES, arrivals, frames_in};
use common::expected::{Expected, QUERIES, assert_rows_close, assert_rows_eq, parse, sorted};
use common::reliability::{self, Figures};
use common::{
    ClickHouse, Cluster, Run, Streamer, aggregate_targets, fixture, free_port, merged_rows,
    raw_fingerprint, scrape, wait_for_frames, wait_until,
};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::{MockCluster, MockCoordinator};

const TOPIC: &str = "frames";
const PARTITIONS: i32 = 6;
const GROUP: &str = "prod";
/// Five simulated receivers, `van-1` to `van-5` (partitions 1 to 5), for 240 s of GPS time: 16 s
/// at 15 times real time, long enough for every fault to land while they produce.
const RECEIVERS: u64 = 5;
const SECONDS: u64 = 240;
const SIMULATE_SPEED: &str = "15";
/// The real recording (partition 0): 514 s of GPS time, 16 s at 32 times real time. Every frame
/// has a GPS time and no byte is rejected, so nothing in it is timed by the clock.
const RECORDING: &str = "real/test2_rcvr1_decompressed.ASC";
const REPLAY_SPEED: &str = "32";
/// Batches of at most 100 ms: many of them, before, during and after each fault.
const BATCHES: [&str; 2] = ["--batch-max-age", "100ms"];
/// The broker that goes down; it leads partitions 1 and 4 at first.
const FAILING: i32 = 2;
/// How long partitions stay on the failed broker before the "controller" elects survivors.
const STALL: Duration = Duration::from_millis(1500);

/// Three brokers, the topic of six partitions replicated on all three.
fn replicated_cluster() -> Cluster {
    let cluster = MockCluster::new(3).expect("mock cluster");
    cluster.create_topic(TOPIC, PARTITIONS, 3).expect("topic");
    cluster
}

/// The layout leaders return to: partition p on broker p % 3 + 1, `rotation` brokers further.
fn broker(partition: i32, rotation: i32) -> i32 {
    (partition + rotation) % 3 + 1
}

/// Kafka's controller, played by the test (the mock elects no leader by itself): who leads each
/// partition, and every move made.
struct Controller<'a> {
    kafka: &'a Cluster,
    leaders: Vec<i32>,
    moves: usize,
}

impl<'a> Controller<'a> {
    /// Leaders as [`broker`] lays them out, the group's coordinator on broker 1.
    fn new(kafka: &'a Cluster) -> Self {
        let mut controller = Controller { kafka, leaders: vec![0; PARTITIONS as usize], moves: 0 };
        controller.layout(|p| broker(p, 0));
        controller.moves = 0;
        kafka.coordinator(MockCoordinator::Group(GROUP.into()), 1).unwrap();
        controller
    }

    fn lead(&mut self, partition: i32, broker: i32) {
        self.kafka.partition_leader(TOPIC, partition, Some(broker)).unwrap();
        self.leaders[partition as usize] = broker;
        self.moves += 1;
    }

    /// Moves every partition whose leader is not `leader(partition)` to it.
    fn layout(&mut self, leader: impl Fn(i32) -> i32) {
        for partition in 0..PARTITIONS {
            if self.leaders[partition as usize] != leader(partition) {
                self.lead(partition, leader(partition));
            }
        }
    }

    fn led_by(&self, broker: i32) -> Vec<i32> {
        (0..PARTITIONS).filter(|p| self.leaders[*p as usize] == broker).collect()
    }
}

/// A client of `bootstrap` that only asks for end offsets.
fn offsets_client(bootstrap: &str) -> BaseConsumer {
    ClientConfig::new().set("bootstrap.servers", bootstrap).create().unwrap()
}

/// Each partition's end offset, from its leader (asked again while the client learns of a move).
fn ends(client: &BaseConsumer) -> Vec<i64> {
    (0..PARTITIONS)
        .map(|partition| {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                match client.fetch_watermarks(TOPIC, partition, Duration::from_secs(2)) {
                    Ok((_, high)) => break high,
                    Err(e) => {
                        assert!(Instant::now() < deadline, "end of partition {partition}: {e}");
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }
        })
        .collect()
}

/// Waits until every partition has grown past `since`: each partition's leader of now took frames
/// from the reader. Returns the new ends.
fn wait_for_flow(client: &BaseConsumer, since: &[i64], what: &str) -> Vec<i64> {
    let mut now = since.to_vec();
    wait_until(Duration::from_secs(30), what, || {
        now = ends(client);
        now.iter().zip(since).all(|(now, since)| now > since)
    });
    now
}

/// A reader run in this process on a thread of its own; the thread hands its runtime back too,
/// which keeps serving the reader's `/metrics` after the run.
type Reader = JoinHandle<(Result<(), String>, tokio::runtime::Runtime)>;

fn spawn_reader(args: Vec<String>) -> Reader {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let argv = args.into_iter().map(Into::into).collect();
        let result = runtime
            .block_on(novatel_reader::commands::run(argv))
            .map_err(|e| format!("reader run: {e}"));
        (result, runtime)
    })
}

/// `novatel-reader simulate` of the simulated receivers, at `speed` (0: as fast as possible).
fn simulate_args(bootstrap: &str, speed: &str, metrics: &str) -> Vec<String> {
    let receivers = RECEIVERS.to_string();
    let duration = format!("{SECONDS}s");
    let args = [
        "novatel-reader",
        "simulate",
        "--simulate-receivers",
        &receivers,
        "--receiver-id",
        "van",
        "--simulate-duration",
        &duration,
        "--simulate-rate",
        RATES,
        "--simulate-speed",
        speed,
        "--simulate-start",
        "2024-06-01T12:00:00Z",
        "--kafka-brokers",
        bootstrap,
        "--kafka-topic",
        TOPIC,
        "--metrics-listen",
        metrics,
    ];
    args.map(String::from).to_vec()
}

/// `novatel-reader replay` of the real recording, paced at `speed` if given.
fn replay_args(bootstrap: &str, speed: Option<&str>) -> Vec<String> {
    let recording = fixture(RECORDING);
    let mut args = vec!["novatel-reader", "replay", recording.to_str().unwrap()];
    if let Some(speed) = speed {
        args.extend(["--replay-speed", speed]);
    }
    args.extend(["--kafka-brokers", bootstrap, "--kafka-topic", TOPIC]);
    args.extend(["--metrics-listen", "off", "--progress", "none"]);
    args.into_iter().map(String::from).collect()
}

/// The sum of a Prometheus metric's samples (0 if it has none).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| line.strip_prefix(name).is_some_and(|rest| rest.starts_with([' ', '{'])))
        .map(|line| line.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

/// Frames whose acknowledgement took longer than `seconds` (a bucket bound of the histogram).
fn acknowledged_after(text: &str, seconds: f64) -> f64 {
    let name = "reader_produce_latency_seconds";
    let within = text
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix("_bucket{le=\"")?;
            let (bound, value) = rest.split_once("\"} ")?;
            (bound.parse::<f64>().ok()? == seconds).then(|| value.parse::<f64>().unwrap())
        })
        .next()
        .unwrap_or_else(|| panic!("no {name} bucket of {seconds} s in\n{text}"));
    metric(text, &format!("{name}_count")) - within
}

#[test]
fn leaders_moved_and_a_broker_down_while_frames_flow_every_table_ends_exact() {
    let ch = ClickHouse::start();
    let mut expected = Expected::default();
    expected.add(&fixture(RECORDING));
    let total = RECEIVERS * SECONDS * RATE_SUM + expected.total_frames();

    // The reference: the same input produced at full speed to a cluster without faults, written
    // by a streamer of its own into `reference` while the faulted run goes on.
    let calm = replicated_cluster();
    let calm_bootstrap = calm.bootstrap_servers();
    for args in [simulate_args(&calm_bootstrap, "0", "off"), replay_args(&calm_bootstrap, None)] {
        spawn_reader(args).join().unwrap().0.unwrap();
    }
    let mut reference = Streamer::start(&Run {
        bootstrap: &calm_bootstrap,
        topic: TOPIC,
        group: "reference",
        clickhouse: &ch,
        database: "reference",
        args: &[],
    });

    // The faulted cluster, and two streamers of the prod group sharing its partitions three and
    // three (the second starts once the first made the schema).
    let kafka = replicated_cluster();
    let bootstrap = kafka.bootstrap_servers();
    let mut controller = Controller::new(&kafka);
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: GROUP,
        clickhouse: &ch,
        database: "prod",
        args: &BATCHES,
    };
    let mut first = Streamer::start(&run);
    wait_until(Duration::from_secs(60), "the schema", || first.log().contains("ClickHouse ready"));
    let mut second = Streamer::start(&run);
    let assignments = |s: &Streamer| s.log().matches("partitions assigned").count();
    let holds_three = |s: &Streamer| {
        let log = s.log();
        let last = log.lines().rfind(|l| l.contains("partitions assigned"));
        last.is_some_and(|l| l.matches('@').count() == 3)
    };
    wait_until(Duration::from_secs(60), "the partitions to be shared", || {
        holds_three(&first) && holds_three(&second)
    });
    let shared = assignments(&first) + assignments(&second);

    // The reader, paced: 16 s of producing. Its metrics are served by the simulator's run; the
    // replay, started after, counts into the same registry.
    let listen = format!("127.0.0.1:{}", free_port());
    let started = Instant::now();
    let simulator = spawn_reader(simulate_args(&bootstrap, SIMULATE_SPEED, &listen));
    wait_until(Duration::from_secs(30), "the reader's metrics", || {
        TcpStream::connect(&listen).is_ok()
    });
    let replayer = spawn_reader(replay_args(&bootstrap, Some(REPLAY_SPEED)));
    let client = offsets_client(&bootstrap);
    let mut ends_now =
        wait_for_flow(&client, &[0; PARTITIONS as usize], "frames in every partition");
    wait_until(Duration::from_secs(30), "the first rows", || frames_in(&ch, "prod") > 0);
    // Each fault, when it came and the rows written by then; after it, frames reach every
    // partition through its leader of now.
    let mut faults: Vec<(String, Duration, u64)> = Vec::new();
    let mut flowing = |what: &str, ends_now: &mut Vec<i64>| {
        faults.push((what.to_owned(), started.elapsed(), frames_in(&ch, "prod")));
        *ends_now = wait_for_flow(&client, ends_now, &format!("frames after {what}"));
    };

    // Every partition's leader moves to another broker, twice.
    for rotation in 1..=2 {
        controller.layout(|p| broker(p, rotation));
        flowing(&format!("leader rotation {rotation}"), &mut ends_now);
        std::thread::sleep(Duration::from_millis(500));
    }

    // Broker 2 fails: its partitions move to the others, it goes down, and two partitions are
    // handed to it while it is down (what clients see of a crashed leader until the controller
    // notices): their frames wait in the reader, their records in the broker, until brokers 1
    // and 3 are elected.
    for partition in controller.led_by(FAILING) {
        controller.lead(partition, if partition % 2 == 0 { 1 } else { 3 });
    }
    flowing("broker 2's leaders moved away", &mut ends_now);
    kafka.broker_down(FAILING).unwrap();
    let down = Instant::now();
    let stalled = [1, 4];
    for partition in stalled {
        controller.lead(partition, FAILING);
    }
    std::thread::sleep(STALL);
    let elected = Instant::now();
    for partition in stalled {
        controller.lead(partition, if partition % 2 == 0 { 3 } else { 1 });
    }
    flowing("the stalled partitions' election", &mut ends_now);
    let recovery = elected.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    kafka.broker_up(FAILING).unwrap();
    let outage = down.elapsed();

    // Broker 2 back: the preferred leaders return to it.
    controller.layout(|p| broker(p, 0));
    flowing("broker 2 back as leader", &mut ends_now);
    let faults_done = started.elapsed();
    assert!(
        !simulator.is_finished() && !replayer.is_finished(),
        "every fault came while the reader produced ({faults_done:?}): {faults:?}"
    );
    assert!(faults.first().unwrap().2 < faults.last().unwrap().2, "rows written: {faults:?}");

    let (result, _metrics_runtime) = simulator.join().unwrap();
    result.unwrap();
    let (result, _) = replayer.join().unwrap();
    result.unwrap();
    let produced_for = started.elapsed();
    let metrics = scrape(&listen);
    let delivered = metric(&metrics, "reader_frames_delivered_total") as u64;
    let slow = acknowledged_after(&metrics, 1.0);
    eprintln!(
        "reader: {delivered} frames delivered in {produced_for:.1?}, {slow} acknowledged after \
         more than 1 s; {} leader moves; broker {FAILING} down {outage:.1?}; faults (when, rows \
         by then): {faults:?}",
        controller.moves
    );
    assert_eq!(delivered, total, "the reader delivered every frame");
    assert_eq!(metric(&metrics, "reader_frames_produced_total") as u64, total);
    assert_eq!(metric(&metrics, "reader_delivery_errors_total"), 0.0, "no delivery failed");
    // The reader's queue held the stalled partitions' frames and sent them to the new leaders.
    assert!(slow > 0.0, "frames waited for the stalled partitions' election:\n{metrics}");

    // Kafka holds each frame once, partition by partition as in the fault-free run.
    let topic = ends(&client);
    assert_eq!(topic.iter().sum::<i64>() as u64, delivered, "each delivered frame once in Kafka");
    assert_eq!(topic, ends(&offsets_client(&calm_bootstrap)), "records per partition");

    wait_for_frames(&ch, "prod", total, &mut first, Duration::from_secs(120));
    assert!(second.is_running(), "{}", second.log());
    wait_for_frames(&ch, "reference", total, &mut reference, Duration::from_secs(120));
    let rebalances = assignments(&first) + assignments(&second) - shared;
    let mut logs = Vec::new();
    for streamer in [first, second, reference] {
        let (status, log) = streamer.stop();
        assert!(status.success(), "{log}");
        logs.push(log);
    }
    // The streamers met the failed broker: its connection refused, and retried.
    let refused = format!("/{FAILING}: Connect to");
    assert!(
        logs[..2].iter().any(|log| log
            .lines()
            .any(|l| l.contains("Kafka client error") && l.contains(&refused))),
        "a prod streamer logged broker {FAILING} down:\n{}",
        logs[..2].join("\n")
    );

    let (distinct, duplicated) = arrivals(&ch, "prod");
    reliability::report(&Figures {
        case: 13,
        load: format!(
            "{RECEIVERS} simulated receivers x {SECONDS} s at {SIMULATE_SPEED}x + \
             test2_rcvr1_decompressed.ASC at {REPLAY_SPEED}x; 6 partitions, RF 3, 3 brokers; 2 \
             streamers of one group"
        ),
        fault: &format!(
            "{} partition leader moves; broker 2 down {:.1} s, 2 partitions led by it while down \
             for {:.1} s",
            controller.moves,
            outage.as_secs_f64(),
            STALL.as_secs_f64()
        ),
        frames_in: delivered,
        counted_in: "frames; every table equal to a fault-free run's",
        arrived: distinct,
        duplicated,
        recovery: Some(recovery),
    });
    assert_eq!((distinct, duplicated), (total, 0), "each frame once in prod");

    // Every raw table and every aggregate as in the fault-free run.
    let premise = "SELECT max(n) FROM (SELECT uniqExact(receiver) AS n FROM reference.frames \
                   GROUP BY kafka_partition)";
    assert_eq!(ch.count(premise), 1, "one receiver per partition: the same offsets in both runs");
    assert_eq!(raw_fingerprint(&ch, "prod"), raw_fingerprint(&ch, "reference"));
    eprintln!("the prod group rebalanced {rebalances} times after sharing its partitions");
    for target in aggregate_targets() {
        let rows = merged_rows(&ch, "prod", &target);
        assert_rows_close(&rows, &merged_rows(&ch, "reference", &target), &target);
    }
    assert_aggregates_match_raw(&ch, "prod");
    // And the real recording's frames and rows as the reader decodes the file.
    let receiver = RECORDING.rsplit('/').next().unwrap();
    let frames: BTreeMap<(String, String, String), u64> = ch
        .rows(&format!(
            "SELECT receiver, log, format, count() FROM prod.frames WHERE receiver = '{receiver}' \
             GROUP BY receiver, log, format"
        ))
        .into_iter()
        .map(|r| ((r[0].clone(), r[1].clone(), r[2].clone()), r[3].parse().unwrap()))
        .collect();
    assert_eq!(frames, expected.frames);
    for (table, columns, types) in QUERIES {
        let Some(wanted) = expected.tables.get(table) else { continue };
        let sql = format!("SELECT {columns} FROM prod.{table} WHERE receiver = '{receiver}'");
        let actual = sorted(parse(ch.rows(&sql), types));
        assert_rows_eq(&actual, &sorted(wanted.clone()), table);
    }
}

//! Malformed configuration and hostile input at every boundary (reliability case 9): Kafka
//! messages that are not NovAtel frames, oversized or damaged frames and malformed reports are
//! each kept once and counted, never dropped and never a panic; a broker, a topic or a ClickHouse
//! server that cannot be used, or wrong credentials, stop the start with a clear error and a
//! non-zero exit within a bounded time; secrets never reach the log or the metrics.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::reliability::{self, Figures};
use common::{
    ClickHouse, Run, Streamer, cluster, fixture, free_port, replay, replay_real, scrape,
    wait_for_frames,
};
use novatel::{Event, Format, frames};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;

const TOPIC: &str = "frames";
const PARTITIONS: i32 = 3;
const NOT_A_FRAME: &str = "the Kafka value is not one whole NovAtel frame";
/// Year 3000: a Kafka timestamp (or GPS time) past what Arrow's nanosecond timestamps hold.
const YEAR_3000_MS: i64 = 32_503_680_000_000;
/// The last millisecond of ClickHouse's DateTime (2106-02-07T06:28:15Z).
const LAST_DATETIME_MS: i64 = u32::MAX as i64 * 1000 + 999;

fn sql_dir() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sql").display().to_string()
}

/// The value of the sample `name` (with its labels, as Prometheus prints them) in `metrics`.
fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Runs the streamer to its exit (killed after `limit`).
fn run(args: &[&str], env: &[(&str, &str)], limit: Duration) -> (Option<i32>, String, Duration) {
    Streamer::spawn(args, env).exit_within(limit)
}

fn assert_no_panic(log: &str) {
    assert!(!log.contains("panicked"), "the streamer panicked:\n{log}");
}

/// Deterministic bytes that look like nothing.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// The first frame of `format` in a recording that `wanted` accepts.
fn first_frame(recording: &str, format: Format, wanted: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let bytes = std::fs::read(fixture(recording)).unwrap();
    frames(&bytes)
        .find_map(|event| match event {
            Event::Frame(frame) if frame.format == format && wanted(frame.bytes) => {
                Some(frame.bytes.to_vec())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("a {format:?} frame in {recording}"))
}

/// `frame` (binary) with its CRC made right again.
fn with_crc(mut frame: Vec<u8>) -> Vec<u8> {
    let body = frame.len() - 4;
    let crc = novatel::crc::crc32(&frame[..body]);
    frame[body..].copy_from_slice(&crc.to_le_bytes());
    frame
}

/// `frame` (binary) with its GPS week set to `week`, its CRC right.
fn with_week(frame: &[u8], week: u16) -> Vec<u8> {
    let mut frame = frame.to_vec();
    frame[14..16].copy_from_slice(&week.to_le_bytes());
    with_crc(frame)
}

/// What the streamer must make of a message.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// A `frames` row with decoded = 0 and an error holding each of these words.
    Error(&'static [&'static str]),
    /// A frame, decoded (a `frames` row with decoded = 1 and no error).
    Decoded,
}

struct Hostile {
    what: &'static str,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(&'static str, Vec<u8>)>,
    timestamp: Option<i64>,
    expect: Expect,
}

fn hostile(what: &'static str, value: Vec<u8>, expect: Expect) -> Hostile {
    Hostile {
        what,
        key: Some(format!("hostile-{what}").into_bytes()),
        value: Some(value),
        headers: vec![],
        timestamp: None,
        expect,
    }
}

/// One of each kind of hostile message.
fn hostile_messages() -> Vec<Hostile> {
    // BESTPOS, which has a decoder and a table.
    let binary = first_frame("real/bestpos.gps", Format::Binary, |b| b[4..6] == [42, 0]);
    let ascii = first_frame("real/OneEach.ASC", Format::Ascii, |b| b.starts_with(b"#BESTPOSA"));
    // A frame that passes its CRC with a body of noise: the values are whatever it holds.
    let mut garbage = binary.clone();
    let header = usize::from(binary[3]);
    let body = binary.len() - 4 - header;
    garbage[header..header + body].copy_from_slice(&noise(body, 0x0123_4567_89ab_cdef));
    let garbage = with_crc(garbage);
    let report = |bytes: &[u8]| {
        vec![
            ("kind", b"rejected".to_vec()),
            ("reason", b"bad_crc".to_vec()),
            ("bytes", bytes.to_vec()),
        ]
    };
    let mut bad_crc = binary.clone();
    bad_crc[binary.len() / 2] ^= 0x5a;
    let mut bad_checksum = ascii.clone();
    let star = ascii.iter().rposition(|&b| b == b'*').unwrap();
    bad_checksum[star - 1] ^= 0x01;
    let mut trailing = binary.clone();
    trailing.extend_from_slice(b"and then some");
    let mut two = binary.clone();
    two.extend_from_slice(&binary);

    vec![
        hostile(
            "text",
            b"hello, this is not a NovAtel frame\r\n".to_vec(),
            Expect::Error(&[NOT_A_FRAME, "sync"]),
        ),
        hostile("random", noise(4096, 0x9e37_79b9_7f4a_7c15), Expect::Error(&[NOT_A_FRAME])),
        hostile("empty", vec![], Expect::Error(&[NOT_A_FRAME, "empty"])),
        hostile(
            "oversized",
            noise(1 << 20, 0xdead_beef_cafe_f00d),
            Expect::Error(&[NOT_A_FRAME, "1048576 bytes", "more than"]),
        ),
        hostile(
            "truncated",
            binary[..binary.len() / 2].to_vec(),
            Expect::Error(&[NOT_A_FRAME, "cut off"]),
        ),
        hostile("header-only", binary[..3].to_vec(), Expect::Error(&[NOT_A_FRAME, "cut off"])),
        hostile("bad-crc", bad_crc, Expect::Error(&[NOT_A_FRAME, "CRC"])),
        hostile("bad-checksum", bad_checksum, Expect::Error(&[NOT_A_FRAME, "CRC"])),
        hostile("trailing", trailing, Expect::Error(&[NOT_A_FRAME, "followed by 13 more bytes"])),
        hostile("two-frames", two, Expect::Error(&[NOT_A_FRAME, "followed by"])),
        hostile("garbage-body", garbage, Expect::Decoded),
        // A frame whose GPS time is centuries away: kept, but its time cannot be used.
        hostile("far-week", with_week(&binary, 65_000), Expect::Error(&["GPS time", "week 65000"])),
        // Reports of rejected bytes that do not follow the contract.
        Hostile {
            headers: report(b"lots"),
            ..hostile("report-bytes", vec![], Expect::Error(&["report of rejected bytes", "lots"]))
        },
        Hostile {
            headers: vec![("kind", b"rejected".to_vec()), ("reason", b"bad_crc".to_vec())],
            ..hostile(
                "report-no-bytes",
                vec![],
                Expect::Error(&["report of rejected bytes", "bytes"]),
            )
        },
        Hostile {
            headers: vec![
                ("kind", b"rejected".to_vec()),
                ("reason", vec![0xff, 0xfe, 0x00]),
                ("bytes", b"12".to_vec()),
            ],
            ..hostile(
                "report-reason",
                vec![],
                Expect::Error(&["report of rejected bytes", "reason"]),
            )
        },
        Hostile {
            headers: report(b"12"),
            ..hostile(
                "report-value",
                binary.clone(),
                Expect::Error(&["report of rejected bytes", "value"]),
            )
        },
        Hostile {
            headers: vec![("kind", vec![0xc3, 0x28, b'x'])],
            ..hostile("unknown-kind", binary.clone(), Expect::Error(&["kind"]))
        },
        // No key: the receiver comes from the `receiver` header, or is left empty.
        Hostile {
            key: None,
            value: None,
            ..hostile("keyless-null", vec![], Expect::Error(&[NOT_A_FRAME, "empty"]))
        },
        Hostile {
            key: None,
            headers: vec![("receiver", b"hostile-keyless-frame".to_vec())],
            ..hostile("keyless-frame", binary.clone(), Expect::Decoded)
        },
        // Headers that are not text around a good frame: the frame is kept and decoded.
        Hostile {
            key: Some(vec![0xff, 0xfe, b'h']),
            headers: vec![
                ("offset", vec![0xff, 0x00, 0x12]),
                ("log", vec![0x80; 5]),
                ("receiver", vec![0xc0]),
            ],
            ..hostile("binary-headers", ascii.clone(), Expect::Decoded)
        },
        // Kafka timestamps far away: a frame takes its time from its header, a non-frame keeps
        // its row whatever the timestamp.
        Hostile {
            timestamp: Some(YEAR_3000_MS),
            ..hostile("future-frame", binary.clone(), Expect::Decoded)
        },
        Hostile {
            timestamp: Some(YEAR_3000_MS),
            ..hostile("future-text", b"#NOT,A,FRAME".to_vec(), Expect::Error(&[NOT_A_FRAME]))
        },
    ]
}

/// Produces the messages; returns the (partition, offset) each landed at.
fn produce(bootstrap: &str, messages: &[Hostile]) -> Vec<(i32, i64)> {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("message.max.bytes", "10000000")
        .set("compression.type", "none")
        .create()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut landed = Vec::new();
        for m in messages {
            let mut headers = OwnedHeaders::new();
            for (key, value) in &m.headers {
                headers = headers.insert(Header { key, value: Some(value.as_slice()) });
            }
            let mut record = FutureRecord::<[u8], [u8]>::to(TOPIC).headers(headers);
            if let Some(key) = &m.key {
                record = record.key(key.as_slice());
            }
            if let Some(value) = &m.value {
                record = record.payload(value.as_slice());
            }
            if let Some(ms) = m.timestamp {
                record = record.timestamp(ms);
            }
            let delivery = producer
                .send(record, Timeout::After(Duration::from_secs(30)))
                .await
                .unwrap_or_else(|(e, _)| panic!("producing {}: {e}", m.what));
            landed.push((delivery.partition, delivery.offset));
        }
        landed
    })
}

/// Messages in the topic: the sum of its partitions' end offsets.
fn messages_in_topic(bootstrap: &str) -> u64 {
    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", bootstrap).create().unwrap();
    (0..PARTITIONS)
        .map(|p| consumer.fetch_watermarks(TOPIC, p, Duration::from_secs(10)).unwrap().1 as u64)
        .sum()
}

#[test]
fn hostile_messages_are_each_kept_once_with_the_reason_and_counted() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, PARTITIONS);
    let bootstrap = kafka.bootstrap_servers();
    let expected = replay_real(&bootstrap, TOPIC);
    let valid_frames = expected.total_frames();
    // Besides the frames, the reader reported the bytes it rejected.
    let reports = messages_in_topic(&bootstrap) - valid_frames;

    let rounds = reliability::scale();
    let mut hostile = Vec::new();
    for _ in 0..rounds {
        hostile.extend(hostile_messages());
    }
    let landed: BTreeMap<(i32, i64), usize> =
        produce(&bootstrap, &hostile).into_iter().enumerate().map(|(i, at)| (at, i)).collect();
    let errors = hostile.iter().filter(|m| m.expect != Expect::Decoded).count() as u64;
    let decoded = hostile.len() as u64 - errors;
    let total = messages_in_topic(&bootstrap);
    assert_eq!(total, valid_frames + reports + hostile.len() as u64);

    let listen = format!("127.0.0.1:{}", free_port());
    let args = ["--metrics-listen", listen.as_str(), "--batch-max-frames", "500"];
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "hostile",
        clickhouse: &ch,
        database: "gnss",
        args: &args,
    };
    let mut streamer = Streamer::start(&run);
    let frame_rows = valid_frames + decoded + errors;
    wait_for_frames(&ch, "gnss", frame_rows, &mut streamer, Duration::from_secs(120));
    let decode_errors = format!("streamer_decode_errors_total {errors}");
    common::wait_until(Duration::from_secs(10), &decode_errors, || {
        scrape(&listen).contains(&decode_errors)
    });
    let metrics = scrape(&listen);
    // Still running a while later.
    std::thread::sleep(Duration::from_secs(2));
    assert!(streamer.is_running(), "{}", streamer.log());
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    assert_no_panic(&log);

    // Every message is in ClickHouse once: a frames row or a rejected row.
    let offsets = "SELECT kafka_partition, kafka_offset FROM gnss.frames \
                   UNION ALL SELECT kafka_partition, kafka_offset FROM gnss.rejected";
    let counts = ch.rows(&format!(
        "SELECT count(), uniqExact(kafka_partition, kafka_offset) FROM ({offsets})"
    ));
    let (rows, distinct): (u64, u64) =
        (counts[0][0].parse().unwrap(), counts[0][1].parse().unwrap());
    reliability::report(&Figures {
        case: 9,
        load: format!(
            "{valid_frames} valid frames + {reports} reports + {} hostile messages",
            hostile.len()
        ),
        fault: "not-a-frame, random, empty, keyless, 1 MiB, truncated/bad-CRC/trailing frame, \
                far GPS week/timestamp, malformed report and header values",
        frames_in: total,
        counted_in: "ClickHouse frames/rejected rows",
        arrived: distinct,
        duplicated: rows - distinct,
        recovery: None,
    });
    assert_eq!((rows, distinct), (total, total), "every message once");
    assert_eq!(ch.count("SELECT count() FROM gnss.rejected"), reports);

    // Each hostile message as expected, with the reason; the recordings' frames as they would
    // land alone.
    let mut seen = BTreeSet::new();
    let mut recorded: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for row in ch.rows(
        "SELECT kafka_partition, kafka_offset, decoded, error, receiver, time_ms, log, format \
         FROM gnss.frames",
    ) {
        let at = (row[0].parse::<i32>().unwrap(), row[1].parse::<i64>().unwrap());
        let (decoded, error, receiver) = (row[2].as_str(), row[3].as_str(), row[4].as_str());
        let Some(&i) = landed.get(&at) else {
            assert_eq!(error, "", "a recording's frame failed: {row:?}");
            *recorded.entry((row[4].clone(), row[6].clone(), row[7].clone())).or_default() += 1;
            continue;
        };
        seen.insert(at);
        let m = &hostile[i];
        match m.expect {
            Expect::Decoded => assert_eq!((decoded, error), ("1", ""), "{}: {row:?}", m.what),
            Expect::Error(words) => {
                assert_eq!(decoded, "0", "{}: {row:?}", m.what);
                for word in words {
                    assert!(error.contains(word), "{}: `{word}` in {error:?}", m.what);
                }
                assert!(error.len() > NOT_A_FRAME.len() + 5, "{}: a reason in {error:?}", m.what);
            }
        }
        match m.what {
            "keyless-null" => assert_eq!(receiver, "", "{row:?}"),
            "keyless-frame" => assert_eq!(receiver, "hostile-keyless-frame", "{row:?}"),
            "binary-headers" => assert_eq!(receiver, "\u{fffd}\u{fffd}h", "{row:?}"),
            what => assert_eq!(receiver, format!("hostile-{what}"), "{row:?}"),
        }
        // Times stay within what ClickHouse's DateTime and Arrow's timestamps hold; a Kafka
        // timestamp beyond them is no time at all.
        let time_ms: i64 = row[5].parse().unwrap();
        assert!((0..=LAST_DATETIME_MS).contains(&time_ms), "{}: time {time_ms}", m.what);
        if m.what == "future-text" {
            assert_eq!(time_ms, 0, "{row:?}");
        }
    }
    assert_eq!(seen.len(), hostile.len(), "every hostile message has its frames row");
    assert_eq!(recorded, expected.frames);
    let rejected: BTreeMap<(String, String), u64> = ch
        .rows("SELECT receiver, reason, sum(bytes) FROM gnss.rejected GROUP BY receiver, reason")
        .into_iter()
        .map(|r| ((r[0].clone(), r[1].clone()), r[2].parse().unwrap()))
        .collect();
    assert_eq!(rejected, expected.rejected, "malformed reports are not counted as rejected bytes");

    // The metrics count them.
    assert_eq!(sample(&metrics, "streamer_decode_errors_total"), Some(errors as f64), "{metrics}");
    assert_eq!(
        sample(&metrics, "streamer_records_total{kind=\"frame\"}"),
        Some((valid_frames + hostile.len() as u64) as f64),
        "{metrics}"
    );
    assert_eq!(
        sample(&metrics, "streamer_records_total{kind=\"rejected\"}"),
        Some(reports as f64),
        "{metrics}"
    );
}

#[test]
fn an_unusable_kafka_stops_the_start_with_a_clear_error_in_bounded_time() {
    let ch = ClickHouse::start();
    let url = ch.url();
    let sql = sql_dir();
    let base = ["--clickhouse-url", url.as_str(), "--sql-dir", sql.as_str()];
    let base = [&base[..], &["--metrics-listen", "off", "--connect-timeout", "4s"]].concat();

    // Nothing listens there.
    let args = [&base[..], &["--kafka-brokers", "127.0.0.1:1"]].concat();
    let (code, log, took) = run(&args, &[], Duration::from_secs(60));
    assert_eq!(code, Some(1), "exit 1 after the wait, not a hang ({took:?}):\n{log}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    for words in ["127.0.0.1:1", "--kafka-brokers", "within 4s", "Connection refused"] {
        assert!(log.contains(words), "`{words}` in:\n{log}");
    }
    assert_no_panic(&log);

    // A broker, but not the topic.
    let kafka = cluster(TOPIC, 1);
    let bootstrap = kafka.bootstrap_servers();
    let args =
        [&base[..], &["--kafka-brokers", &bootstrap, "--kafka-topic", "no.such.topic"]].concat();
    let (code, log, took) = run(&args, &[], Duration::from_secs(60));
    assert_eq!(code, Some(1), "({took:?}):\n{log}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    for words in ["no.such.topic", "Unknown topic", "--kafka-topic", "kafka-topics.sh"] {
        assert!(log.contains(words), "`{words}` in:\n{log}");
    }
    assert_no_panic(&log);

    // A topic created while the streamer waits for it is consumed.
    let wait = ["--connect-timeout", "60s"];
    let mut streamer = Streamer::start(&Run {
        bootstrap: &bootstrap,
        topic: "late.topic",
        group: "late",
        clickhouse: &ch,
        database: "late",
        args: &wait,
    });
    common::wait_until(Duration::from_secs(30), "the streamer to wait for the topic", || {
        streamer.log().contains("waiting for it")
    });
    kafka.create_topic("late.topic", 1, 1).unwrap();
    replay(&bootstrap, "late.topic", &[fixture("real/bestpos.gps")]);
    wait_for_frames(&ch, "late", 26, &mut streamer, Duration::from_secs(60));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");

    // A broker address that does not resolve.
    let args = [&base[..], &["--kafka-brokers", "no-such-host.invalid:9092"]].concat();
    let (code, log, took) = run(&args, &[], Duration::from_secs(60));
    assert_eq!(code, Some(1), "({took:?}):\n{log}");
    assert!(log.contains("no-such-host.invalid:9092") && log.contains("--kafka-brokers"), "{log}");
    assert_no_panic(&log);

    // A malformed broker list is a configuration error.
    let args = [&base[..], &["--kafka-brokers", "127.0.0.1:9092,,"]].concat();
    let (code, log, _) = run(&args, &[], Duration::from_secs(30));
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("kafka.brokers") && log.contains("host:port"), "{log}");
}

#[test]
fn an_unusable_clickhouse_stops_the_start_with_a_clear_error_and_never_shows_the_password() {
    const PASSWORD: &str = "pw-Hx7q-do-not-log";
    let sql = sql_dir();
    let base =
        ["--sql-dir", sql.as_str(), "--metrics-listen", "off", "--kafka-brokers", "127.0.0.1:1"];

    // Nothing listens there: the wait is bounded.
    let args = [&base[..], &["--clickhouse-url", "http://127.0.0.1:1", "--connect-timeout", "2s"]]
        .concat();
    let (code, log, took) =
        run(&args, &[("CLICKHOUSE_PASSWORD", PASSWORD)], Duration::from_secs(60));
    assert_eq!(code, Some(1), "({took:?}):\n{log}");
    assert!(took < Duration::from_secs(20), "{took:?}");
    for words in ["http://127.0.0.1:1", "--clickhouse-url", "within 2s", "Connection refused"] {
        assert!(log.contains(words), "`{words}` in:\n{log}");
    }
    assert!(!log.contains(PASSWORD), "{log}");

    let ch = ClickHouse::start();
    let url = ch.url();
    // A wrong password fails at once (no waiting for the server to change its mind).
    let args = [&base[..], &["--clickhouse-url", url.as_str()]].concat();
    let (code, log, took) =
        run(&args, &[("CLICKHOUSE_PASSWORD", PASSWORD)], Duration::from_secs(90));
    assert_eq!(code, Some(1), "({took:?}):\n{log}");
    assert!(took < Duration::from_secs(20), "{took:?}:\n{log}");
    for words in ["authentication failed", "`default`", "--clickhouse-user", "CLICKHOUSE_PASSWORD"]
    {
        assert!(log.contains(words), "`{words}` in:\n{log}");
    }
    assert!(!log.contains(PASSWORD), "{log}");
    assert_no_panic(&log);

    // A user ClickHouse does not know, the password from a file.
    let file = std::env::temp_dir().join(format!("hostile-password-{}", std::process::id()));
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    let args =
        [&base[..], &["--clickhouse-url", url.as_str(), "--clickhouse-user", "nobody"]].concat();
    let env = [("CLICKHOUSE_PASSWORD_FILE", file.to_str().unwrap())];
    let (code, log, took) = run(&args, &env, Duration::from_secs(90));
    std::fs::remove_file(&file).unwrap();
    assert_eq!(code, Some(1), "({took:?}):\n{log}");
    assert!(took < Duration::from_secs(20), "{took:?}:\n{log}");
    assert!(log.contains("authentication failed") && log.contains("`nobody`"), "{log}");
    assert!(!log.contains(PASSWORD), "{log}");

    // Credentials in the URL would be shown wherever the URL is: refused, not echoed.
    let with_credentials = format!("http://default:{PASSWORD}@127.0.0.1:{}", ch.http_port);
    let args = [&base[..], &["--clickhouse-url", with_credentials.as_str()]].concat();
    let (code, log, _) = run(&args, &[], Duration::from_secs(30));
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("clickhouse.url") && log.contains("--clickhouse-user"), "{log}");
    assert!(!log.contains(PASSWORD), "{log}");

    // Not a URL the streamer can use.
    let args = [&base[..], &["--clickhouse-url", "https://127.0.0.1:8443"]].concat();
    let (code, log, _) = run(&args, &[], Duration::from_secs(30));
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("http://host:8123"), "{log}");
}

#[test]
fn secrets_never_reach_the_log_or_the_metrics() {
    const SASL: &str = "sasl-Qm4z-do-not-log";
    const KEY: &str = "key-Wv8r-do-not-log";
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 1);
    let bootstrap = kafka.bootstrap_servers();
    replay(&bootstrap, TOPIC, &[fixture("real/bestpos.gps")]);
    let url = ch.url();
    let sql = sql_dir();
    let listen = format!("127.0.0.1:{}", free_port());
    // The SASL password in the config file, librdkafka's own debug output (its configuration
    // included) too, as a list is given; the TLS key's password in the environment.
    let config = std::env::temp_dir().join(format!("hostile-secrets-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        format!(
            "[kafka.properties]\n\"sasl.username\" = \"gnss\"\n\"sasl.password\" = \"{SASL}\"\n\
             debug = \"generic,broker,security,conf\"\n"
        ),
    )
    .unwrap();
    let config_path = config.to_str().unwrap();
    let key = format!("ssl.key.password={KEY}");
    let args = [
        "--kafka-brokers",
        &bootstrap,
        "--kafka-topic",
        TOPIC,
        "--clickhouse-url",
        &url,
        "--sql-dir",
        &sql,
        "--metrics-listen",
        &listen,
        "--batch-max-age",
        "100ms",
        "--config",
        config_path,
    ];
    let env = [("KAFKA_PROPERTIES", key.as_str()), ("RUST_LOG", "debug")];

    // As the settings are printed.
    let printed = Command::new(env!("CARGO_BIN_EXE_gnss-streamer"))
        .env_clear()
        .envs(env)
        .args(args)
        .arg("--print-config")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&printed.stdout).into_owned()
        + &String::from_utf8_lossy(&printed.stderr);
    assert!(printed.contains("kafka.properties.sasl.password = \"****\""), "{printed}");
    assert!(printed.contains("kafka.properties.ssl.key.password = \"****\""), "{printed}");
    assert!(!printed.contains(SASL) && !printed.contains(KEY), "{printed}");

    // A streamer at work, with everything logged.
    let mut streamer = Streamer::spawn(&args, &env);
    common::wait_until(Duration::from_secs(60), "26 frames", || {
        assert!(streamer.is_running(), "{}", streamer.log());
        ch.try_query("SELECT count() FROM gnss.frames").is_ok_and(|n| n.trim() == "26")
    });
    common::wait_until(Duration::from_secs(10), "the frames in the metrics", || {
        scrape(&listen).contains("streamer_rows_inserted_total{table=\"frames\"} 26")
    });
    let metrics = scrape(&listen);
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    assert!(log.contains("sasl.password"), "librdkafka's configuration is in the log:\n{log}");
    for secret in [SASL, KEY] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
        assert!(!metrics.contains(secret), "{secret} in the metrics:\n{metrics}");
    }
    assert_no_panic(&log);

    // SASL the broker does not speak: the start fails, the password unshown.
    let sasl_args =
        [&args[..], &["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=PLAIN"]]
            .concat();
    let sasl_args =
        [&sasl_args[..], &["--connect-timeout", "3s", "--kafka-group", "sasl"]].concat();
    let (code, log, took) = run(&sasl_args, &env, Duration::from_secs(60));
    assert_eq!(code, Some(1), "({took:?}):\n{log}");
    for words in ["--kafka-brokers", "security.protocol", "authentication"] {
        assert!(log.contains(words), "`{words}` in:\n{log}");
    }
    assert!(!log.contains(SASL) && !log.contains(KEY), "{log}");

    // A property that is not key=value, holding a secret (a typo, or a password with a comma
    // split by KAFKA_PROPERTIES): refused without echoing it.
    for (args, env) in [
        (vec!["-X".to_owned(), format!("sasl.password:{SASL}")], vec![]),
        (vec![], vec![("KAFKA_PROPERTIES", format!("sasl.password=abc,{SASL}"))]),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (code, log, _) = run(&args, &env, Duration::from_secs(30));
        assert_eq!(code, Some(2), "{log}");
        assert!(log.contains("kafka.properties") && log.contains("key=value"), "{log}");
        assert!(!log.contains(SASL), "{log}");
    }

    // Nor does the help, which shows the environment's values.
    let help = Command::new(env!("CARGO_BIN_EXE_gnss-streamer"))
        .env_clear()
        .envs([("KAFKA_PROPERTIES", key.as_str()), ("CLICKHOUSE_PASSWORD", SASL)])
        .arg("--help")
        .output()
        .unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("KAFKA_PROPERTIES") && help.contains("CLICKHOUSE_PASSWORD"), "{help}");
    assert!(!help.contains(KEY) && !help.contains(SASL), "{help}");
    std::fs::remove_file(&config).unwrap();
}

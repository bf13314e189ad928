//! What the streamer's integration tests run against: a real ClickHouse server started for the
//! test, librdkafka's mock Kafka cluster, the reader (in-process) to produce recordings, and the
//! streamer binary.

#![allow(dead_code)]

pub mod aggregates;
pub mod cluster;
pub mod exactness;
pub mod expected;
#[path = "../../../reader/tests/common/http.rs"]
pub mod http;
#[path = "../../../reader/tests/common/reliability.rs"]
pub mod reliability;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use novatel_reader::commands;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

pub type Cluster = MockCluster<'static, DefaultProducerContext>;

/// A mock cluster of three brokers with `topic` of `partitions` partitions.
pub fn cluster(topic: &str, partitions: i32) -> Cluster {
    let cluster = MockCluster::new(3).expect("mock cluster");
    cluster.create_topic(topic, partitions, 1).expect("topic");
    cluster
}

pub fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(path)
}

/// The real recordings the end-to-end tests replay.
pub const REAL: [&str; 6] = [
    "real/test2_rcvr1.dat",
    "real/test2_rcvr1_decompressed.ASC",
    "real/bestpos.gps",
    "real/OneEach.GPS",
    "real/OneEach.ASC",
    "real/BESTUTMBIN.GPS",
];

/// Runs the reader (`novatel-reader <args>`) in this process, to completion.
pub fn reader(args: &[&str]) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let argv = args.iter().map(Into::into).collect();
    runtime.block_on(commands::run(argv)).expect("reader run");
}

/// Replays `files` to `topic`, each file's frames keyed by its name.
pub fn replay(bootstrap: &str, topic: &str, files: &[PathBuf]) {
    let files: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let mut args = vec!["novatel-reader", "replay"];
    args.extend(&files);
    args.extend(["--kafka-brokers", bootstrap, "--kafka-topic", topic, "--metrics-listen", "off"]);
    args.extend(["--progress", "none"]);
    reader(&args);
}

/// Replays the real recordings to `topic`; returns what they decode to.
pub fn replay_real(bootstrap: &str, topic: &str) -> expected::Expected {
    let files: Vec<PathBuf> = REAL.iter().map(|f| fixture(f)).collect();
    replay(bootstrap, topic, &files);
    let mut expected = expected::Expected::default();
    for file in &files {
        expected.add(file);
    }
    expected
}

/// Produces `duration` of simulated receivers' logs as fast as possible, at `rates` (as
/// `--simulate-rate` takes them, e.g. `bestpos=10,range=1`), from 2024-06-01T12:00:00Z.
pub fn simulate(bootstrap: &str, topic: &str, receivers: u32, duration: &str, rates: &str) {
    simulate_day(bootstrap, topic, receivers, duration, rates, 0);
}

/// [`simulate`], `day` days later: new frames from the same receivers.
pub fn simulate_day(
    bootstrap: &str,
    topic: &str,
    receivers: u32,
    duration: &str,
    rates: &str,
    day: u64,
) {
    let receivers = receivers.to_string();
    let start = format!("2024-06-{:02}T12:00:00Z", 1 + day);
    reader(&[
        "novatel-reader",
        "simulate",
        "--simulate-receivers",
        &receivers,
        "--simulate-duration",
        duration,
        "--simulate-rate",
        rates,
        "--simulate-speed",
        "0",
        "--simulate-start",
        &start,
        "--kafka-brokers",
        bootstrap,
        "--kafka-topic",
        topic,
        "--metrics-listen",
        "off",
    ]);
}

pub use http::free_port;

/// Fetches `/metrics` from `listen` (127.0.0.1:port).
pub fn scrape(listen: &str) -> String {
    let port = listen.rsplit(':').next().and_then(|p| p.parse().ok()).expect("host:port");
    http::get(port, "/metrics").body
}

/// Polls `done` until it holds or `timeout` passes (then panics naming `what`).
pub fn wait_until(timeout: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A ClickHouse server of its own (data directory, ports), stopped and removed on drop.
pub struct ClickHouse {
    dir: PathBuf,
    pub http_port: u16,
    tcp_port: u16,
    interserver_port: u16,
    child: Option<Child>,
    pub version: Version,
}

/// Which ClickHouse a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Debian's `clickhouse-server` 18.16, a server process.
    Debian,
    /// ClickHouse 26.9 in-process (chdb-core from PyPI, `scripts/current-clickhouse`) behind
    /// `current_clickhouse.py`'s HTTP server: the current version users run.
    Current,
}

impl ClickHouse {
    /// Debian's ClickHouse 18.16.
    pub fn start() -> Self {
        Self::start_version(Version::Debian)
    }

    /// A ClickHouse of `version`, in a directory of its own on loopback ports of its own.
    pub fn start_version(version: Version) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "gnss-streamer-ch-{}-{}",
            std::process::id(),
            free_port()
        ));
        let mut server = ClickHouse {
            dir,
            http_port: free_port(),
            tcp_port: free_port(),
            interserver_port: free_port(),
            child: None,
            version,
        };
        server.run();
        server
    }

    /// Starts the server on the same directory (after [`ClickHouse::kill`]); Debian's on the same
    /// ports.
    pub fn run(&mut self) {
        for sub in ["tmp", "uf", "fs"] {
            std::fs::create_dir_all(self.dir.join(sub)).unwrap();
        }
        if self.version == Version::Current {
            return self.run_current();
        }
        let dir = self.dir.display();
        let child = Command::new("clickhouse-server")
            .args(["--config-file=/etc/clickhouse-server/config.xml", "--"])
            .arg(format!("--path={dir}/"))
            .arg(format!("--tmp_path={dir}/tmp/"))
            .arg(format!("--user_files_path={dir}/uf/"))
            .arg(format!("--format_schema_path={dir}/fs/"))
            .arg(format!("--http_port={}", self.http_port))
            .arg(format!("--tcp_port={}", self.tcp_port))
            .arg(format!("--interserver_http_port={}", self.interserver_port))
            .arg(format!("--logger.log={dir}/server.log"))
            .arg(format!("--logger.errorlog={dir}/error.log"))
            .arg("--timezone=UTC")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("clickhouse-server (apt-get install clickhouse-server)");
        self.child = Some(child);
        wait_until(Duration::from_secs(30), "ClickHouse to answer", || {
            self.try_query("SELECT 1").is_ok()
        });
    }

    fn run_current(&mut self) {
        let python = current_python();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/current_clickhouse.py");
        let port_file = self.dir.join("port");
        let _ = std::fs::remove_file(&port_file);
        let child = Command::new(&python)
            .arg(&script)
            .arg(&self.dir)
            .arg(&port_file)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.join("error.log")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", python.display()));
        self.child = Some(child);
        wait_until(Duration::from_secs(60), "current ClickHouse (chdb) to listen", || {
            std::fs::read_to_string(&port_file).is_ok_and(|p| p.parse::<u16>().is_ok())
        });
        self.http_port = std::fs::read_to_string(&port_file).unwrap().parse().unwrap();
    }

    /// Stops the server at once (SIGKILL).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    pub fn try_query(&self, sql: &str) -> Result<String, String> {
        self.try_query_in("default", sql)
    }

    /// `sql` with `database` as the current database (as Grafana's datasource gives one).
    pub fn try_query_in(&self, database: &str, sql: &str) -> Result<String, String> {
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.http_port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let request = format!(
            "POST /?database={database} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{sql}",
            sql.len()
        );
        stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
        let mut response = String::new();
        stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
        let (head, body) = response.split_once("\r\n\r\n").ok_or("no HTTP response")?;
        if head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200") {
            Ok(body.to_owned())
        } else {
            Err(format!("{sql}: {body}"))
        }
    }

    /// The result of `sql` (TabSeparated).
    pub fn query(&self, sql: &str) -> String {
        self.try_query(sql).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The rows of `sql`, each split into its fields.
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        self.query(sql).lines().map(|l| l.split('\t').map(str::to_owned).collect()).collect()
    }

    /// A single number.
    pub fn count(&self, sql: &str) -> u64 {
        self.query(sql).trim().parse().unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl Drop for ClickHouse {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The python of `scripts/current-clickhouse`'s virtualenv, which has chdb-core.
fn current_python() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/current-clickhouse/venv/bin/python");
    let python = std::env::var_os("CURRENT_CLICKHOUSE_PYTHON").map_or(venv, PathBuf::from);
    assert!(
        python.exists(),
        "{} missing: current ClickHouse (chdb-core from PyPI) is not installed; run \
         scripts/current-clickhouse (scripts/test does)",
        python.display()
    );
    python
}

/// A running `gnss-streamer`, its stderr in a file; killed on drop.
pub struct Streamer {
    child: Child,
    log: PathBuf,
    started: Instant,
}

/// Settings of a streamer under test.
pub struct Run<'a> {
    pub bootstrap: &'a str,
    pub topic: &'a str,
    pub group: &'a str,
    pub clickhouse: &'a ClickHouse,
    pub database: &'a str,
    /// More flags.
    pub args: &'a [&'a str],
}

impl Streamer {
    /// A streamer of `run`'s settings, logging at `info`.
    pub fn start(run: &Run<'_>) -> Self {
        Self::start_with_env(run, &[])
    }

    /// A streamer of `run`'s settings with these environment variables (`RUST_LOG` among them).
    pub fn start_with_env(run: &Run<'_>, env: &[(&str, &str)]) -> Self {
        let url = run.clickhouse.url();
        let sql = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sql");
        let mut args = vec![
            "--kafka-brokers",
            run.bootstrap,
            "--kafka-topic",
            run.topic,
            "--kafka-group",
            run.group,
            "--clickhouse-url",
            &url,
            "--clickhouse-database",
            run.database,
            "--sql-dir",
            sql.to_str().unwrap(),
            // A group member that is gone (killed, or left the mock broker, which then waits a
            // session before the group takes members again) holds its partitions for a session:
            // the shortest a broker allows.
            "-X",
            "session.timeout.ms=6000",
            "-X",
            "heartbeat.interval.ms=1000",
        ];
        if !run.args.contains(&"--metrics-listen") {
            args.extend(["--metrics-listen", "off"]);
        }
        args.extend(run.args);
        Self::spawn(&args, env)
    }

    /// The streamer with exactly these flags, its environment cleared but for `RUST_LOG`
    /// (`info`) and `env`, which may set it.
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Self {
        let log = std::env::temp_dir().join(format!(
            "gnss-streamer-{}-{}.log",
            std::process::id(),
            free_port()
        ));
        let child = Command::new(env!("CARGO_BIN_EXE_gnss-streamer"))
            .env_clear()
            .env("RUST_LOG", "info,librdkafka=warn")
            .envs(env.iter().copied())
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Streamer { child, log, started: Instant::now() }
    }

    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the process at once, as a crash would.
    pub fn kill9(mut self) {
        kill(self.pid(), Signal::SIGKILL).unwrap();
        self.child.wait().unwrap();
    }

    /// Asks the process to stop (SIGTERM) and waits for it.
    pub fn stop(self) -> (ExitStatus, String) {
        kill(self.pid(), Signal::SIGTERM).unwrap();
        self.wait(Duration::from_secs(60))
    }

    /// Waits for the process to exit by itself.
    pub fn wait(mut self, timeout: Duration) -> (ExitStatus, String) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, self.log());
            }
            assert!(Instant::now() < deadline, "the streamer did not exit:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Lets the process run up to `limit` since its start, then kills it: its exit code (`None`
    /// if it was killed), its log and how long it ran.
    pub fn exit_within(mut self, limit: Duration) -> (Option<i32>, String, Duration) {
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), self.log(), self.started.elapsed());
            }
            if self.started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return (None, self.log(), self.started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Streamer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The raw tables, in the order the streamer writes them (`frames` last).
pub fn raw_tables() -> Vec<&'static str> {
    gnss_streamer::tables::RawTables::schemas().into_iter().map(|(table, _)| table).collect()
}

/// The aggregate targets of `sql/aggregates/`.
pub fn aggregate_targets() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql/aggregates");
    gnss_streamer::aggregate::load(&dir).unwrap().into_iter().map(|a| a.target).collect()
}

/// Waits until `database.frames` holds `frames` rows, failing early if the streamer exits.
pub fn wait_for_frames(
    ch: &ClickHouse,
    database: &str,
    frames: u64,
    streamer: &mut Streamer,
    timeout: Duration,
) {
    let sql = format!("SELECT count() FROM {database}.frames");
    let deadline = Instant::now() + timeout;
    loop {
        assert!(streamer.is_running(), "the streamer exited:\n{}", streamer.log());
        let held = ch.try_query(&sql).ok().and_then(|n| n.trim().parse::<u64>().ok());
        if held == Some(frames) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {frames} frames in {database}, {held:?} there:\n{}",
            streamer.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every raw table's row count and an order-independent hash of its columns (all but
/// `ingest_ms` and `ingested`, when the streamer took the frame in and wrote the row).
pub fn raw_fingerprint(ch: &ClickHouse, database: &str) -> Vec<(String, String)> {
    fingerprint(ch, database, &raw_tables(), &["ingest_ms", "ingested"])
}

/// Each of `tables`' row count and an order-independent hash of its columns but `skipped`.
pub fn fingerprint(
    ch: &ClickHouse,
    database: &str,
    tables: &[&str],
    skipped: &[&str],
) -> Vec<(String, String)> {
    let skipped: Vec<String> = skipped.iter().map(|c| format!("'{c}'")).collect();
    tables
        .iter()
        .map(|table| {
            let columns = ch.query(&format!(
                "SELECT arrayStringConcat(groupArray(name), ', ') FROM system.columns \
                 WHERE database = '{database}' AND table = '{table}' \
                 AND name NOT IN ({}) AND default_kind != 'MATERIALIZED'",
                skipped.join(", ")
            ));
            let sql = format!(
                "SELECT count(), sum(cityHash64({})) FROM {database}.{table}",
                columns.trim()
            );
            (table.to_string(), ch.query(&sql).trim().to_owned())
        })
        .collect()
}

/// An aggregate target's merged rows, sorted: its key columns, then each state merged (`sumMerge`,
/// `minMerge`, ...), whatever batches the partial rows came in and when they were written
/// (`ingested`).
pub fn merged_rows(ch: &ClickHouse, database: &str, target: &str) -> Vec<expected::Row> {
    let columns = ch.rows(&format!(
        "SELECT name, type FROM system.columns WHERE database = '{database}' AND table = '{target}' \
         AND name != 'ingested'"
    ));
    let (keys, states): (Vec<_>, Vec<_>) =
        columns.iter().partition(|c| !c[1].starts_with("AggregateFunction"));
    let keys: Vec<&str> = keys.iter().map(|c| c[0].as_str()).collect();
    let merged: Vec<String> = states
        .iter()
        .map(|c| {
            let function = c[1].trim_start_matches("AggregateFunction(").split(',').next().unwrap();
            format!("{function}Merge({})", c[0])
        })
        .collect();
    let sql = format!(
        "SELECT {keys}, {merged} FROM {database}.{target} GROUP BY {keys}",
        keys = keys.join(", "),
        merged = merged.join(", ")
    );
    let types = "s".repeat(keys.len()) + &"d".repeat(merged.len());
    expected::sorted(expected::parse(ch.rows(&sql), &types))
}

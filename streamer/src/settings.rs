//! The streamer's settings: each declared once below, as a flag, an environment variable and a
//! key of the TOML file (`--kafka-group`, `KAFKA_GROUP`, `kafka.group`; see
//! [`gnss_common::settings`]), with the Kafka and telemetry settings the reader shares; and the
//! ClickHouse settings `gnss-report` shares.

use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use gnss_common::kafka::KafkaArgs;
use gnss_common::settings::{self, LoadError, Settings, SettingsError, duration};
use gnss_common::telemetry::TelemetryArgs;

use crate::retention::{Keep, Retention};
use crate::sink::{Cluster, Connection};

/// Streaming job: NovAtel frames from Kafka, decoded into Arrow record batches, aggregated with
/// DataFusion SQL over event-time windows, and written to ClickHouse, each row exactly once.
///
/// Settings come from flags, environment variables and a TOML file (--config), in that order of
/// precedence. Exit status: 0 after a clean stop, 1 on a runtime failure, 2 on a usage or
/// configuration error.
#[derive(Debug, Parser)]
#[command(name = "gnss-streamer", version, about, long_about)]
pub struct Args {
    /// TOML config file with any of the settings below (`clickhouse.url = ...`).
    #[arg(long, env = "STREAMER_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Consumer group: streamers in one group share the partitions; each group gets every frame
    /// (use one group per ClickHouse database).
    #[arg(long, env = "KAFKA_GROUP", default_value = "gnss-streamer", value_parser = group)]
    pub kafka_group: String,

    /// Where a partition starts when ClickHouse holds nothing of it yet: `earliest`, `latest`, or
    /// an RFC 3339 time (the first frame produced at or after it).
    #[arg(long, env = "KAFKA_START", default_value = "earliest", value_parser = start)]
    pub kafka_start: Start,

    #[command(flatten)]
    pub clickhouse: ClickHouseArgs,

    /// ClickHouse cluster mode: the name of the cluster in the servers' `remote_servers`. Rows go
    /// to replicated tables in `<database>_local` on the nodes of --clickhouse-shards (a
    /// partition's rows to shard `partition % shards`); `<database>` holds `Distributed` tables
    /// of the same names for reading. Unset: one server (--clickhouse-url), plain tables;
    /// set, --clickhouse-url is not used by the streamer.
    #[arg(long, env = "CLICKHOUSE_CLUSTER", requires = "clickhouse_shards", value_parser = database)]
    pub clickhouse_cluster: Option<String>,

    /// The cluster's nodes as HTTP URLs, shards in `remote_servers` order separated by `;`,
    /// replicas of a shard by `,`: `http://a:8123,http://b:8123;http://c:8123,http://d:8123`.
    #[arg(long, env = "CLICKHOUSE_SHARDS", requires = "clickhouse_cluster", value_parser = shards)]
    pub clickhouse_shards: Option<Shards>,

    /// Directory with `clickhouse/` (versioned DDL) and `aggregates/` (DataFusion SQL).
    #[arg(long, env = "SQL_DIR", default_value = "sql")]
    pub sql_dir: PathBuf,

    /// A micro-batch is written when it holds this many records...
    #[arg(long, env = "BATCH_MAX_FRAMES", default_value = "100000", value_parser = batch_frames)]
    pub batch_max_frames: usize,

    /// ...or when its first frame is this old: a bound on how late rows are.
    #[arg(long, env = "BATCH_MAX_AGE", default_value = "250ms", value_parser = duration)]
    pub batch_max_age: Duration,

    /// How long to wait at start for ClickHouse, a Kafka broker and the topic to answer before
    /// giving up (exit status 1).
    #[arg(long, env = "CONNECT_TIMEOUT", default_value = "60s", value_parser = duration)]
    pub connect_timeout: Duration,

    /// How long raw rows are kept, from when they are written: e.g. `30d`, `1year`, or `off`
    /// (forever). TTLs on current ClickHouse; expired partitions dropped on 18.16.
    #[arg(long, env = "RETENTION_RAW", default_value = "30d")]
    pub retention_raw: Keep,

    /// How long the aggregates' 1 s windows are kept.
    #[arg(long, env = "RETENTION_AGGREGATES_1S", default_value = "90d")]
    pub retention_aggregates_1s: Keep,

    /// How long the aggregates' 1 min windows are kept.
    #[arg(long, env = "RETENTION_AGGREGATES_1M", default_value = "730d")]
    pub retention_aggregates_1m: Keep,

    #[command(flatten)]
    pub telemetry: TelemetryArgs,

    /// Apply the ClickHouse DDL and exit.
    #[arg(long)]
    pub migrate_only: bool,

    /// Print every setting and where its value came from, as a config file, then exit.
    #[arg(long)]
    pub print_config: bool,
}

impl Args {
    /// The ClickHouse cluster rows go to; `None`: the one server of --clickhouse-url.
    pub fn cluster(&self) -> Option<Cluster> {
        match (&self.clickhouse_cluster, &self.clickhouse_shards) {
            (Some(name), Some(shards)) => {
                Some(Cluster { name: name.clone(), shards: shards.0.clone() })
            }
            _ => None,
        }
    }

    pub fn retention(&self) -> Retention {
        Retention {
            raw: self.retention_raw,
            seconds: self.retention_aggregates_1s,
            minutes: self.retention_aggregates_1m,
        }
    }
}

/// How to reach ClickHouse: the streamer's and `gnss-report`'s settings.
#[derive(clap::Args, Clone, Debug)]
pub struct ClickHouseArgs {
    /// ClickHouse HTTP URL.
    #[arg(
        long,
        env = "CLICKHOUSE_URL",
        default_value = "http://localhost:8123",
        value_parser = clickhouse_url
    )]
    pub clickhouse_url: String,

    /// Database of the tables (the streamer creates it if missing).
    #[arg(long, env = "CLICKHOUSE_DATABASE", default_value = "gnss", value_parser = database)]
    pub clickhouse_database: String,

    /// ClickHouse user.
    #[arg(long, env = "CLICKHOUSE_USER", default_value = "default")]
    pub clickhouse_user: String,

    /// ClickHouse password; prefer CLICKHOUSE_PASSWORD_FILE over putting it on the command line.
    #[arg(long, env = "CLICKHOUSE_PASSWORD", hide_env_values = true)]
    pub clickhouse_password: Option<String>,

    /// File holding the ClickHouse password (a Docker or Kubernetes secret), read when no
    /// password is given.
    #[arg(long, env = "CLICKHOUSE_PASSWORD_FILE")]
    pub clickhouse_password_file: Option<PathBuf>,
}

impl ClickHouseArgs {
    /// The password given, or read from the password file.
    pub fn password(&self) -> Result<Option<String>, SettingsError> {
        match (&self.clickhouse_password, &self.clickhouse_password_file) {
            (Some(password), _) => Ok(Some(password.clone())),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map(|text| Some(text.trim_end_matches(['\n', '\r']).to_owned()))
                .map_err(|source| SettingsError::Read { path: path.clone(), source }),
            (None, None) => Ok(None),
        }
    }

    /// The connection, the password read.
    pub fn connection(&self) -> Result<Connection, SettingsError> {
        Ok(Connection {
            url: self.clickhouse_url.clone(),
            database: self.clickhouse_database.clone(),
            user: self.clickhouse_user.clone(),
            password: self.password()?,
        })
    }
}

/// The streamer's `/metrics` port, next to the reader's 9187.
const METRICS_LISTEN: &str = "127.0.0.1:9188";

/// The `frames` rows of one batch stay under ClickHouse's `max_insert_block_size` (1,048,576), so
/// that its insert is a single block, written atomically (other tables are bounded by the job).
pub const MAX_BATCH_FRAMES: usize = 1_000_000;

/// Where a partition starts when ClickHouse has nothing of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Earliest,
    Latest,
    /// Unix milliseconds.
    Time(i64),
}

/// The settings of a run: flags, environment, file, defaults; a password read from its file is
/// shown (masked) as coming from where the file was named.
pub fn load(argv: Vec<std::ffi::OsString>) -> Result<Settings<Args>, LoadError> {
    let command =
        Args::command().mut_arg("metrics_listen", |arg| arg.default_value(METRICS_LISTEN));
    let mut settings = Settings::<Args>::load(command, argv)?;
    let clickhouse = &mut settings.args.clickhouse;
    if clickhouse.clickhouse_password.is_none() && clickhouse.clickhouse_password_file.is_some() {
        clickhouse.clickhouse_password = clickhouse.password()?;
        let origin = settings.origin("clickhouse_password_file");
        settings.set_origin("clickhouse_password", origin);
    }
    Ok(settings)
}

fn group(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    Ok(text.to_owned())
}

fn start(text: &str) -> Result<Start, String> {
    match text {
        "earliest" => Ok(Start::Earliest),
        "latest" => Ok(Start::Latest),
        time => humantime::parse_rfc3339_weak(time)
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| Start::Time(d.as_millis() as i64))
            .ok_or_else(|| "use earliest, latest or a time such as 2024-06-01T00:00:00Z".into()),
    }
}

fn clickhouse_url(text: &str) -> Result<String, String> {
    if settings::with_credentials_hidden(text).is_some() {
        return Err("credentials in the URL are not used, and would be shown wherever the URL \
                    is: give the user with --clickhouse-user (CLICKHOUSE_USER) and the password \
                    with CLICKHOUSE_PASSWORD_FILE"
            .into());
    }
    if !text.starts_with("http://") {
        return Err("expected http://host:8123 (for TLS, put a terminating proxy such as \
                    chproxy in front)"
            .into());
    }
    Ok(text.to_owned())
}

/// `--clickhouse-shards`: per shard, its replicas' URLs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shards(pub Vec<Vec<String>>);

fn shards(text: &str) -> Result<Shards, String> {
    let shards = text
        .split(';')
        .map(|shard| {
            let replicas: Vec<String> = shard
                .split(',')
                .map(str::trim)
                .filter(|url| !url.is_empty())
                .map(clickhouse_url)
                .collect::<Result<_, _>>()?;
            if replicas.is_empty() {
                return Err("a shard without replicas: expected http://a:8123,http://b:8123;http://c:8123,http://d:8123".to_owned());
            }
            Ok(replicas)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = shards.iter().flatten().find(|url| !seen.insert(*url)) {
        return Err(format!("{twice} is named twice: a node is one replica of one shard"));
    }
    Ok(Shards(shards))
}

fn database(text: &str) -> Result<String, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err("use letters, digits and '_'".into());
    }
    Ok(text.to_owned())
}

fn batch_frames(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_BATCH_FRAMES).contains(&n) => Ok(n),
        _ => Err(format!("between 1 and {MAX_BATCH_FRAMES}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_args(args: &[&str]) -> Result<Settings<Args>, LoadError> {
        load(std::iter::once("gnss-streamer").chain(args.iter().copied()).map(Into::into).collect())
    }

    #[test]
    fn defaults_and_start_positions() {
        let s = load_args(&[]).unwrap().args;
        assert_eq!((s.kafka_group.as_str(), s.kafka_start), ("gnss-streamer", Start::Earliest));
        assert_eq!(s.clickhouse.clickhouse_database, "gnss");
        assert_eq!(s.telemetry.metrics_listen.0, Some("127.0.0.1:9188".parse().unwrap()));
        let s = load_args(&["--kafka-start", "2024-06-01T00:00:00Z"]).unwrap().args;
        assert_eq!(s.kafka_start, Start::Time(1_717_200_000_000));
        assert!(load_args(&["--kafka-start", "yesterday"]).is_err());
        assert!(load_args(&["--batch-max-frames", "2000000"]).is_err());
        assert!(load_args(&["--clickhouse-url", "localhost:8123"]).is_err());
        assert_eq!(s.connect_timeout, Duration::from_secs(60));
        let s = load_args(&["--connect-timeout", "5s"]).unwrap().args;
        assert_eq!(s.connect_timeout, Duration::from_secs(5));
        assert!(load_args(&["--connect-timeout", "soon"]).is_err());
    }

    #[test]
    fn cluster_mode_needs_a_name_and_the_shards() {
        assert_eq!(load_args(&[]).unwrap().args.cluster(), None);
        let nodes = "http://a:8123, http://b:8123;http://c:8123,http://d:8123";
        let s = load_args(&["--clickhouse-cluster", "gnss", "--clickhouse-shards", nodes]);
        let cluster = s.unwrap().args.cluster();
        let shards = vec![
            vec!["http://a:8123".to_owned(), "http://b:8123".to_owned()],
            vec!["http://c:8123".to_owned(), "http://d:8123".to_owned()],
        ];
        assert_eq!(cluster, Some(Cluster { name: "gnss".into(), shards }));
        assert!(load_args(&["--clickhouse-cluster", "gnss"]).is_err(), "shards missing");
        assert!(load_args(&["--clickhouse-shards", nodes]).is_err(), "cluster name missing");
        let bad = |shards: &str| {
            load_args(&["--clickhouse-cluster", "gnss", "--clickhouse-shards", shards])
                .err()
                .unwrap()
                .to_string()
        };
        assert!(bad("http://a:8123;").contains("without replicas"));
        assert!(bad("http://a:8123;http://a:8123").contains("named twice"));
        assert!(bad("a:8123").contains("expected http://host:8123"));
    }

    #[test]
    fn secrets_are_not_echoed_in_errors() {
        let error = |args: &[&str]| load_args(args).err().unwrap().to_string();
        let e = error(&["--clickhouse-url", "http://u:hunter2@ch:8123/?x=1"]);
        assert!(e.contains("http://****@ch:8123/?x=1") && !e.contains("hunter2"), "{e}");
        let e = error(&["--clickhouse-url", "https://u:hunter2@ch"]);
        assert!(!e.contains("hunter2"), "{e}");
        assert_eq!(settings::with_credentials_hidden("http://ch:8123/a@b"), None);
        let e = error(&["-X", "sasl.password:hunter2"]);
        assert!(e.contains("kafka.properties") && !e.contains("hunter2"), "{e}");
    }
}

//! The streamer's settings: flags, environment, TOML file, defaults (in that order), with the
//! reader's resolver, so a setting is spelled the same way everywhere (`--kafka-brokers`,
//! `KAFKA_BROKERS`, `kafka.brokers`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use novatel_reader::config::{
    ConfigError, LogFile, LogFormat, MetricsFile, Origin, Resolver, Setting, invalid, is_secret,
    parse_duration,
};
use serde::Deserialize;

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

    /// Kafka bootstrap servers, comma-separated host:port (KAFKA_HOST is read too).
    /// [default: localhost:9092]
    #[arg(long, env = "KAFKA_BROKERS")]
    pub kafka_brokers: Option<String>,

    /// Topic of frames to consume. [default: gnss.frames]
    #[arg(long, env = "KAFKA_TOPIC")]
    pub kafka_topic: Option<String>,

    /// Consumer group: streamers in one group share the partitions; each group gets every frame
    /// (use one group per ClickHouse database). [default: gnss-streamer]
    #[arg(long, env = "KAFKA_GROUP")]
    pub kafka_group: Option<String>,

    /// Where a partition starts when ClickHouse holds nothing of it yet: `earliest`, `latest`, or
    /// an RFC 3339 time (the first frame produced at or after it). [default: earliest]
    #[arg(long, env = "KAFKA_START")]
    pub kafka_start: Option<String>,

    /// Any librdkafka property, as `kcat -X`: `-X security.protocol=SASL_SSL`; repeatable.
    #[arg(
        short = 'X',
        long = "kafka-property",
        env = "KAFKA_PROPERTIES",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub kafka_properties: Vec<String>,

    /// ClickHouse HTTP URL. [default: http://localhost:8123]
    #[arg(long, env = "CLICKHOUSE_URL")]
    pub clickhouse_url: Option<String>,

    /// Database for the tables; created if missing. [default: gnss]
    #[arg(long, env = "CLICKHOUSE_DATABASE")]
    pub clickhouse_database: Option<String>,

    /// ClickHouse user. [default: default]
    #[arg(long, env = "CLICKHOUSE_USER")]
    pub clickhouse_user: Option<String>,

    /// ClickHouse password; prefer CLICKHOUSE_PASSWORD_FILE over putting it on the command line.
    #[arg(long, env = "CLICKHOUSE_PASSWORD", hide_env_values = true)]
    pub clickhouse_password: Option<String>,

    /// File holding the ClickHouse password (a Docker or Kubernetes secret).
    #[arg(long, env = "CLICKHOUSE_PASSWORD_FILE")]
    pub clickhouse_password_file: Option<PathBuf>,

    /// Directory with `clickhouse/` (versioned DDL) and `aggregates/` (DataFusion SQL).
    /// [default: sql]
    #[arg(long, env = "SQL_DIR")]
    pub sql_dir: Option<PathBuf>,

    /// A micro-batch is written when it holds this many records... [default: 100000]
    #[arg(long, env = "BATCH_MAX_FRAMES")]
    pub batch_max_frames: Option<usize>,

    /// ...or when its first frame is this old: a bound on how late rows are. [default: 250ms]
    #[arg(long, env = "BATCH_MAX_AGE")]
    pub batch_max_age: Option<String>,

    /// How long to wait at start for ClickHouse, a Kafka broker and the topic to answer before
    /// giving up (exit status 1). [default: 60s]
    #[arg(long, env = "CONNECT_TIMEOUT")]
    pub connect_timeout: Option<String>,

    /// Address of the Prometheus /metrics endpoint, or `off`. [default: 127.0.0.1:9188]
    #[arg(long, env = "METRICS_LISTEN")]
    pub metrics_listen: Option<String>,

    /// Log lines on stderr as `human` text or `json`; RUST_LOG sets the level. [default: human]
    #[arg(long, env = "LOG_FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Apply the ClickHouse DDL and exit.
    #[arg(long)]
    pub migrate_only: bool,

    /// Print every setting and where its value came from, then exit.
    #[arg(long)]
    pub print_config: bool,
}

/// The TOML file: sections mirror the flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    #[serde(default)]
    pub kafka: KafkaFile,
    #[serde(default)]
    pub clickhouse: ClickHouseFile,
    #[serde(default)]
    pub sql: SqlFile,
    #[serde(default)]
    pub batch: BatchFile,
    #[serde(default)]
    pub connect: ConnectFile,
    #[serde(default)]
    pub metrics: MetricsFile,
    #[serde(default)]
    pub log: LogFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaFile {
    pub brokers: Option<String>,
    pub topic: Option<String>,
    pub group: Option<String>,
    pub start: Option<String>,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClickHouseFile {
    pub url: Option<String>,
    pub database: Option<String>,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlFile {
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchFile {
    pub max_frames: Option<usize>,
    pub max_age: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectFile {
    pub timeout: Option<String>,
}

/// Where a partition starts when ClickHouse has nothing of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Earliest,
    Latest,
    /// Unix milliseconds.
    Time(i64),
}

/// The resolved settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub kafka_brokers: Setting<String>,
    pub kafka_topic: Setting<String>,
    pub kafka_group: Setting<String>,
    pub kafka_start: Setting<Start>,
    pub kafka_properties: Vec<(String, Setting<String>)>,
    pub clickhouse_url: Setting<String>,
    pub clickhouse_database: Setting<String>,
    pub clickhouse_user: Setting<String>,
    pub clickhouse_password: Setting<Option<String>>,
    pub sql_dir: Setting<PathBuf>,
    pub batch_max_frames: Setting<usize>,
    pub batch_max_age: Setting<Duration>,
    pub connect_timeout: Setting<Duration>,
    pub metrics_listen: Setting<Option<SocketAddr>>,
    pub log_format: Setting<LogFormat>,
    pub migrate_only: bool,
    pub print_config: bool,
}

const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9188";
/// The `frames` rows of one batch stay under ClickHouse's `max_insert_block_size` (1,048,576), so
/// that its insert is a single block, written atomically (other tables are bounded by the job).
pub const MAX_BATCH_FRAMES: usize = 1_000_000;

impl Settings {
    pub fn resolve(args: &Args, r: &Resolver<'_, File>) -> Result<Self, ConfigError> {
        let file = &r.file;
        let kafka_group = r.get(
            "kafka_group",
            args.kafka_group.clone(),
            file.kafka.group.clone(),
            "gnss-streamer".into(),
        );
        if kafka_group.value.trim().is_empty() {
            return Err(invalid("kafka.group", &kafka_group.value, "must not be empty"));
        }
        let start = r.get(
            "kafka_start",
            args.kafka_start.clone(),
            file.kafka.start.clone(),
            "earliest".into(),
        );
        let kafka_start = Setting { value: parse_start(&start.value)?, origin: start.origin };
        let clickhouse_url = r.get(
            "clickhouse_url",
            args.clickhouse_url.clone(),
            file.clickhouse.url.clone(),
            "http://localhost:8123".into(),
        );
        if let Some(shown) = with_credentials_hidden(&clickhouse_url.value) {
            let reason = "credentials in the URL are not used, and would be shown wherever the \
                          URL is: give the user with --clickhouse-user (CLICKHOUSE_USER) and the \
                          password with CLICKHOUSE_PASSWORD_FILE";
            return Err(invalid("clickhouse.url", &shown, reason));
        }
        if !clickhouse_url.value.starts_with("http://") {
            let reason = "expected http://host:8123 (for TLS, put a terminating proxy such as chproxy in front)";
            return Err(invalid("clickhouse.url", &clickhouse_url.value, reason));
        }
        let clickhouse_database = r.get(
            "clickhouse_database",
            args.clickhouse_database.clone(),
            file.clickhouse.database.clone(),
            "gnss".into(),
        );
        let valid_name =
            |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid_name(&clickhouse_database.value) {
            return Err(invalid(
                "clickhouse.database",
                &clickhouse_database.value,
                "use letters, digits and '_'",
            ));
        }
        let clickhouse_user = r.get(
            "clickhouse_user",
            args.clickhouse_user.clone(),
            file.clickhouse.user.clone(),
            "default".into(),
        );
        let password_file = r.get(
            "clickhouse_password_file",
            args.clickhouse_password_file.clone().map(Some),
            file.clickhouse.password_file.clone().map(Some),
            None,
        );
        let clickhouse_password = match (&args.clickhouse_password, &password_file.value) {
            (Some(password), _) => Setting {
                value: Some(password.clone()),
                origin: r.origin_of("clickhouse_password"),
            },
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.clone(), source })?;
                Setting {
                    value: Some(text.trim_end_matches(['\n', '\r']).to_owned()),
                    origin: password_file.origin.clone(),
                }
            }
            (None, None) => Setting { value: None, origin: Origin::Default },
        };
        let sql_dir =
            r.get("sql_dir", args.sql_dir.clone(), file.sql.dir.clone(), PathBuf::from("sql"));
        let batch_max_frames =
            r.get("batch_max_frames", args.batch_max_frames, file.batch.max_frames, 100_000);
        if !(1..=MAX_BATCH_FRAMES).contains(&batch_max_frames.value) {
            return Err(invalid(
                "batch.max_frames",
                &batch_max_frames.value.to_string(),
                &format!("between 1 and {MAX_BATCH_FRAMES}"),
            ));
        }
        let age = r.get(
            "batch_max_age",
            args.batch_max_age.clone(),
            file.batch.max_age.clone(),
            "250ms".into(),
        );
        let batch_max_age =
            Setting { value: parse_duration("batch.max_age", &age.value)?, origin: age.origin };
        let timeout = r.get(
            "connect_timeout",
            args.connect_timeout.clone(),
            file.connect.timeout.clone(),
            "60s".into(),
        );
        let connect_timeout = Setting {
            value: parse_duration("connect.timeout", &timeout.value)?,
            origin: timeout.origin,
        };
        let kafka_properties = r.kafka_properties("kafka_properties", &file.kafka.properties)?;
        Ok(Settings {
            kafka_brokers: r.kafka_brokers("kafka_brokers", file.kafka.brokers.clone())?,
            kafka_topic: r.kafka_topic("kafka_topic", file.kafka.topic.clone())?,
            kafka_group,
            kafka_start,
            kafka_properties,
            clickhouse_url,
            clickhouse_database,
            clickhouse_user,
            clickhouse_password,
            sql_dir,
            batch_max_frames,
            batch_max_age,
            connect_timeout,
            metrics_listen: r.metrics_listen(
                "metrics_listen",
                file.metrics.listen.clone(),
                DEFAULT_METRICS_LISTEN,
            )?,
            log_format: r.get("log_format", args.log_format, file.log.format, LogFormat::Human),
            migrate_only: args.migrate_only,
            print_config: args.print_config,
        })
    }

    /// `key = value  # origin` lines for `--print-config`, secrets masked.
    pub fn describe(&self) -> Vec<(String, String, Origin)> {
        let mut out = Vec::new();
        let mut push = |key: &str, value: String, origin: &Origin| {
            out.push((key.to_owned(), value, origin.clone()))
        };
        push(
            "kafka.brokers",
            format!("{:?}", self.kafka_brokers.value),
            &self.kafka_brokers.origin,
        );
        push("kafka.topic", format!("{:?}", self.kafka_topic.value), &self.kafka_topic.origin);
        push("kafka.group", format!("{:?}", self.kafka_group.value), &self.kafka_group.origin);
        push("kafka.start", format!("{:?}", self.kafka_start.value), &self.kafka_start.origin);
        for (key, setting) in &self.kafka_properties {
            let shown =
                if is_secret(key) { "\"****\"".to_owned() } else { format!("{:?}", setting.value) };
            push(&format!("kafka.properties.{key}"), shown, &setting.origin);
        }
        push(
            "clickhouse.url",
            format!("{:?}", self.clickhouse_url.value),
            &self.clickhouse_url.origin,
        );
        push(
            "clickhouse.database",
            format!("{:?}", self.clickhouse_database.value),
            &self.clickhouse_database.origin,
        );
        push(
            "clickhouse.user",
            format!("{:?}", self.clickhouse_user.value),
            &self.clickhouse_user.origin,
        );
        let password = if self.clickhouse_password.value.is_some() { "\"****\"" } else { "none" };
        push("clickhouse.password", password.to_owned(), &self.clickhouse_password.origin);
        push(
            "sql.dir",
            format!("{:?}", self.sql_dir.value.display().to_string()),
            &self.sql_dir.origin,
        );
        push(
            "batch.max_frames",
            self.batch_max_frames.value.to_string(),
            &self.batch_max_frames.origin,
        );
        push(
            "batch.max_age",
            format!("{:?}", self.batch_max_age.value),
            &self.batch_max_age.origin,
        );
        push(
            "connect.timeout",
            format!("{:?}", self.connect_timeout.value),
            &self.connect_timeout.origin,
        );
        let listen = self.metrics_listen.value.map_or("off".to_owned(), |a| a.to_string());
        push("metrics.listen", format!("{listen:?}"), &self.metrics_listen.origin);
        push("log.format", format!("{:?}", self.log_format.value), &self.log_format.origin);
        out
    }
}

/// `url` with its user and password replaced by `****`, if it has any (`http://u:p@host`).
fn with_credentials_hidden(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let at = authority.rfind('@')?;
    let scheme = if scheme.is_empty() { String::new() } else { format!("{scheme}://") };
    Some(format!("{scheme}****@{}", &rest[at + 1..]))
}

fn parse_start(text: &str) -> Result<Start, ConfigError> {
    match text {
        "earliest" => Ok(Start::Earliest),
        "latest" => Ok(Start::Latest),
        time => humantime::parse_rfc3339_weak(time)
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| Start::Time(d.as_millis() as i64))
            .ok_or_else(|| {
                invalid(
                    "kafka.start",
                    time,
                    "use earliest, latest or a time such as 2024-06-01T00:00:00Z",
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;

    fn resolve(args: &[&str]) -> Result<Settings, ConfigError> {
        let command = Args::command();
        let matches = command.clone().try_get_matches_from(args).unwrap();
        let parsed = Args::from_arg_matches(&matches).unwrap();
        let resolver = Resolver::<File>::new(&matches, &command, None)?;
        Settings::resolve(&parsed, &resolver)
    }

    #[test]
    fn defaults_and_start_positions() {
        let s = resolve(&["gnss-streamer"]).unwrap();
        assert_eq!(
            (s.kafka_group.value.as_str(), s.kafka_start.value),
            ("gnss-streamer", Start::Earliest)
        );
        assert_eq!(s.clickhouse_database.value, "gnss");
        let s = resolve(&["gnss-streamer", "--kafka-start", "2024-06-01T00:00:00Z"]).unwrap();
        assert_eq!(s.kafka_start.value, Start::Time(1_717_200_000_000));
        assert!(resolve(&["gnss-streamer", "--kafka-start", "yesterday"]).is_err());
        assert!(resolve(&["gnss-streamer", "--batch-max-frames", "2000000"]).is_err());
        assert!(resolve(&["gnss-streamer", "--clickhouse-url", "localhost:8123"]).is_err());
        assert_eq!(s.connect_timeout.value, Duration::from_secs(60));
        let s = resolve(&["gnss-streamer", "--connect-timeout", "5s"]).unwrap();
        assert_eq!(s.connect_timeout.value, Duration::from_secs(5));
        assert!(resolve(&["gnss-streamer", "--connect-timeout", "soon"]).is_err());
    }

    #[test]
    fn secrets_are_not_echoed_in_errors() {
        let error = |args: &[&str]| resolve(args).err().unwrap().to_string();
        let e = error(&["gnss-streamer", "--clickhouse-url", "http://u:hunter2@ch:8123/?x=1"]);
        assert!(e.contains("http://****@ch:8123/?x=1") && !e.contains("hunter2"), "{e}");
        let e = error(&["gnss-streamer", "--clickhouse-url", "https://u:hunter2@ch"]);
        assert!(!e.contains("hunter2"), "{e}");
        assert_eq!(with_credentials_hidden("http://ch:8123/a@b"), None);
        let e = error(&["gnss-streamer", "-X", "sasl.password:hunter2"]);
        assert!(e.contains("kafka.properties") && !e.contains("hunter2"), "{e}");
    }
}

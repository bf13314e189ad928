//! Settings of the commands that produce to Kafka, from the command line, the environment, a TOML
//! file and defaults, in that order of precedence. Every setting has one spelling everywhere:
//! `--kafka-brokers`, `KAFKA_BROKERS`, `kafka.brokers`. Settings are resolved and validated before
//! any IO, and each remembers where its value came from (`--print-config`).

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, Command, ValueEnum};
use serde::Deserialize;
use thiserror::Error;

use crate::filter::LogFilter;

/// A configuration problem, found before anything is started.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid {key} `{value}`: {reason}")]
    Invalid { key: &'static str, value: String, reason: String },
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    CommandLine,
    Environment(String),
    ConfigFile,
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine => f.write_str("command line"),
            Origin::Environment(name) => write!(f, "environment {name}"),
            Origin::ConfigFile => f.write_str("config file"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

/// Kafka compression codecs librdkafka supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

/// How log lines are written to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

/// The TOML configuration file. Sections mirror the flags: `kafka.brokers` is `--kafka-brokers`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub receiver: ReceiverFile,
    #[serde(default)]
    pub kafka: KafkaFile,
    #[serde(default)]
    pub filter: FilterFile,
    #[serde(default)]
    pub metrics: MetricsFile,
    #[serde(default)]
    pub log: LogFile,
    #[serde(default)]
    pub serial: SerialFile,
    #[serde(default)]
    pub tcp: TcpFile,
    #[serde(default)]
    pub replay: ReplayFile,
    #[serde(default)]
    pub simulate: SimulateFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiverFile {
    pub id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaFile {
    pub brokers: Option<String>,
    pub topic: Option<String>,
    pub compression: Option<Compression>,
    pub buffer_bytes: Option<u64>,
    pub connect_timeout: Option<String>,
    pub flush_timeout: Option<String>,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterFile {
    pub include: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsFile {
    pub listen: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogFile {
    pub format: Option<LogFormat>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialFile {
    pub device: Option<PathBuf>,
    pub baud: Option<u32>,
    pub commands: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpFile {
    pub address: Option<String>,
    pub commands: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayFile {
    pub files: Option<Vec<PathBuf>>,
    pub speed: Option<f64>,
    #[serde(rename = "loop")]
    pub repeat: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateFile {
    pub output: Option<String>,
    pub duration: Option<String>,
    pub speed: Option<f64>,
    pub receivers: Option<u32>,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        load_file(path)
    }
}

/// Resolves settings of one command: its parsed command line (which clap filled from the
/// environment too), a config file of type `F`, and defaults.
pub struct Resolver<'a, F = ConfigFile> {
    matches: &'a ArgMatches,
    command: &'a Command,
    pub file: F,
    pub file_path: Option<PathBuf>,
}

impl<'a, F: serde::de::DeserializeOwned + Default> Resolver<'a, F> {
    pub fn new(
        matches: &'a ArgMatches,
        command: &'a Command,
        file_path: Option<PathBuf>,
    ) -> Result<Self, ConfigError> {
        let file = match &file_path {
            Some(path) => load_file(path)?,
            None => F::default(),
        };
        Ok(Resolver { matches, command, file, file_path })
    }

    /// The value of argument `id` (a field name of the clap arguments): given on the command line
    /// or in the environment, else in the file, else `default`.
    pub fn get<T>(&self, id: &str, given: Option<T>, in_file: Option<T>, default: T) -> Setting<T> {
        if let Some(value) = given {
            return Setting { value, origin: self.origin_of(id) };
        }
        match in_file {
            Some(value) => Setting { value, origin: Origin::ConfigFile },
            None => Setting { value: default, origin: Origin::Default },
        }
    }

    /// Where a value given for argument `id` came from: the command line or a variable.
    pub fn origin_of(&self, id: &str) -> Origin {
        match self.matches.value_source(id) {
            Some(ValueSource::EnvVariable) => {
                let name = self
                    .command
                    .get_arguments()
                    .find(|a| a.get_id() == id)
                    .and_then(|a| a.get_env())
                    .map_or_else(|| "?".to_owned(), |e| e.to_string_lossy().into_owned());
                Origin::Environment(name)
            }
            _ => Origin::CommandLine,
        }
    }

    /// Kafka bootstrap servers from argument `id`, the file, `KAFKA_HOST` or the default.
    pub fn kafka_brokers(
        &self,
        id: &str,
        in_file: Option<String>,
    ) -> Result<Setting<String>, ConfigError> {
        let given = self.matches.try_get_one::<String>(id).ok().flatten().cloned();
        let mut brokers = self.get(id, given, in_file, DEFAULT_BROKERS.to_owned());
        if brokers.origin == Origin::Default
            && let Ok(host) = std::env::var("KAFKA_HOST")
        {
            brokers = Setting { value: host, origin: Origin::Environment("KAFKA_HOST".into()) };
        }
        if brokers.value.split(',').any(|b| b.trim().is_empty()) {
            return Err(invalid(
                "kafka.brokers",
                &brokers.value,
                "expected host:port[,host:port...]",
            ));
        }
        Ok(brokers)
    }

    /// A Kafka topic name from argument `id`, the file or the default.
    pub fn kafka_topic(
        &self,
        id: &str,
        in_file: Option<String>,
    ) -> Result<Setting<String>, ConfigError> {
        let given = self.matches.try_get_one::<String>(id).ok().flatten().cloned();
        let topic = self.get(id, given, in_file, DEFAULT_TOPIC.to_owned());
        let valid = !topic.value.is_empty()
            && topic.value.len() <= 249
            && topic.value.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !valid {
            return Err(invalid(
                "kafka.topic",
                &topic.value,
                "use letters, digits, '.', '_' and '-'",
            ));
        }
        Ok(topic)
    }

    /// librdkafka properties: the file's table, then `key=value` pairs of argument `id` over it.
    pub fn kafka_properties(
        &self,
        id: &str,
        in_file: &BTreeMap<String, String>,
    ) -> Result<Vec<(String, Setting<String>)>, ConfigError> {
        let mut properties: BTreeMap<String, Setting<String>> = in_file
            .iter()
            .map(|(k, v)| (k.clone(), Setting { value: v.clone(), origin: Origin::ConfigFile }))
            .collect();
        for pair in self.matches.try_get_many::<String>(id).ok().flatten().into_iter().flatten() {
            // The item is not shown: it may be a secret, or the part of one after a comma.
            let (key, value) = pair.split_once('=').ok_or_else(|| {
                invalid(
                    "kafka.properties",
                    "(not shown: it may hold a secret)",
                    "expected key=value, e.g. -X acks=all; -X and KAFKA_PROPERTIES split at \
                     commas: put a value that holds one in the config file's [kafka.properties]",
                )
            })?;
            properties.insert(
                key.trim().to_owned(),
                Setting { value: value.to_owned(), origin: self.origin_of(id) },
            );
        }
        Ok(properties.into_iter().collect())
    }

    /// A `/metrics` address (or `off`) from argument `id`, the file or `default`.
    pub fn metrics_listen(
        &self,
        id: &str,
        in_file: Option<String>,
        default: &str,
    ) -> Result<Setting<Option<SocketAddr>>, ConfigError> {
        let given = self.matches.try_get_one::<String>(id).ok().flatten().cloned();
        let listen = self.get(id, given, in_file, default.to_owned());
        let value = match listen.value.as_str() {
            "off" | "" => None,
            address => Some(address.parse().map_err(|_| {
                invalid("metrics.listen", address, "expected ip:port such as 0.0.0.0:9187, or off")
            })?),
        };
        Ok(Setting { value, origin: listen.origin })
    }
}

fn load_file<F: serde::de::DeserializeOwned>(path: &Path) -> Result<F, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    toml::from_str(&text)
        .map_err(|e| ConfigError::Parse { path: path.to_owned(), message: e.to_string() })
}

/// Settings every producing command has.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct CommonArgs {
    /// TOML config file with any of the settings below (`kafka.brokers = ...`). Sending the
    /// process SIGHUP re-reads its [filter] section.
    #[arg(long, env = "READER_CONFIG")]
    pub config: Option<PathBuf>,

    /// Receiver id: the Kafka message key and `receiver` header, so that each receiver's logs stay
    /// in order in one partition. [default: the serial device, TCP address or file name]
    #[arg(long, env = "RECEIVER_ID")]
    pub receiver_id: Option<String>,

    /// Kafka bootstrap servers, comma-separated host:port (KAFKA_HOST is read too).
    /// [default: localhost:9092]
    #[arg(long, env = "KAFKA_BROKERS")]
    pub kafka_brokers: Option<String>,

    /// Topic the frames are produced to. [default: gnss.frames]
    #[arg(long, env = "KAFKA_TOPIC")]
    pub kafka_topic: Option<String>,

    /// Compression of produced batches. [default: lz4]
    #[arg(long, env = "KAFKA_COMPRESSION")]
    pub kafka_compression: Option<Compression>,

    /// Frames held for Kafka before the reader waits (recordings) or drops and counts them (live
    /// receivers), in bytes. [default: 33554432]
    #[arg(long, env = "KAFKA_BUFFER_BYTES")]
    pub kafka_buffer_bytes: Option<u64>,

    /// How long to wait for the brokers at start before giving up, e.g. `30s`. [default: 30s]
    #[arg(long, env = "KAFKA_CONNECT_TIMEOUT")]
    pub kafka_connect_timeout: Option<String>,

    /// How long to wait at shutdown for Kafka to acknowledge what is queued. [default: 30s]
    #[arg(long, env = "KAFKA_FLUSH_TIMEOUT")]
    pub kafka_flush_timeout: Option<String>,

    /// Any librdkafka property, as `kcat -X`: `-X security.protocol=SASL_SSL`. Repeat the flag
    /// for several; KAFKA_PROPERTIES takes a comma-separated list. Overrides the reader's own
    /// tuning.
    #[arg(
        short = 'X',
        long = "kafka-property",
        env = "KAFKA_PROPERTIES",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub kafka_properties: Vec<String>,

    /// Only produce these logs (comma-separated names, e.g. BESTPOS,RANGECMP). [default: all]
    #[arg(long, env = "FILTER_INCLUDE", value_delimiter = ',')]
    pub filter_include: Option<Vec<String>>,

    /// Never produce these logs (comma-separated names).
    #[arg(long, env = "FILTER_EXCLUDE", value_delimiter = ',')]
    pub filter_exclude: Option<Vec<String>>,

    /// Address of the Prometheus /metrics endpoint, or `off`. [default: 127.0.0.1:9187]
    #[arg(long, env = "METRICS_LISTEN")]
    pub metrics_listen: Option<String>,

    /// Log lines on stderr as `human` text or `json`; RUST_LOG sets the level. [default: human]
    #[arg(long, env = "LOG_FORMAT")]
    pub log_format: Option<LogFormat>,

    /// Print every setting and where its value came from, then exit.
    #[arg(long)]
    pub print_config: bool,
}

/// Kafka producer settings.
#[derive(Clone, Debug)]
pub struct KafkaSettings {
    pub brokers: Setting<String>,
    pub topic: Setting<String>,
    pub compression: Setting<Compression>,
    pub buffer_bytes: Setting<u64>,
    pub connect_timeout: Setting<Duration>,
    pub flush_timeout: Setting<Duration>,
    /// librdkafka properties from `-X` and `kafka.properties` (the command line wins per key).
    pub properties: Vec<(String, Setting<String>)>,
}

/// The resolved common settings.
#[derive(Clone, Debug)]
pub struct Common {
    pub config_file: Option<PathBuf>,
    pub receiver_id: Setting<Option<String>>,
    pub kafka: KafkaSettings,
    pub filter: Setting<LogFilter>,
    pub metrics_listen: Setting<Option<SocketAddr>>,
    pub log_format: Setting<LogFormat>,
    pub print_config: bool,
}

pub const DEFAULT_BROKERS: &str = "localhost:9092";
pub const DEFAULT_TOPIC: &str = "gnss.frames";
pub const DEFAULT_BUFFER_BYTES: u64 = 32 * 1024 * 1024;
pub const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:9187";
const MIN_BUFFER_BYTES: u64 = 1024 * 1024;

impl Common {
    pub fn resolve(args: &CommonArgs, r: &Resolver<'_>) -> Result<Self, ConfigError> {
        let file = &r.file;
        let brokers = r.kafka_brokers("kafka_brokers", file.kafka.brokers.clone())?;
        let topic = r.kafka_topic("kafka_topic", file.kafka.topic.clone())?;
        let compression = r.get(
            "kafka_compression",
            args.kafka_compression,
            file.kafka.compression,
            Compression::Lz4,
        );
        let buffer_bytes = r.get(
            "kafka_buffer_bytes",
            args.kafka_buffer_bytes,
            file.kafka.buffer_bytes,
            DEFAULT_BUFFER_BYTES,
        );
        if buffer_bytes.value < MIN_BUFFER_BYTES {
            let value = buffer_bytes.value.to_string();
            return Err(invalid("kafka.buffer_bytes", &value, "must be at least 1048576 (1 MiB)"));
        }
        let connect_timeout = r.get(
            "kafka_connect_timeout",
            args.kafka_connect_timeout.clone(),
            file.kafka.connect_timeout.clone(),
            "30s".to_owned(),
        );
        let connect_timeout = Setting {
            value: parse_duration("kafka.connect_timeout", &connect_timeout.value)?,
            origin: connect_timeout.origin,
        };
        let flush_timeout = r.get(
            "kafka_flush_timeout",
            args.kafka_flush_timeout.clone(),
            file.kafka.flush_timeout.clone(),
            "30s".to_owned(),
        );
        let flush_timeout = Setting {
            value: parse_duration("kafka.flush_timeout", &flush_timeout.value)?,
            origin: flush_timeout.origin,
        };
        let properties = r.kafka_properties("kafka_properties", &file.kafka.properties)?;
        let include = r.get(
            "filter_include",
            args.filter_include.clone(),
            file.filter.include.clone(),
            vec![],
        );
        let exclude = r.get(
            "filter_exclude",
            args.filter_exclude.clone(),
            file.filter.exclude.clone(),
            vec![],
        );
        let filter = filter_setting(include, exclude);
        let metrics_listen = r.metrics_listen(
            "metrics_listen",
            file.metrics.listen.clone(),
            DEFAULT_METRICS_LISTEN,
        )?;
        let log_format = r.get("log_format", args.log_format, file.log.format, LogFormat::Human);
        let receiver_id = match r.get(
            "receiver_id",
            args.receiver_id.clone(),
            file.receiver.id.clone(),
            String::new(),
        ) {
            Setting { origin: Origin::Default, .. } => {
                Setting { value: None, origin: Origin::Default }
            }
            Setting { value, origin } => Setting { value: Some(value), origin },
        };
        Ok(Common {
            config_file: r.file_path.clone(),
            receiver_id,
            kafka: KafkaSettings {
                brokers,
                topic,
                compression,
                buffer_bytes,
                connect_timeout,
                flush_timeout,
                properties,
            },
            filter,
            metrics_listen,
            log_format,
            print_config: args.print_config,
        })
    }

    /// The filter as it would be resolved with the config file as it is now, for SIGHUP: the
    /// command line and environment still win over the file.
    pub fn reload_filter(&self, args: &CommonArgs) -> Result<Setting<LogFilter>, ConfigError> {
        let file = match &self.config_file {
            Some(path) => ConfigFile::load(path)?,
            None => ConfigFile::default(),
        };
        let pick =
            |given: &Option<Vec<String>>, in_file: Option<Vec<String>>, origin: Origin| match given
            {
                Some(v) => Setting { value: v.clone(), origin },
                None => match in_file {
                    Some(v) => Setting { value: v, origin: Origin::ConfigFile },
                    None => Setting { value: vec![], origin: Origin::Default },
                },
            };
        let include = pick(&args.filter_include, file.filter.include, self.filter.origin.clone());
        let exclude = pick(&args.filter_exclude, file.filter.exclude, self.filter.origin.clone());
        Ok(filter_setting(include, exclude))
    }

    /// `key = value  # origin` lines for `--print-config`, secrets masked.
    pub fn describe(&self, out: &mut Vec<(String, String, Origin)>) {
        let mut push = |key: &str, value: String, origin: &Origin| {
            out.push((key.to_owned(), value, origin.clone()))
        };
        let file = self.config_file.as_ref().map_or("none".to_owned(), |p| p.display().to_string());
        push("config", file, &Origin::Default);
        push(
            "receiver.id",
            format!("{:?}", self.receiver_id.value.as_deref().unwrap_or("(from source)")),
            &self.receiver_id.origin,
        );
        push(
            "kafka.brokers",
            format!("{:?}", self.kafka.brokers.value),
            &self.kafka.brokers.origin,
        );
        push("kafka.topic", format!("{:?}", self.kafka.topic.value), &self.kafka.topic.origin);
        push(
            "kafka.compression",
            format!("{:?}", self.kafka.compression.value.as_str()),
            &self.kafka.compression.origin,
        );
        push(
            "kafka.buffer_bytes",
            self.kafka.buffer_bytes.value.to_string(),
            &self.kafka.buffer_bytes.origin,
        );
        push(
            "kafka.connect_timeout",
            format!("{:?}", self.kafka.connect_timeout.value),
            &self.kafka.connect_timeout.origin,
        );
        push(
            "kafka.flush_timeout",
            format!("{:?}", self.kafka.flush_timeout.value),
            &self.kafka.flush_timeout.origin,
        );
        for (key, setting) in &self.kafka.properties {
            let shown =
                if is_secret(key) { "\"****\"".to_owned() } else { format!("{:?}", setting.value) };
            push(&format!("kafka.properties.{key}"), shown, &setting.origin);
        }
        push("filter", format!("{:?}", self.filter.value.to_string()), &self.filter.origin);
        let listen = self.metrics_listen.value.map_or("off".to_owned(), |a| a.to_string());
        push("metrics.listen", format!("{listen:?}"), &self.metrics_listen.origin);
        push("log.format", format!("{:?}", self.log_format.value), &self.log_format.origin);
    }
}

/// Whether a librdkafka property holds a secret that must not be printed or logged.
pub fn is_secret(key: &str) -> bool {
    ["password", "secret", "jaas", "key.pem", "private"].iter().any(|s| key.contains(s))
}

fn filter_setting(
    include: Setting<Vec<String>>,
    exclude: Setting<Vec<String>>,
) -> Setting<LogFilter> {
    let origin = if include.origin != Origin::Default {
        include.origin.clone()
    } else {
        exclude.origin.clone()
    };
    let include = (include.origin != Origin::Default).then_some(include.value);
    Setting { value: LogFilter::new(include, exclude.value), origin }
}

pub fn invalid(key: &'static str, value: &str, reason: &str) -> ConfigError {
    ConfigError::Invalid { key, value: value.to_owned(), reason: reason.to_owned() }
}

pub fn parse_duration(key: &'static str, text: &str) -> Result<Duration, ConfigError> {
    humantime::parse_duration(text)
        .map_err(|e| invalid(key, text, &format!("{e}; write e.g. 30s or 500ms")))
}

/// Prints the `describe` lines aligned.
pub fn print_settings(
    lines: &[(String, String, Origin)],
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let width = lines.iter().map(|(k, v, _)| k.len() + v.len() + 3).max().unwrap_or(0);
    for (key, value, origin) in lines {
        let text = format!("{key} = {value}");
        writeln!(out, "{text:<width$}  # {origin}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches, Parser};

    use super::*;

    #[derive(Parser, Debug)]
    struct Test {
        #[command(flatten)]
        common: CommonArgs,
    }

    fn resolve(args: &[&str], file: Option<&str>) -> Result<Common, ConfigError> {
        let command = Test::command();
        let matches = command.clone().try_get_matches_from(args).unwrap();
        let parsed = Test::from_arg_matches(&matches).unwrap();
        let path = file.map(|text| {
            let path = std::env::temp_dir()
                .join(format!("reader-config-test-{}.toml", std::process::id()));
            std::fs::write(&path, text).unwrap();
            path
        });
        let resolver = Resolver::new(&matches, &command, path)?;
        Common::resolve(&parsed.common, &resolver)
    }

    #[test]
    fn command_line_beats_file_beats_default() {
        let file = "[kafka]\nbrokers = \"file:9092\"\ntopic = \"from.file\"\n[filter]\ninclude = [\"BESTPOS\"]\n";
        let c = resolve(&["test", "--kafka-brokers", "cli:9092"], Some(file)).unwrap();
        assert_eq!(
            c.kafka.brokers,
            Setting { value: "cli:9092".into(), origin: Origin::CommandLine }
        );
        assert_eq!(
            c.kafka.topic,
            Setting { value: "from.file".into(), origin: Origin::ConfigFile }
        );
        assert_eq!(
            c.kafka.compression,
            Setting { value: Compression::Lz4, origin: Origin::Default }
        );
        assert!(c.filter.value.allows("BESTPOS") && !c.filter.value.allows("RANGE"));
        assert_eq!(c.metrics_listen.value, Some("127.0.0.1:9187".parse().unwrap()));
    }

    #[test]
    fn properties_merge_per_key_and_secrets_are_masked() {
        let file = "[kafka.properties]\n\"sasl.password\" = \"hunter2\"\n\"acks\" = \"all\"\n";
        let c = resolve(&["test", "-X", "acks=1", "-X", "linger.ms=5"], Some(file)).unwrap();
        let props: BTreeMap<_, _> =
            c.kafka.properties.iter().map(|(k, s)| (k.as_str(), s.value.as_str())).collect();
        assert_eq!(
            props,
            BTreeMap::from([("acks", "1"), ("linger.ms", "5"), ("sasl.password", "hunter2")])
        );
        let mut lines = vec![];
        c.describe(&mut lines);
        let text =
            lines.iter().map(|(k, v, o)| format!("{k}={v} {o}")).collect::<Vec<_>>().join("\n");
        assert!(
            !text.contains("hunter2") && text.contains("kafka.properties.sasl.password=\"****\""),
            "{text}"
        );
    }

    #[test]
    fn errors_say_what_to_write() {
        let err = resolve(&["test", "--kafka-topic", "bad topic"], None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid kafka.topic `bad topic`: use letters, digits, '.', '_' and '-'"
        );
        let err = resolve(&["test", "--metrics-listen", "9187"], None).unwrap_err();
        assert!(err.to_string().contains("expected ip:port"), "{err}");
        let err = resolve(&["test"], Some("[kafka]\nbrokerz = \"x\"\n")).unwrap_err();
        assert!(err.to_string().contains("unknown field `brokerz`"), "{err}");
        assert!(resolve(&["test", "-X", "nonsense"], None).is_err());
    }
}

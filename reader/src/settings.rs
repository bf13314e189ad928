//! The settings every producing command has (`serial`, `tcp`, `replay`, `simulate`), declared once
//! as flags, environment variables and keys of the TOML file (see [`gnss_common::settings`]); each
//! command adds its own in its module.

use std::path::PathBuf;
use std::time::Duration;

use gnss_common::kafka::{FrameHeaders, KafkaArgs};
use gnss_common::settings::duration;
use gnss_common::telemetry::TelemetryArgs;

use crate::filter::LogFilter;

#[derive(clap::Args, Clone, Debug)]
pub struct ProducerArgs {
    /// TOML config file with any of the settings below (`kafka.brokers = ...`). Sending the
    /// process SIGHUP re-reads its [filter] section.
    #[arg(long, env = "READER_CONFIG")]
    pub config: Option<PathBuf>,

    /// Receiver id: the Kafka message key (and `receiver` header), so that each receiver's logs
    /// stay in order in one partition. [default: the serial device, TCP address or file name]
    #[arg(long, env = "RECEIVER_ID")]
    pub receiver_id: Option<String>,

    #[command(flatten)]
    pub kafka: KafkaArgs,

    /// Compression of produced batches.
    #[arg(long, env = "KAFKA_COMPRESSION", value_enum, default_value = "lz4")]
    pub kafka_compression: Compression,

    /// Headers of frame messages; reports of rejected bytes keep their own either way.
    #[arg(long, env = "KAFKA_HEADERS", value_enum, default_value = "lean")]
    pub kafka_headers: FrameHeaders,

    /// Frames held for Kafka before the reader waits (recordings) or drops and counts them (live
    /// receivers), in bytes.
    #[arg(long, env = "KAFKA_BUFFER_BYTES", default_value = "33554432", value_parser = buffer_bytes)]
    pub kafka_buffer_bytes: u64,

    /// How long to wait for the brokers at start before giving up, e.g. `30s`.
    #[arg(long, env = "KAFKA_CONNECT_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub kafka_connect_timeout: Duration,

    /// How long to wait at shutdown for Kafka to acknowledge what is queued.
    #[arg(long, env = "KAFKA_FLUSH_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub kafka_flush_timeout: Duration,

    /// Only produce these logs (comma-separated names, e.g. BESTPOS,RANGECMP). [default: all]
    #[arg(long, env = "FILTER_INCLUDE", value_delimiter = ',')]
    pub filter_include: Option<Vec<String>>,

    /// Never produce these logs (comma-separated names).
    #[arg(long, env = "FILTER_EXCLUDE", value_delimiter = ',')]
    pub filter_exclude: Vec<String>,

    #[command(flatten)]
    pub telemetry: TelemetryArgs,

    /// File holding the token that control calls of the HTTP API must present (`Authorization:
    /// Bearer <token>`). Without it, control calls are served on a loopback address only.
    #[arg(long, env = "HTTP_TOKEN_FILE")]
    pub http_token_file: Option<PathBuf>,

    /// Print every setting and where its value came from, as a config file, then exit.
    #[arg(long)]
    pub print_config: bool,
}

impl ProducerArgs {
    pub fn filter(&self) -> LogFilter {
        LogFilter::new(self.filter_include.clone(), self.filter_exclude.clone())
    }
}

/// Kafka compression codecs librdkafka supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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

/// The smallest buffer: a few large frames must fit.
const MIN_BUFFER_BYTES: u64 = 1024 * 1024;

fn buffer_bytes(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if n >= MIN_BUFFER_BYTES => Ok(n),
        _ => Err(format!("must be a number of bytes, at least {MIN_BUFFER_BYTES} (1 MiB)")),
    }
}

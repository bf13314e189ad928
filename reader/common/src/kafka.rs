//! Kafka as both binaries use it: the message contract of the frames topic, the settings they
//! share, and librdkafka's log lines.
//!
//! The contract, produced by the reader and consumed by the streamer:
//!
//! - value: the frame's bytes exactly as the receiver sent them (binary or text, checksum
//!   included), so any consumer can decode the source of truth again;
//! - key: the receiver id, so each receiver's frames stay in order in one partition;
//! - timestamp: the log's GPS time as UTC milliseconds (the time of production for NMEA);
//! - headers, all UTF-8 text, in one of two sets the reader is told with `--kafka-headers`
//!   ([`FrameHeaders`]):
//!   - `lean`, the default: `offset` only, the frame's byte offset in the reader's source (in the
//!     recording, or in the bytes read from a live port since the reader started); with the
//!     receiver and the GPS time it tells a frame produced again, by a reader restarted on a
//!     recording, from a new one;
//!   - `full`: `offset` and, as every reader before lean existed sent them, `log` (name, e.g.
//!     `BESTPOS`), `id` (message id, absent when unknown), `format` (`binary`, `short_binary`,
//!     `ascii`, `short_ascii`, `abbreviated`, `nmea`), `week` and `ms` (GPS week and
//!     milliseconds, absent for NMEA and for a frame whose header cannot be parsed, which also
//!     has no `log` nor `id`) and `receiver` (the key again). All of them are the key's or the
//!     value's, decoded: `full` is for consumers that read headers instead of decoding frames
//!     (to filter on `log` or `format` without a NovAtel decoder).
//!
//! The streamer needs only the key, the timestamp, the value and `offset`: it decodes every
//! frame, takes the receiver from the key (from a `receiver` header only for a message without a
//! key) and ignores the other headers, so every streamer, released before lean or after, reads
//! both sets the same.
//!
//! Bytes the reader rejected are reported on the same topic, so that data quality can be followed
//! downstream: an empty value, the receiver as key, as timestamp the GPS time of the last frame
//! before them in the same source that had one (the time of reading when none had), and headers
//! `kind` = `rejected`, `reason` (`bad_crc`, `oversize`, `unframed`, `truncated`), `bytes` (how
//! many) and `receiver`, whatever the set of frames' headers. Frame messages have no `kind`
//! header.

use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use tracing::{debug, error};

use crate::settings::{is_secret, key_value};

pub const HEADER_LOG: &str = "log";
pub const HEADER_ID: &str = "id";
pub const HEADER_FORMAT: &str = "format";
pub const HEADER_WEEK: &str = "week";
pub const HEADER_MS: &str = "ms";
pub const HEADER_RECEIVER: &str = "receiver";
pub const HEADER_OFFSET: &str = "offset";
pub const HEADER_KIND: &str = "kind";
pub const HEADER_REASON: &str = "reason";
pub const HEADER_BYTES: &str = "bytes";
/// `kind` of a report of rejected bytes.
pub const KIND_REJECTED: &str = "rejected";

/// The headers frame messages carry (the reader's `--kafka-headers`; see the contract above).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FrameHeaders {
    /// `offset` only: the streamer needs no more (the key, timestamp and value tell the rest).
    #[default]
    Lean,
    /// `log`, `id`, `format`, `week`, `ms`, `offset` and `receiver`, as readers sent before lean
    /// existed: for consumers that read headers instead of decoding frames.
    Full,
}

/// The Kafka settings of both binaries.
#[derive(clap::Args, Clone, Debug)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers, comma-separated host:port (KAFKA_HOST is read too).
    #[arg(long, env = "KAFKA_BROKERS", default_value = "localhost:9092", value_parser = brokers)]
    pub kafka_brokers: String,

    /// The topic of frames: the reader produces to it, the streamer consumes it.
    #[arg(long, env = "KAFKA_TOPIC", default_value = "gnss.frames", value_parser = topic)]
    pub kafka_topic: String,

    /// Any librdkafka property, as `kcat -X`: `-X security.protocol=SASL_SSL`. Repeat the flag
    /// for several; KAFKA_PROPERTIES takes a comma-separated list; in the config file, the table
    /// [kafka.properties]. Overrides the binary's own tuning.
    #[arg(
        short = 'X',
        long = "kafka-property",
        env = "KAFKA_PROPERTIES",
        value_name = "KEY=VALUE",
        value_delimiter = ',',
        hide_env_values = true,
        value_parser = key_value
    )]
    pub kafka_properties: Vec<String>,
}

fn brokers(text: &str) -> Result<String, String> {
    if text.split(',').any(|b| b.trim().is_empty()) {
        return Err("expected host:port[,host:port...]".into());
    }
    Ok(text.to_owned())
}

fn topic(text: &str) -> Result<String, String> {
    let valid = !text.is_empty()
        && text.len() <= 249
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !valid {
        return Err("use letters, digits, '.', '_' and '-'".into());
    }
    Ok(text.to_owned())
}

/// A librdkafka log line, for a client context's `log`: its gravest levels as errors, the rest
/// at debug level (librdkafka's errors also reach the context's `error`, which users see).
pub fn log_librdkafka(level: RDKafkaLogLevel, facility: &str, message: &str) {
    match level {
        RDKafkaLogLevel::Emerg | RDKafkaLogLevel::Alert | RDKafkaLogLevel::Critical => {
            error!(target: "librdkafka", facility, "{message}")
        }
        _ => debug!(target: "librdkafka", facility, "{message}"),
    }
}

/// Sets the user's librdkafka properties (the merged `kafka.properties`) over a client's own
/// tuning, each logged at debug level, secrets masked.
pub fn set_properties(config: &mut ClientConfig, properties: &[(String, String)]) {
    for (key, value) in properties {
        let shown = if is_secret(key) { "****" } else { value.as_str() };
        debug!(key, value = shown, "Kafka property");
        config.set(key, value);
    }
}

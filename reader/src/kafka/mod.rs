//! Producing frames to Kafka: the message contract and the producer.

pub mod producer;
pub mod record;

pub use producer::{Delivery, FrameProducer, ProducerError, WhenFull};
pub use record::FrameRecord;

use rdkafka::config::RDKafkaLogLevel;
use tracing::{debug, error};

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

//! The reader's Prometheus metrics, by name (`<namespace>_<name>_<unit>_total`); served on
//! `/metrics` (see [`gnss_common::telemetry`]), recorded through the `metrics` facade.

/// Frames read, by log name and format (logs without a known name count as `OTHER`).
pub const FRAMES: &str = "reader_frames_total";
/// Bytes read from the source.
pub const BYTES_READ: &str = "reader_bytes_read_total";
/// Bytes that were not part of any frame, by reason.
pub const REJECTED_BYTES: &str = "reader_rejected_bytes_total";
/// Frames whose header could not be parsed (produced anyway: their checksum is right).
pub const HEADER_ERRORS: &str = "reader_header_errors_total";
/// Frames the log filter left out.
pub const FRAMES_FILTERED: &str = "reader_frames_filtered_total";
/// Frames queued for Kafka.
pub const FRAMES_PRODUCED: &str = "reader_frames_produced_total";
/// Frames Kafka acknowledged, and their bytes.
pub const FRAMES_DELIVERED: &str = "reader_frames_delivered_total";
pub const DELIVERED_BYTES: &str = "reader_delivered_bytes_total";
/// Frames Kafka did not take after every retry.
pub const DELIVERY_ERRORS: &str = "reader_delivery_errors_total";
/// Frames from a live receiver dropped because the Kafka buffer was full.
pub const FRAMES_DROPPED: &str = "reader_frames_dropped_total";
/// Time from queuing a frame to Kafka's acknowledgement.
pub const PRODUCE_LATENCY: &str = "reader_produce_latency_seconds";
/// Frames queued and not yet acknowledged.
pub const QUEUE_DEPTH: &str = "reader_queue_depth";
/// 1 while the serial or TCP source is connected.
pub const SOURCE_CONNECTED: &str = "reader_source_connected";
/// Times the serial or TCP source was connected again after losing it.
pub const SOURCE_RECONNECTS: &str = "reader_source_reconnects_total";

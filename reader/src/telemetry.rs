//! Logs, metrics and their names.
//!
//! Metrics follow Prometheus conventions (`<namespace>_<name>_<unit>_total`) and are served on
//! `/metrics` by the binary; library code only records them through the `metrics` facade.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

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

/// Log lines on stderr, at the level RUST_LOG sets (default `info`).
pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // A second initialisation (tests) keeps the first.
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Histogram buckets for latencies in seconds, 1 ms to 30 s.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Serves `/metrics` on `listen`, with these buckets for the named histograms (the others are
/// summaries). Must run inside the tokio runtime.
pub fn serve_metrics(listen: SocketAddr, histograms: &[(&str, &[f64])]) -> Result<(), BuildError> {
    let mut builder = PrometheusBuilder::new().with_http_listener(listen);
    for (name, buckets) in histograms {
        builder = builder.set_buckets_for_metric(Matcher::Full((*name).to_owned()), buckets)?;
    }
    builder.install()
}

/// Lets a repeated message through at most once per interval, counting the ones held back.
#[derive(Debug)]
pub struct RateLimit {
    interval: Duration,
    state: Mutex<(Option<Instant>, u64)>,
}

impl RateLimit {
    pub fn new(interval: Duration) -> Self {
        RateLimit { interval, state: Mutex::new((None, 0)) }
    }

    /// `Some(held back since the last one)` if the message may be logged now.
    pub fn check(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (last, suppressed) = &mut *state;
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < self.interval) {
            *suppressed += 1;
            return None;
        }
        *last = Some(now);
        Some(std::mem::take(suppressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_counts_what_it_holds_back() {
        let limit = RateLimit::new(Duration::from_secs(3600));
        assert_eq!(limit.check(), Some(0));
        assert_eq!(limit.check(), None);
        assert_eq!(limit.check(), None);
        let now = RateLimit::new(Duration::ZERO);
        assert_eq!((now.check(), now.check()), (Some(0), Some(0)));
    }
}

//! Log lines and Prometheus metrics: their settings (and the HTTP API's, which serves the
//! metrics: see [`crate::http`]), the log setup, and a rate limit for repeated warnings. Metrics
//! follow Prometheus conventions (`<namespace>_<name>_<unit>_total`); each binary names its own,
//! and library code only records them through the `metrics` facade.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tracing_subscriber::EnvFilter;

/// The log and metrics settings of both binaries.
#[derive(clap::Args, Clone, Debug)]
pub struct TelemetryArgs {
    /// Address of the HTTP API (/metrics, /health, /ready, /status, and the reader's control
    /// routes), or `off`.
    #[arg(long, env = "METRICS_LISTEN", default_value = "127.0.0.1:9187")]
    pub metrics_listen: Listen,

    /// Log lines on stderr as `human` text or `json`; RUST_LOG sets the level.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "human")]
    pub log_format: LogFormat,
}

/// Where the HTTP API is served, if anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listen(pub Option<SocketAddr>);

impl FromStr for Listen {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "off" | "" => Ok(Listen(None)),
            address => address
                .parse()
                .map(|a| Listen(Some(a)))
                .map_err(|_| "expected ip:port such as 0.0.0.0:9187, or off".to_owned()),
        }
    }
}

/// How log lines are written to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

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

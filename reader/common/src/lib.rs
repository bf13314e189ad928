//! What the reader and the streamer share, so that each is said once:
//!
//! - [`settings`]: every setting declared once, as a flag, an environment variable and a key of
//!   the TOML file, with where each value came from;
//! - [`kafka`]: the message contract of the frames topic, and the Kafka settings both binaries
//!   have;
//! - [`telemetry`]: log lines, metrics and their settings;
//! - [`http`]: the HTTP API both binaries serve: metrics, health, readiness, status, control.

pub mod http;
pub mod kafka;
pub mod settings;
pub mod telemetry;

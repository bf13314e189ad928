//! NovAtel GNSS receiver logs: framing, decoding and encoding ([`novatel`]); the NovAtelLogReader
//! that takes them from a receiver or a recording to Kafka ([`source`], [`pipeline`], [`kafka`]);
//! and the commands of the `novatel-reader` binary ([`commands`]).

pub mod commands;
pub mod config;
pub mod filter;
pub mod kafka;
pub mod novatel;
pub mod pipeline;
pub mod simulate;
pub mod source;
pub mod telemetry;

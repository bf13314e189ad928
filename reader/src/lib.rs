//! The NovAtelLogReader: takes a receiver's output (serial port, TCP port, recordings, the
//! simulated receiver) apart into checked frames ([`novatel`] frames and decodes them) and
//! produces each to Kafka ([`source`], [`pipeline`], [`kafka`]); and the commands of the
//! `novatel-reader` binary ([`commands`]).

pub mod api;
pub mod commands;
pub mod filter;
pub mod kafka;
pub mod metrics;
pub mod pipeline;
pub mod settings;
pub mod source;
pub mod status;

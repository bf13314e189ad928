//! NovAtel GNSS receiver logs: framing, decoding and encoding ([`novatel`]), and the commands of
//! the `novatel-reader` binary built on them ([`commands`]).

pub mod commands;
pub mod novatel;
pub mod simulate;

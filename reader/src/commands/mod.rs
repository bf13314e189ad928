//! The `novatel-reader` subcommands. `main` parses the command line into [`Cli`] and runs it.

pub mod decode;

use clap::{Parser, Subcommand};

/// NovAtel GNSS log reader: decodes receiver output and feeds it to Kafka.
#[derive(Debug, Parser)]
#[command(name = "novatel-reader", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode a recording: one JSON object per frame on stdout, a summary on stderr.
    Decode(decode::Args),
}

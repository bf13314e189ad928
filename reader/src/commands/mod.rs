//! The `novatel-reader` subcommands. `main` hands the command line to [`run`].

pub mod decode;
mod produce;
pub mod replay;
pub mod serial;
pub mod simulate;
pub mod tcp;

use std::ffi::OsString;

use clap::{CommandFactory, Parser, Subcommand};
use gnss_common::settings::Settings;

pub use produce::{ExitCode, RunError};

use crate::settings::ProducerArgs;

/// NovAtel GNSS log reader: decodes receiver output and produces every log to Kafka.
///
/// Settings come from flags, environment variables and a TOML file (--config), in that order of
/// precedence; every flag's help names its variable. Exit status: 0 when everything read was
/// delivered, 1 on a runtime failure or undelivered frames, 2 on a usage or configuration error.
#[derive(Debug, Parser)]
#[command(name = "novatel-reader", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode a recording: one JSON object per frame on stdout, a summary on stderr.
    Decode(decode::Args),
    /// Read a receiver on a serial port and produce its logs to Kafka.
    Serial(serial::Args),
    /// Read a receiver's Ethernet (ICOM) port and produce its logs to Kafka.
    Tcp(tcp::Args),
    /// Replay recordings to Kafka, as fast as possible or at the pace of their GPS time.
    Replay(replay::Args),
    /// Run simulated receivers: to Kafka, to a recording, or out of a pseudo-terminal.
    Simulate(simulate::Args),
}

impl Cli {
    /// The settings of the command line `argv` (program name first), with the config file's.
    pub fn load(argv: Vec<OsString>) -> Result<Settings<Cli>, RunError> {
        Ok(Settings::load(Cli::command(), argv)?)
    }

    /// The settings every producing command has; `None` for `decode`.
    pub fn producer(&self) -> Option<&ProducerArgs> {
        match &self.command {
            Command::Decode(_) => None,
            Command::Serial(args) => Some(&args.producer),
            Command::Tcp(args) => Some(&args.producer),
            Command::Replay(args) => Some(&args.producer),
            Command::Simulate(args) => Some(&args.producer),
        }
    }
}

/// Runs the command line `argv` (program name first) to its end.
pub async fn run(argv: Vec<OsString>) -> Result<(), RunError> {
    let settings = Cli::load(argv.clone())?;
    let run = produce::Run { settings: &settings, argv };
    match &settings.args.command {
        Command::Decode(args) => decode::run(args).map_err(RunError::Failed),
        Command::Serial(args) => serial::run(args, run).await,
        Command::Tcp(args) => tcp::run(args, run).await,
        Command::Replay(args) => replay::run(args, run).await,
        Command::Simulate(args) => simulate::run(args, run).await,
    }
}

//! The `novatel-reader` subcommands. `main` parses the command line into [`Cli`] and runs it.

pub mod decode;
mod produce;
pub mod replay;
pub mod serial;
pub mod simulate;
pub mod tcp;

use clap::{ArgMatches, Command as ClapCommand, Parser, Subcommand};

pub use produce::{ExitCode, RunError};

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

/// Runs a producing subcommand; `matches` and `command` are the whole command line's, so that
/// each setting's origin can be told.
pub async fn run(cli: Cli, matches: &ArgMatches, command: &ClapCommand) -> Result<(), RunError> {
    let (name, sub_matches) =
        matches.subcommand().ok_or(RunError::Usage("no subcommand".into()))?;
    let sub_command =
        command.find_subcommand(name).ok_or(RunError::Usage("unknown subcommand".into()))?;
    match cli.command {
        Command::Decode(args) => decode::run(&args).map_err(RunError::Failed),
        Command::Serial(args) => serial::run(args, sub_matches, sub_command).await,
        Command::Tcp(args) => tcp::run(args, sub_matches, sub_command).await,
        Command::Replay(args) => replay::run(args, sub_matches, sub_command).await,
        Command::Simulate(args) => simulate::run(args, sub_matches, sub_command).await,
    }
}

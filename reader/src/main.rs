use std::process::ExitCode;

use clap::Parser;
use novatel_reader::commands::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Decode(args) => novatel_reader::commands::decode::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("novatel-reader: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

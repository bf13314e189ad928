use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use novatel_reader::commands::{self, Cli, RunError};

fn main() -> ExitCode {
    let command = Cli::command();
    let matches = command.clone().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("novatel-reader: error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli, &matches, &command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            match &error {
                RunError::Usage(message) => eprintln!("novatel-reader: error: {message}"),
                RunError::Failed(error) => eprintln!("novatel-reader: error: {error:#}"),
            }
            ExitCode::from(error.exit_code() as u8)
        }
    }
}

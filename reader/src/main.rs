use std::process::ExitCode;

use gnss_common::settings::LoadError;
use novatel_reader::commands::{self, RunError};

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("novatel-reader: error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(std::env::args_os().collect())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Settings(LoadError::Usage(error))) => error.exit(),
        Err(error) => {
            let status = error.exit_code() as u8;
            // The error and its causes, once: `a: b: c`.
            eprintln!("novatel-reader: error: {:#}", anyhow::Error::from(error));
            ExitCode::from(status)
        }
    }
}

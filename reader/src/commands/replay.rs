//! `novatel-reader replay`: recordings to Kafka.

use std::path::PathBuf;

use super::produce::{self, Job, Run, RunError};
use crate::pipeline::ProgressMode;
use crate::settings::ProducerArgs;
use crate::source::{Replay, Source};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub producer: ProducerArgs,

    /// Recordings, replayed in order; `-` reads standard input. REPLAY_FILES takes a
    /// comma-separated list.
    #[arg(env = "REPLAY_FILES", value_delimiter = ',')]
    pub replay_files: Vec<PathBuf>,

    /// Pace the logs by their GPS time: 1 is real time, 10 ten times faster. [default: as fast as
    /// possible]
    #[arg(long, env = "REPLAY_SPEED", value_parser = speed)]
    pub replay_speed: Option<f64>,

    /// Start again from the first recording after the last one.
    #[arg(long, env = "REPLAY_LOOP")]
    pub replay_loop: bool,

    /// Progress display: a bar on a terminal (`auto`), always a bar, or none; without a terminal
    /// `auto` logs a progress line every 10 s.
    #[arg(long, env = "PROGRESS", default_value = "auto")]
    pub progress: ProgressMode,
}

fn speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(s),
        _ => Err("must be a positive number of times real time".into()),
    }
}

pub async fn run(args: &Args, run: Run<'_>) -> Result<(), RunError> {
    if args.replay_files.is_empty() {
        return Err(RunError::Usage(
            "no recordings to replay: name them (or `-` for standard input), or set REPLAY_FILES \
             or replay.files"
                .into(),
        ));
    }
    if args.replay_loop && args.replay_files.iter().any(|f| f.as_os_str() == "-") {
        return Err(RunError::Usage(
            "--replay-loop cannot loop standard input; name files instead".into(),
        ));
    }
    if !run.start(&args.producer) {
        return Ok(());
    }
    let replay = Replay::new(args.replay_files.clone(), args.replay_loop);
    replay.check().map_err(|e| RunError::Usage(e.to_string()))?;
    let total_bytes = if args.replay_loop { None } else { replay.total_bytes() };
    let job = Job {
        source: Source::Replay(replay),
        receiver_id: args.producer.receiver_id.clone(),
        speed: args.replay_speed,
        progress: args.progress,
        total_bytes,
    };
    produce::run(run, &args.producer, vec![job]).await
}

//! `novatel-reader replay`: recordings to Kafka.

use std::path::PathBuf;

use clap::{ArgMatches, Command};

use super::produce::{self, Job, RunError};
use crate::config::{Common, CommonArgs, Resolver, invalid};
use crate::pipeline::ProgressMode;
use crate::source::{Replay, Source};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Recordings, replayed in order; `-` reads standard input. REPLAY_FILES takes a
    /// comma-separated list.
    #[arg(env = "REPLAY_FILES", value_delimiter = ',')]
    pub replay_files: Vec<PathBuf>,

    /// Pace the logs by their GPS time: 1 is real time, 10 ten times faster. [default: as fast as
    /// possible]
    #[arg(long, env = "REPLAY_SPEED")]
    pub replay_speed: Option<f64>,

    /// Start again from the first recording after the last one.
    #[arg(long, env = "REPLAY_LOOP")]
    pub replay_loop: bool,

    /// Progress display: a bar on a terminal (`auto`), always a bar, or none; without a terminal
    /// `auto` logs a progress line every 10 s.
    #[arg(long, env = "PROGRESS", default_value = "auto")]
    pub progress: ProgressMode,
}

pub async fn run(args: Args, matches: &ArgMatches, command: &Command) -> Result<(), RunError> {
    let r = Resolver::new(matches, command, args.common.config.clone())?;
    let common = Common::resolve(&args.common, &r)?;
    let file = &r.file.replay;
    let given_files = (!args.replay_files.is_empty()).then(|| args.replay_files.clone());
    let files = r.get("replay_files", given_files, file.files.clone(), vec![]);
    if files.value.is_empty() {
        return Err(RunError::Usage(
            "no recordings to replay: name them (or `-` for standard input), or set REPLAY_FILES or replay.files".into(),
        ));
    }
    let speed = r.get("replay_speed", args.replay_speed.map(Some), file.speed.map(Some), None);
    if let Some(s) = speed.value
        && !(s.is_finite() && s > 0.0)
    {
        return Err(invalid(
            "replay.speed",
            &s.to_string(),
            "must be a positive number of times real time",
        )
        .into());
    }
    let repeat = r.get("replay_loop", args.replay_loop.then_some(true), file.repeat, false);
    if repeat.value && files.value.iter().any(|f| f.as_os_str() == "-") {
        return Err(RunError::Usage(
            "--replay-loop cannot loop standard input; name files instead".into(),
        ));
    }
    let own = vec![
        ("replay.files".to_owned(), format!("{:?}", files.value), files.origin.clone()),
        (
            "replay.speed".to_owned(),
            speed.value.map_or("\"as fast as possible\"".into(), |s| s.to_string()),
            speed.origin.clone(),
        ),
        ("replay.loop".to_owned(), repeat.value.to_string(), repeat.origin.clone()),
    ];
    if !produce::start(&common, own) {
        return Ok(());
    }
    let replay = Replay::new(files.value, repeat.value);
    replay.check().map_err(|e| RunError::Usage(e.to_string()))?;
    let total_bytes = if repeat.value { None } else { replay.total_bytes() };
    let job = Job {
        source: Source::Replay(replay),
        speed: speed.value,
        progress: args.progress,
        total_bytes,
    };
    produce::run(common, &args.common, vec![job]).await
}

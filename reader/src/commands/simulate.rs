//! `novatel-reader simulate`: simulated receivers, to Kafka, to a recording, or out of a
//! pseudo-terminal that a `serial` reader can open as if it were a receiver's port.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gnss_common::settings::duration;
use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::pty::openpty;
use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
use novatel::encode;
use novatel::simulate::{Config, Interference, Rates, Simulator};
use tracing::{info, warn};

use super::produce::{self, Job, Run, RunError};
use crate::pipeline::ProgressMode;
use crate::settings::ProducerArgs;
use crate::source::{Simulated, Source};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub producer: ProducerArgs,

    /// Where the logs go: `kafka`, `file:PATH` (a recording), or `pty:PATH` (a pseudo-terminal,
    /// linked at PATH, for `novatel-reader serial --serial-device PATH`).
    #[arg(long, env = "SIMULATE_OUTPUT", default_value = "kafka", value_parser = output)]
    pub simulate_output: Output,

    /// Simulated receivers, each its own vehicle, sky and receiver id (kafka output).
    #[arg(
        long,
        env = "SIMULATE_RECEIVERS",
        default_value = "1",
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub simulate_receivers: u32,

    /// Simulated seconds per second: 1 is real time, 0 as fast as possible. [default: 1, or 0
    /// for file output]
    #[arg(long, env = "SIMULATE_SPEED", value_parser = speed)]
    pub simulate_speed: Option<f64>,

    /// Simulated time to run for, e.g. 10m. [default: until stopped; file output needs one]
    #[arg(long, env = "SIMULATE_DURATION", value_parser = duration)]
    pub simulate_duration: Option<Duration>,

    /// UTC time of the first simulated epoch (RFC 3339, e.g. 2024-06-01T00:00:00Z). [default:
    /// now]
    #[arg(long, env = "SIMULATE_START", value_parser = start)]
    pub simulate_start: Option<i64>,

    /// A log's rate in Hz, e.g. RANGE=10 or RANGECMP=1 (0 turns it off); repeatable. Rates must
    /// divide 100. Logs: BESTPOS, BESTVEL, RANGE, RANGECMP, INSPVAS, RXSTATUS, TIME, SATVIS2 (one
    /// log per satellite system; off by default).
    #[arg(long = "simulate-rate", env = "SIMULATE_RATES", value_delimiter = ',', value_parser = rate)]
    pub simulate_rates: Vec<(String, u32)>,

    /// Jamming episodes in the observations, e.g. every=5m,duration=30s,depth=12,fraction=0.8:
    /// every period (the first a period or a little more after the start, shifted by the
    /// receiver's seed), C/N0 falls by `depth` dB for `duration` on that share of the satellites;
    /// halfway between episodes a single satellite fades as much, which is no interference.
    /// [default: none]
    #[arg(long, env = "SIMULATE_INTERFERENCE", value_parser = interference)]
    pub simulate_interference: Option<Interference>,
}

#[derive(Clone, Debug)]
pub enum Output {
    Kafka,
    File(PathBuf),
    Pty(PathBuf),
}

fn output(text: &str) -> Result<Output, String> {
    match text.split_once(':') {
        None if text == "kafka" => Ok(Output::Kafka),
        Some(("file", path)) if !path.is_empty() => Ok(Output::File(path.into())),
        Some(("pty", path)) if !path.is_empty() => Ok(Output::Pty(path.into())),
        _ => Err("use kafka, file:PATH or pty:PATH".into()),
    }
}

fn speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(s),
        _ => Err("a number of times real time, 0 for as fast as possible".into()),
    }
}

/// An RFC 3339 time as Unix milliseconds.
fn start(text: &str) -> Result<i64, String> {
    humantime::parse_rfc3339(text)
        .map_err(|e| format!("{e}; write e.g. 2024-06-01T00:00:00Z"))
        .map(|t| t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64))
}

/// `every=DURATION,duration=DURATION,depth=DB,fraction=SHARE`.
fn interference(text: &str) -> Result<Interference, String> {
    let usage = "write every=5m,duration=30s,depth=12,fraction=0.8";
    let (mut every, mut length, mut depth, mut fraction) = (None, None, None, None);
    for pair in text.split(',') {
        let (key, value) = pair.split_once('=').ok_or_else(|| format!("{pair:?}: {usage}"))?;
        let (key, value) = (key.trim(), value.trim());
        let number = || value.parse::<f64>().map_err(|_| format!("{key}={value}: {usage}"));
        let ms = |d: Duration| d.as_millis() as u64;
        match key {
            "every" => every = Some(ms(duration(value)?)),
            "duration" => length = Some(ms(duration(value)?)),
            "depth" => depth = Some(number()?),
            "fraction" => fraction = Some(number()?),
            _ => return Err(format!("{key} is not a key of the interference: {usage}")),
        }
    }
    let missing = |name: &str| format!("{name} is missing: {usage}");
    let interference = Interference {
        every_ms: every.ok_or_else(|| missing("every"))?,
        duration_ms: length.ok_or_else(|| missing("duration"))?,
        depth_db: depth.ok_or_else(|| missing("depth"))?,
        fraction: fraction.ok_or_else(|| missing("fraction"))?,
    };
    interference.check()?;
    Ok(interference)
}

/// The logs whose rate can be set.
const LOGS: [&str; 8] =
    ["BESTPOS", "BESTVEL", "RANGE", "RANGECMP", "INSPVAS", "RXSTATUS", "TIME", "SATVIS2"];

/// `LOG=HZ`.
fn rate(text: &str) -> Result<(String, u32), String> {
    let bad = || "expected LOG=HZ, e.g. RANGE=10".to_owned();
    let (log, hz) = text.split_once('=').ok_or_else(bad)?;
    let log = log.trim().to_ascii_uppercase();
    let hz: u32 = hz.trim().parse().map_err(|_| bad())?;
    if !LOGS.contains(&log.as_str()) {
        return Err(format!("{log} is not a simulated log: use {}", LOGS.join(", ")));
    }
    Ok((log, hz))
}

/// The rates of `pairs` over the default ones.
fn rates(pairs: &[(String, u32)]) -> Rates {
    let mut rates = Rates::default();
    for (log, hz) in pairs {
        let slot = match log.as_str() {
            "BESTPOS" => &mut rates.bestpos,
            "BESTVEL" => &mut rates.bestvel,
            "RANGE" => &mut rates.range,
            "RANGECMP" => &mut rates.rangecmp,
            "INSPVAS" => &mut rates.inspvas,
            "RXSTATUS" => &mut rates.rxstatus,
            "SATVIS2" => &mut rates.satvis2,
            _ => &mut rates.time,
        };
        *slot = *hz;
    }
    rates
}

pub async fn run(args: &Args, run: Run<'_>) -> Result<(), RunError> {
    let output = &args.simulate_output;
    let receivers = args.simulate_receivers;
    if receivers > 1 && !matches!(output, Output::Kafka) {
        return Err(RunError::Usage(
            "only kafka output takes more than one receiver (--simulate-receivers)".into(),
        ));
    }
    let duration = args.simulate_duration;
    if matches!(output, Output::File(_)) && duration.is_none() {
        return Err(RunError::Usage(
            "file output needs --simulate-duration (SIMULATE_DURATION)".into(),
        ));
    }
    if !run.start(&args.producer) {
        return Ok(());
    }
    let default_speed = if matches!(output, Output::File(_)) { 0.0 } else { 1.0 };
    let speed = Some(args.simulate_speed.unwrap_or(default_speed)).filter(|s| *s > 0.0);
    let rates = rates(&args.simulate_rates);
    // Now, on the simulator's 10 ms grid, unless a start is given.
    let start_unix_ms = args.simulate_start.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64 / 10 * 10)
    });
    let simulator = |index: u32| -> Result<Simulator, RunError> {
        let mut config = Config {
            rates,
            start_unix_ms,
            seed: u64::from(index) + 1,
            interference: args.simulate_interference,
            ..Config::default()
        };
        // Receivers a few hundred metres apart.
        config.route.lat += f64::from(index) * 0.005;
        Simulator::new(config).map_err(RunError::Usage)
    };
    match output {
        Output::Kafka => {
            let mut jobs = Vec::new();
            for index in 0..receivers {
                let id = match (&args.producer.receiver_id, receivers) {
                    (Some(id), 1) => id.clone(),
                    (Some(id), _) => format!("{id}-{}", index + 1),
                    (None, _) => format!("sim-{}", index + 1),
                };
                let source =
                    Source::Simulated(Simulated::new(simulator(index)?, id, speed, duration));
                jobs.push(Job {
                    source,
                    receiver_id: None,
                    speed: None,
                    progress: ProgressMode::Auto,
                    total_bytes: None,
                });
            }
            produce::run(run, &args.producer, jobs).await
        }
        Output::File(path) => {
            let sim = simulator(0)?;
            let path = path.clone();
            let written = tokio::task::spawn_blocking(move || {
                write_file(sim, &path, duration.unwrap_or_default())
            })
            .await
            .map_err(|e| anyhow::anyhow!("simulator stopped: {e}"))??;
            info!(bytes = written, "recording written");
            Ok(())
        }
        Output::Pty(path) => serve_pty(simulator(0)?, path, speed, duration).await,
    }
}

fn write_file(mut sim: Simulator, path: &Path, duration: Duration) -> Result<u64, RunError> {
    let cannot = |e: std::io::Error| anyhow::anyhow!("cannot write {}: {e}", path.display());
    let mut out = std::io::BufWriter::new(File::create(path).map_err(cannot)?);
    let (mut buf, mut written) = (Vec::new(), 0u64);
    while sim.elapsed_ms() < duration.as_millis() as u64 {
        buf.clear();
        sim.write_epoch(&mut buf).map_err(anyhow::Error::from)?;
        out.write_all(&buf).map_err(cannot)?;
        written += buf.len() as u64;
    }
    out.flush().map_err(cannot)?;
    Ok(written)
}

/// Serves the simulator on a new pseudo-terminal linked at `link`, as a receiver would on its
/// serial port: logs go out at their pace whether or not anyone reads; when nobody drains the
/// terminal, what does not fit is lost (counted), as on a real line.
async fn serve_pty(
    sim: Simulator,
    link: &Path,
    speed: Option<f64>,
    duration: Option<Duration>,
) -> Result<(), RunError> {
    let pty =
        openpty(None, None).map_err(|e| anyhow::anyhow!("cannot open a pseudo-terminal: {e}"))?;
    let slave_path = nix::unistd::ttyname(pty.slave.as_fd())
        .map_err(|e| anyhow::anyhow!("cannot name the pseudo-terminal: {e}"))?;
    // Raw mode: the bytes pass untouched (no echo, no line editing, no CR/LF translation).
    let mut termios = tcgetattr(&pty.slave).map_err(|e| anyhow::anyhow!("tcgetattr: {e}"))?;
    cfmakeraw(&mut termios);
    tcsetattr(&pty.slave, SetArg::TCSANOW, &termios)
        .map_err(|e| anyhow::anyhow!("tcsetattr: {e}"))?;
    fcntl(&pty.master, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))
        .map_err(|e| anyhow::anyhow!("fcntl: {e}"))?;
    match std::fs::symlink_metadata(link) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::remove_file(link)
            .map_err(|e| anyhow::anyhow!("cannot replace {}: {e}", link.display()))?,
        Ok(_) => {
            return Err(RunError::Usage(format!(
                "{} exists and is not a link; choose another pty path",
                link.display()
            )));
        }
        Err(_) => {}
    }
    std::os::unix::fs::symlink(&slave_path, link).map_err(|e| {
        anyhow::anyhow!("cannot link {} to {}: {e}", link.display(), slave_path.display())
    })?;
    info!(link = %link.display(), tty = %slave_path.display(), "simulated receiver on a pseudo-terminal");
    let master = File::from(pty.master);
    let stop = tokio_util::sync::CancellationToken::new();
    let stopper = stop.clone();
    tokio::spawn(async move {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match &mut terminate { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
        stopper.cancel();
    });
    let link_owned = link.to_owned();
    let outcome = tokio::task::spawn_blocking(move || pump(sim, master, speed, duration, &stop))
        .await
        .map_err(|e| anyhow::anyhow!("simulator stopped: {e}"))?;
    let _ = std::fs::remove_file(&link_owned);
    drop(pty.slave);
    let (frames, lost) = outcome.map_err(anyhow::Error::from)?;
    info!(frames_written = frames, frames_lost = lost, "simulated receiver stopped");
    Ok(())
}

/// Writes the simulator's frames to the terminal at their pace; returns frames written whole and
/// frames lost to a full terminal.
fn pump(
    mut sim: Simulator,
    mut master: File,
    speed: Option<f64>,
    duration: Option<Duration>,
    stop: &tokio_util::sync::CancellationToken,
) -> std::io::Result<(u64, u64)> {
    let started = Instant::now();
    let (mut written, mut lost, mut frame) = (0u64, 0u64, Vec::new());
    let mut commands = Vec::new();
    while !stop.is_cancelled() && duration.is_none_or(|d| sim.elapsed_ms() < d.as_millis() as u64) {
        answer_commands(&mut master, &mut commands)?;
        if let Some(speed) = speed {
            let due = started + Duration::from_secs_f64(sim.elapsed_ms() as f64 / 1000.0 / speed);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        for (header, log) in sim.next_epoch() {
            frame.clear();
            encode(&header, &log, &mut frame).map_err(std::io::Error::other)?;
            match write_some(&mut master, &frame) {
                Ok(n) if n == frame.len() => written += 1,
                Ok(_) => lost += 1,
                Err(e) if e.raw_os_error() == Some(nix::libc::EIO) => lost += 1,
                Err(e) => return Err(e),
            }
        }
    }
    if lost > 0 {
        warn!(lost, "frames did not fit in the pseudo-terminal (nobody reading)");
    }
    // Closing the terminal discards what a reader has not taken yet: give it a moment.
    std::thread::sleep(Duration::from_millis(300));
    Ok((written, lost))
}

/// The commands the simulated receiver takes; it refuses any other.
const COMMANDS: [&str; 6] =
    ["LOG", "UNLOG", "UNLOGALL", "SERIALCONFIG", "INTERFACEMODE", "SAVECONFIG"];

/// Reads what the reader sent and answers each command line as a receiver's console does: `<OK`,
/// or `<ERROR:Invalid Message` (as an OEMV receiver answers a command it does not know, see
/// `fixtures/real/SOURCES.md`), and a port prompt (bytes the reader must recognise as not being
/// logs).
fn answer_commands(master: &mut File, pending: &mut Vec<u8>) -> std::io::Result<()> {
    let mut buf = [0u8; 512];
    loop {
        match master.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == ErrorKind::WouldBlock
                    || e.raw_os_error() == Some(nix::libc::EIO) =>
            {
                break;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    while let Some(end) = pending.iter().position(|&b| b == b'\n' || b == b'\r') {
        let line: Vec<u8> = pending.drain(..=end).collect();
        let command = String::from_utf8_lossy(&line).trim().to_owned();
        if !command.is_empty() {
            info!(command, "received a command");
            let name = command.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
            let reply: &[u8] = if COMMANDS.contains(&name.as_str()) {
                b"<OK\r\n[COM1]"
            } else {
                b"<ERROR:Invalid Message\r\n[COM1]"
            };
            write_some(master, reply)?;
        }
    }
    Ok(())
}

/// Writes as much of `bytes` as the terminal takes now.
fn write_some(out: &mut File, bytes: &[u8]) -> std::io::Result<usize> {
    let mut done = 0;
    while done < bytes.len() {
        match out.write(&bytes[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

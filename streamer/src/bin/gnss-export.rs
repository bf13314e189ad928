//! `gnss-export`: one receiver's data for a time range as standard files (see
//! `gnss_streamer::rinex` and `docs/rinex.md`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use clap::{Args as ClapArgs, Parser, Subcommand};
use gnss_streamer::rinex::obs::HeaderInfo;
use gnss_streamer::rinex::{Source, TimeRange, export_nav, export_obs};
use gnss_streamer::settings::ClickHouseArgs;

/// Exports one receiver's data for a time range, from a raw NovAtel recording or from the
/// pipeline's ClickHouse database.
#[derive(Debug, Parser)]
#[command(name = "gnss-export", version, about, long_about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// RINEX 3.04 observation file (and GPS navigation file) as RTKLIB's `convbin -r nov -v
    /// 3.04 -od -os` writes them: codes per tracking mode, loss-of-lock flags from lock time.
    Rinex(Rinex),
}

#[derive(Debug, ClapArgs)]
struct Rinex {
    /// Read this raw NovAtel recording (RANGE, RANGECMP, GPSEPHEM logs) instead of ClickHouse.
    #[arg(long, env = "RINEX_RECORDING", conflicts_with = "receiver")]
    recording: Option<PathBuf>,

    /// The receiver whose `observations` rows are exported (the name the reader gave it).
    #[arg(long, env = "RINEX_RECEIVER", required_unless_present = "recording")]
    receiver: Option<String>,

    #[command(flatten)]
    clickhouse: ClickHouseArgs,

    /// First time exported, RFC 3339 UTC (e.g. 2013-10-09T16:04:31Z); epochs are written in GPS
    /// time. [default: the first observation]
    #[arg(long, env = "RINEX_FROM", value_parser = rfc3339_ms)]
    from: Option<i64>,

    /// Time exported up to, excluded, RFC 3339 UTC. [default: past the last observation]
    #[arg(long, env = "RINEX_TO", value_parser = rfc3339_ms)]
    to: Option<i64>,

    /// Observation file to write; `-` for standard output.
    #[arg(long, env = "RINEX_OBS", default_value = "-")]
    obs: PathBuf,

    /// Also write the navigation file here: GPS, QZSS, GLONASS, Galileo and BeiDou records
    /// (`M: MIXED` when more than one system) from the recording's ephemeris logs, or from
    /// ClickHouse's `gps_ephemerides`, `glonass_ephemerides`, `galileo_ephemerides`,
    /// `beidou_ephemerides` and `ionosphere_utc`.
    #[arg(long, env = "RINEX_NAV")]
    nav: Option<PathBuf>,

    /// Write signal strength digits (1-9 from C/N0) after code and phase; RTKLIB leaves them
    /// blank.
    #[arg(long, env = "RINEX_SSI")]
    ssi: bool,
}

fn rfc3339_ms(text: &str) -> Result<i64, String> {
    humantime::parse_rfc3339_weak(text)
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .ok_or_else(|| "use an RFC 3339 time such as 2013-10-09T16:04:31Z".into())
}

fn output(path: &Path) -> anyhow::Result<Box<dyn Write>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufWriter::new(std::io::stdout().lock())));
    }
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(Box::new(BufWriter::new(file)))
}

fn now_utc() -> String {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let (y, mo, d, h, mi, s) = novatel::time::utc_fields(ms);
    format!("{y:04}{mo:02}{d:02} {h:02}{mi:02}{:02} UTC", s / 1000)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let Command::Rinex(args) = Args::parse().command;
    let range = TimeRange { from_unix_ms: args.from, to_unix_ms: args.to };
    let (source, marker, from) = match (&args.recording, &args.receiver) {
        (Some(path), _) => {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let name = name.unwrap_or_default();
            let comment = format!("source: recording {name}");
            (Source::Recording(path.clone()), name, comment)
        }
        (None, Some(receiver)) => {
            let connection = args.clickhouse.connection()?;
            let client = connection.client().with_database(&connection.database);
            let comment = format!("source: ClickHouse {}.observations", connection.database);
            let source =
                Source::ClickHouse { client: Box::new(client), receiver: receiver.clone() };
            (source, receiver.clone(), comment)
        }
        (None, None) => bail!("give --recording FILE or --receiver NAME"),
    };
    let mut comments = vec![from];
    if args.from.is_some() || args.to.is_some() {
        let show = |ms: Option<i64>| ms.map_or("-".into(), novatel::time::format_rfc3339_ms);
        comments.push(format!("range (UTC): {} to {}", show(args.from), show(args.to)));
    }
    let info = HeaderInfo {
        program: format!("gnss-export {}", env!("CARGO_PKG_VERSION")),
        run_by: "gnss-pipe".into(),
        date: now_utc(),
        comments,
        marker,
        position: None,
    };

    let mut out = output(&args.obs)?;
    let summary = export_obs(&source, range, &info, args.ssi, &mut out).await?;
    drop(out);
    eprintln!("gnss-export: {} epochs written", summary.epochs);

    if let Some(path) = &args.nav {
        let mut out = output(path)?;
        let records = export_nav(&source, range, &info, &mut out).await?;
        eprintln!("gnss-export: {records} navigation records written");
    }
    Ok(())
}

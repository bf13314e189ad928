//! `novatel-reader decode [FILE|-]`: every frame of a recording as a JSON line on stdout, and a
//! summary of frames per log and format and of rejected bytes per reason on stderr.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::novatel::enums::TimeStatus;
use crate::novatel::{Event, Format, Frame, Framer, Log, RejectReason, Stats, decode, time};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recording to decode; `-` reads standard input.
    #[arg(default_value = "-")]
    pub input: PathBuf,
}

/// Bytes read from the input at a time; memory use does not depend on the input's size.
const CHUNK: usize = 64 * 1024;

/// One output line.
#[derive(Serialize)]
struct FrameJson<'a> {
    name: &'a str,
    id: Option<u16>,
    format: Format,
    /// Byte offset of the frame in the input.
    offset: u64,
    length: usize,
    week: Option<u16>,
    ms: Option<u32>,
    time_status: Option<TimeStatus>,
    utc: Option<String>,
    body: Option<&'a Log>,
    /// The undecoded body: hexadecimal for binary frames, the text otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// What the summary reports.
#[derive(Debug, Default)]
pub struct Summary {
    /// Frames per (log name, format).
    pub logs: BTreeMap<(String, Format), u64>,
    pub decode_errors: u64,
    pub stats: Stats,
}

pub fn run(args: &Args) -> Result<()> {
    let input: Box<dyn Read> = if args.input.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        let file = File::open(&args.input)
            .with_context(|| format!("cannot open {}", args.input.display()))?;
        Box::new(file)
    };
    let stdout = io::stdout().lock();
    let summary = decode_stream(input, BufWriter::new(stdout))
        .with_context(|| format!("while decoding {}", args.input.display()))?;
    write_summary(&summary, &mut io::stderr().lock())?;
    Ok(())
}

/// Decodes everything `input` yields, writing JSON lines to `out`.
pub fn decode_stream(mut input: impl Read, mut out: impl Write) -> Result<Summary> {
    let mut framer = Framer::new();
    let mut summary = Summary::default();
    loop {
        let n = read_some(&mut input, framer.writable(CHUNK))?;
        framer.commit(n);
        if n == 0 {
            framer.finish();
        }
        while let Some(event) = framer.next_event() {
            if let Event::Frame(frame) = event {
                write_frame(&frame, &mut summary, &mut out)?;
            }
        }
        if n == 0 {
            break;
        }
    }
    out.flush()?;
    summary.stats = framer.stats().clone();
    Ok(summary)
}

fn read_some(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn write_frame(frame: &Frame<'_>, summary: &mut Summary, out: &mut impl Write) -> Result<()> {
    let line = match decode(frame) {
        Ok(message) => {
            let h = &message.header;
            *summary
                .logs
                .entry((h.name.to_string(), frame.format))
                .or_default() += 1;
            let raw = message
                .log
                .is_none()
                .then(|| render_raw(frame.format, message.body));
            FrameJson {
                name: &h.name,
                id: h.id,
                format: frame.format,
                offset: frame.offset,
                length: frame.bytes.len(),
                week: h.week,
                ms: h.ms,
                time_status: h.time_status,
                utc: h.unix_ms().map(time::format_rfc3339_ms),
                body: message.log.as_ref(),
                raw,
                error: None,
            }
            .to_line()?
        }
        Err(error) => {
            summary.decode_errors += 1;
            *summary
                .logs
                .entry(("(undecodable)".to_string(), frame.format))
                .or_default() += 1;
            FrameJson {
                name: "",
                id: None,
                format: frame.format,
                offset: frame.offset,
                length: frame.bytes.len(),
                week: None,
                ms: None,
                time_status: None,
                utc: None,
                body: None,
                raw: Some(render_raw(frame.format, frame.bytes)),
                error: Some(error.to_string()),
            }
            .to_line()?
        }
    };
    out.write_all(&line)?;
    Ok(())
}

impl FrameJson<'_> {
    fn to_line(&self) -> Result<Vec<u8>> {
        let mut line = serde_json::to_vec(self)?;
        line.push(b'\n');
        Ok(line)
    }
}

fn render_raw(format: Format, body: &[u8]) -> String {
    if format.is_binary() {
        body.iter().map(|b| format!("{b:02x}")).collect()
    } else {
        String::from_utf8_lossy(body).into_owned()
    }
}

pub fn write_summary(summary: &Summary, out: &mut impl Write) -> io::Result<()> {
    let stats = &summary.stats;
    writeln!(
        out,
        "{} frames, {} bytes",
        stats.total_frames(),
        stats.frame_bytes()
    )?;
    writeln!(out, "  {:<20} {:<12} {:>10}", "log", "format", "frames")?;
    for ((name, format), count) in &summary.logs {
        writeln!(out, "  {name:<20} {:<12} {count:>10}", format.as_str())?;
    }
    let reasons: Vec<String> = RejectReason::ALL
        .iter()
        .map(|r| format!("{} {}", r.as_str(), stats.rejected_bytes(*r)))
        .collect();
    writeln!(
        out,
        "rejected {} bytes: {}",
        stats.total_rejected_bytes(),
        reasons.join(", ")
    )?;
    writeln!(out, "frames with a bad CRC: {}", stats.bad_crc_runs())?;
    writeln!(out, "decode errors: {}", summary.decode_errors)?;
    Ok(())
}

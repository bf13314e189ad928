//! `novatel-reader decode [FILE|-]`: every frame of a recording as a JSON line on stdout, and a
//! summary of frames per log and format and of rejected bytes per reason on stderr.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Serialize;

use novatel::enums::TimeStatus;
use novatel::{Event, Format, Frame, Framer, Log, RejectReason, Stats, decode, time};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recording to decode; `-` reads standard input.
    #[arg(default_value = "-")]
    pub input: PathBuf,

    /// Decode every frame but print only the summary (no JSON lines).
    #[arg(long)]
    pub summary_only: bool,
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
    /// Frames per log name and format.
    pub logs: BTreeMap<String, BTreeMap<Format, u64>>,
    pub decode_errors: u64,
    /// Frames whose body a decoder read.
    pub decoded: u64,
    /// Logs framed but without a decoder (replies and NMEA sentences are not logs), by name.
    pub undecoded: BTreeMap<String, u64>,
    pub stats: Stats,
}

impl Summary {
    fn count(&mut self, name: &str, format: Format) {
        let formats = match self.logs.get_mut(name) {
            Some(formats) => formats,
            None => self.logs.entry(name.to_owned()).or_default(),
        };
        *formats.entry(format).or_default() += 1;
    }
}

pub fn run(args: &Args) -> Result<()> {
    let input: Box<dyn Read> = if args.input.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        let file = File::open(&args.input)
            .with_context(|| format!("cannot open {}", args.input.display()))?;
        Box::new(file)
    };
    let out: Box<dyn Write> = if args.summary_only {
        Box::new(io::sink())
    } else {
        Box::new(BufWriter::new(io::stdout().lock()))
    };
    let summary = decode_stream(input, out, !args.summary_only)
        .with_context(|| format!("while decoding {}", args.input.display()))?;
    write_summary(&summary, &mut io::stderr().lock())?;
    Ok(())
}

/// Decodes everything `input` yields, writing JSON lines to `out` if `json` is set.
pub fn decode_stream(mut input: impl Read, mut out: impl Write, json: bool) -> Result<Summary> {
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
                write_frame(&frame, &mut summary, json.then_some(&mut out))?;
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

fn write_frame(
    frame: &Frame<'_>,
    summary: &mut Summary,
    out: Option<&mut impl Write>,
) -> Result<()> {
    let decoded = decode(frame);
    let name = decoded.as_ref().map_or("(undecodable)", |m| m.header.name.as_ref());
    summary.count(name, frame.format);
    summary.decode_errors += u64::from(decoded.is_err());
    if let Ok(message) = &decoded {
        if message.log.is_some() {
            summary.decoded += 1;
        } else if !message.header.response && frame.format != Format::Nmea {
            *summary.undecoded.entry(message.header.name.to_string()).or_default() += 1;
        }
    }
    let Some(out) = out else { return Ok(()) };
    let line = match &decoded {
        Ok(message) => {
            let h = &message.header;
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
                raw: message.log.is_none().then(|| render_raw(frame.format, message.body)),
                error: None,
            }
        }
        Err(error) => FrameJson {
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
        },
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")?;
    Ok(())
}

fn render_raw(format: Format, body: &[u8]) -> String {
    if format.is_binary() { hex(body) } else { String::from_utf8_lossy(body).into_owned() }
}

/// Lowercase hexadecimal, two digits per byte looked up in a table: undecoded bodies are most of
/// the output of a recording whose logs have no decoder, and formatting each byte on its own
/// was most of `decode`'s time there.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

pub fn write_summary(summary: &Summary, out: &mut impl Write) -> io::Result<()> {
    let stats = &summary.stats;
    writeln!(out, "{} frames, {} bytes", stats.total_frames(), stats.frame_bytes())?;
    writeln!(out, "  {:<20} {:<12} {:>10}", "log", "format", "frames")?;
    for (name, formats) in &summary.logs {
        for (format, count) in formats {
            writeln!(out, "  {name:<20} {:<12} {count:>10}", format.as_str())?;
        }
    }
    let reasons: Vec<String> = RejectReason::ALL
        .iter()
        .map(|r| format!("{} {}", r.as_str(), stats.rejected_bytes(*r)))
        .collect();
    writeln!(out, "rejected {} bytes: {}", stats.total_rejected_bytes(), reasons.join(", "))?;
    writeln!(out, "frames with a bad CRC: {}", stats.bad_crc_runs())?;
    writeln!(out, "decode errors: {}", summary.decode_errors)?;
    let undecoded: Vec<String> =
        summary.undecoded.iter().map(|(name, n)| format!("{name} {n}")).collect();
    writeln!(
        out,
        "bodies decoded: {} of {} log frames; logs without a decoder: {}",
        summary.decoded,
        summary.decoded + summary.undecoded.values().sum::<u64>(),
        if undecoded.is_empty() { "none".to_owned() } else { undecoded.join(", ") }
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::hex;

    #[test]
    fn hex_is_two_lowercase_digits_per_byte() {
        let every_byte: Vec<u8> = (0..=255).collect();
        let expected: String = every_byte.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&every_byte), expected);
        assert_eq!(hex(&[]), "");
    }
}

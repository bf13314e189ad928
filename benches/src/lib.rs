//! Synthetic recordings for benchmarks: the simulated receiver's binary logs (RANGE, RANGECMP,
//! BESTPOS, BESTVEL, INSPVAS, RXSTATUS, TIME) with real ASCII logs from the bundled recordings spliced
//! in, as a receiver logging both binary and ASCII would produce.

use std::path::Path;

use anyhow::{Context, Result};
use novatel::simulate::{Config, Rates, Simulator};
use novatel::{Event, Format, frames};

/// ASCII logs taken from the real recordings, one per line with its line end.
pub fn real_ascii_logs() -> Result<Vec<Vec<u8>>> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/real");
    let mut lines = Vec::new();
    for name in ["test2_rcvr1_decompressed.ASC", "OneEach.ASC"] {
        let data = std::fs::read(fixtures.join(name)).with_context(|| format!("reading {name}"))?;
        for event in frames(&data) {
            if let Event::Frame(frame) = event
                && frame.format == Format::Ascii
            {
                lines.push(frame.bytes.to_vec());
            }
        }
    }
    Ok(lines)
}

/// Writes at least `min_bytes` of recording to `out`, one simulated second at a time: every
/// 100 ms a RANGE and a RANGECMP of 20-40 observations, BESTPOS and BESTVEL at 20 Hz, INSPVAS at
/// 100 Hz, RXSTATUS and TIME at 1 Hz, and a real ASCII log (RANGEA, BESTXYZA, ...) every 100 ms.
pub fn write_recording(min_bytes: u64, mut out: impl FnMut(&[u8]) -> Result<()>) -> Result<u64> {
    let ascii = real_ascii_logs()?;
    // The default rates (no SATVIS2), with RANGECMP beside RANGE.
    let rates = Rates { rangecmp: 10, ..Rates::default() };
    let mut sim =
        Simulator::new(Config { rates, ..Config::default() }).map_err(anyhow::Error::msg)?;
    let (mut written, mut epoch, mut buf) = (0u64, 0usize, Vec::new());
    while written < min_bytes {
        buf.clear();
        for _ in 0..100 {
            sim.write_epoch(&mut buf)?;
            if epoch % 10 == 0 {
                buf.extend_from_slice(&ascii[(epoch / 10) % ascii.len()]);
            }
            epoch += 1;
        }
        out(&buf)?;
        written += buf.len() as u64;
    }
    Ok(written)
}

/// A recording of at least `min_bytes`, in memory.
pub fn recording(min_bytes: u64) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(min_bytes as usize + (1 << 20));
    write_recording(min_bytes, |chunk| {
        data.extend_from_slice(chunk);
        Ok(())
    })?;
    Ok(data)
}

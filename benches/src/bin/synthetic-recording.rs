//! Writes a synthetic recording to a file: `synthetic-recording SIZE_MB OUTPUT`.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [size_mb, output] = args.as_slice() else {
        bail!("usage: synthetic-recording SIZE_MB OUTPUT");
    };
    let size_mb: u64 = size_mb.parse().context("SIZE_MB must be a whole number of megabytes")?;
    let mut out =
        BufWriter::new(File::create(output).with_context(|| format!("cannot create {output}"))?);
    let written =
        gnss_benches::write_recording(size_mb * 1_000_000, |chunk| Ok(out.write_all(chunk)?))?;
    out.flush()?;
    eprintln!("wrote {written} bytes to {output}");
    Ok(())
}

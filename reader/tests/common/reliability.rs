//! The reliability cases' figures (`docs/reliability.md`): each case's test runs at a load scaled
//! by `GNSS_RELIABILITY_SCALE` (1, the test suite's, when unset) and, when
//! `GNSS_RELIABILITY_REPORT` names a file, appends one table row to it. `scripts/reliability`
//! runs the cases at a larger scale and writes the table. Shared by the reader's and the
//! streamer's tests (the streamer's `common` includes this file).

use std::io::Write;
use std::time::Duration;

/// How much larger than in the test suite a case runs: `GNSS_RELIABILITY_SCALE`, at least 1.
pub fn scale() -> u64 {
    match std::env::var("GNSS_RELIABILITY_SCALE") {
        Ok(text) => text.parse::<u64>().ok().filter(|s| *s >= 1).unwrap_or_else(|| {
            panic!("GNSS_RELIABILITY_SCALE={text}: expected a whole number >= 1")
        }),
        Err(_) => 1,
    }
}

/// What one run of a case did to the frames it was given.
pub struct Figures<'a> {
    /// The case's number in the issue and in `docs/reliability.md`.
    pub case: u8,
    /// What was fed in, e.g. "3 simulated receivers x 200 s + 6 real recordings".
    pub load: String,
    /// What went wrong during the run, e.g. "5 x SIGKILL of the streamer".
    pub fault: &'a str,
    /// Intact frames fed in: each should arrive exactly once.
    pub frames_in: u64,
    /// Where they were counted ("every ClickHouse table", "Kafka topic", ...).
    pub counted_in: &'a str,
    /// Distinct frames that arrived.
    pub arrived: u64,
    /// Arrivals beyond the first of a frame.
    pub duplicated: u64,
    /// From the end of the fault to frames arriving again; `None` where that does not apply.
    pub recovery: Option<Duration>,
}

/// Appends the case's row to `GNSS_RELIABILITY_REPORT`, if set, and prints it.
pub fn report(figures: &Figures<'_>) {
    let recovery =
        figures.recovery.map_or("n/a".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()));
    let row = format!(
        "| {} | {} | {} | {} | {} ({}) | {} | {} | {} |\n",
        figures.case,
        figures.load,
        figures.fault,
        figures.frames_in,
        figures.arrived,
        figures.counted_in,
        figures.frames_in.saturating_sub(figures.arrived),
        figures.duplicated,
        recovery
    );
    eprint!("reliability {row}");
    if let Ok(path) = std::env::var("GNSS_RELIABILITY_REPORT") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("GNSS_RELIABILITY_REPORT={path}: {e}"));
        file.write_all(row.as_bytes()).unwrap();
    }
}

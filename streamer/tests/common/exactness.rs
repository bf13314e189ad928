//! The load and the checks of the exactness tests: simulated receivers and the real recordings
//! produced to a topic, and what each record once in every table looks like.

use super::expected::{Expected, assert_rows_close};
use super::{
    ClickHouse, aggregate_targets, merged_rows, raw_fingerprint, replay_real, simulate_day,
};

/// Simulated logs per second: every raw table and aggregate gets rows; the mock broker keeps it.
pub const RATES: &str = "bestpos=10,bestvel=10,range=1,inspvas=10,rxstatus=1,time=1";
pub const RATE_SUM: u64 = 10 + 10 + 1 + 10 + 1 + 1;
/// Small batches: many of them, so that interruptions land between and inside them.
pub const SMALL_BATCHES: [&str; 4] = ["--batch-max-frames", "400", "--batch-max-age", "100ms"];

/// Produces to `topic` `receivers` simulated receivers for `seconds`, `day` days after the first
/// day, and on the first day the real recordings too; returns the records' frames count and what
/// the real recordings decode to.
pub fn produce(
    bootstrap: &str,
    topic: &str,
    receivers: u32,
    seconds: u64,
    day: u64,
) -> (u64, Expected) {
    simulate_day(bootstrap, topic, receivers, &format!("{seconds}s"), RATES, day);
    let expected = if day == 0 { replay_real(bootstrap, topic) } else { Expected::default() };
    (expected.total_frames() + u64::from(receivers) * seconds * RATE_SUM, expected)
}

/// Rows of `database.frames`, distinct records among them and the extra copies.
pub fn arrivals(ch: &ClickHouse, database: &str) -> (u64, u64) {
    let distinct = ch
        .count(&format!("SELECT uniqExact(kafka_partition, kafka_offset) FROM {database}.frames"));
    (distinct, frames_in(ch, database) - distinct)
}

/// Rows of `database.frames`; 0 while the server does not answer.
pub fn frames_in(ch: &ClickHouse, database: &str) -> u64 {
    ch.try_query(&format!("SELECT count() FROM {database}.frames"))
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Every raw table holds the same rows in both (server, database), and every aggregate merges
/// the same.
pub fn assert_same_content(a: (&ClickHouse, &str), b: (&ClickHouse, &str)) {
    assert_eq!(raw_fingerprint(a.0, a.1), raw_fingerprint(b.0, b.1));
    for target in aggregate_targets() {
        let rows = merged_rows(a.0, a.1, &target);
        assert!(!rows.is_empty(), "{target} has rows");
        assert_rows_close(&rows, &merged_rows(b.0, b.1, &target), &target);
    }
}

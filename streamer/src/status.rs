//! The streamer's state as the HTTP API ([`gnss_common::http`]) shows it: the group, the
//! partitions assigned with where each stands (its mark in ClickHouse, the consumer's position,
//! the high watermark, the lag), the last batch written, and whether ClickHouse answers. The
//! rebalance callback, the job and a ClickHouse probe update it; `/ready` is partitions assigned
//! and ClickHouse answering.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use gnss_common::http::{Probe, time};
use serde_json::{Value, json};

use crate::sink::Sink;

/// Where an assigned partition stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Partition {
    /// The last offset ClickHouse holds: the exactly-once mark the partition resumes after.
    pub mark: Option<i64>,
    /// The next offset the consumer fetches.
    pub position: Option<i64>,
    /// The offset after the partition's last record, as librdkafka's last statistics told
    /// (every `statistics.interval.ms`, 10 s).
    pub high_watermark: Option<i64>,
}

/// The last batch written to ClickHouse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batch {
    pub written_ms: i64,
    /// Kafka records (frames and reports of rejected bytes).
    pub frames: usize,
    /// Rows of the raw tables.
    pub rows: usize,
    pub duration: Duration,
}

#[derive(Default)]
struct State {
    partitions: BTreeMap<i32, Partition>,
    last_batch: Option<Batch>,
    /// Why ClickHouse did not answer the last probe; `None` when it did.
    clickhouse: Option<String>,
}

/// The streamer's state, shared.
pub struct Status {
    group: String,
    topic: String,
    state: Mutex<State>,
}

/// How long ClickHouse has to answer the probe.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

impl Status {
    pub fn new(group: &str, topic: &str) -> Self {
        let state = State { clickhouse: Some("not connected yet".to_owned()), ..State::default() };
        Status { group: group.to_owned(), topic: topic.to_owned(), state: Mutex::new(state) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Partitions assigned, with the marks ClickHouse holds of them.
    pub fn assigned(&self, partitions: &[i32], marks: &HashMap<i32, i64>) {
        let mut state = self.state();
        for &p in partitions {
            state
                .partitions
                .insert(p, Partition { mark: marks.get(&p).copied(), ..Default::default() });
        }
    }

    pub fn revoked(&self, partitions: &[i32]) {
        let mut state = self.state();
        for p in partitions {
            state.partitions.remove(p);
        }
    }

    /// A batch written: its last offset per partition is the partition's new mark.
    pub fn written(&self, batch: Batch, last_offsets: impl Iterator<Item = (i32, i64)>) {
        let mut state = self.state();
        for (p, last) in last_offsets {
            if let Some(partition) = state.partitions.get_mut(&p) {
                partition.mark = Some(last);
            }
        }
        state.last_batch = Some(batch);
        state.clickhouse = None;
    }

    /// The consumer's position in the assigned partitions.
    pub fn positions(&self, positions: impl Iterator<Item = (i32, Option<i64>)>) {
        let mut state = self.state();
        for (p, position) in positions {
            if let Some(partition) = state.partitions.get_mut(&p) {
                partition.position = position;
            }
        }
    }

    /// The high watermarks of librdkafka's statistics.
    pub fn high_watermarks(&self, watermarks: impl Iterator<Item = (i32, i64)>) {
        let mut state = self.state();
        for (p, high) in watermarks {
            if let Some(partition) = state.partitions.get_mut(&p) {
                partition.high_watermark = Some(high);
            }
        }
    }

    /// Asks ClickHouse `SELECT 1` every `every`, for `/ready`.
    pub async fn probe_clickhouse(self: Arc<Self>, sink: Arc<Sink>, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            let answer = tokio::time::timeout(PROBE_TIMEOUT, sink.count("SELECT toUInt64(1)"));
            let error = match answer.await {
                Ok(Ok(_)) => None,
                Ok(Err(error)) => Some(error.to_string()),
                Err(_) => Some(format!("no answer within {PROBE_TIMEOUT:?}")),
            };
            self.state().clickhouse = error;
        }
    }
}

impl Probe for Status {
    fn not_ready(&self) -> Vec<String> {
        let state = self.state();
        let mut missing = Vec::new();
        if state.partitions.is_empty() {
            missing
                .push(format!("no partition of {} assigned to group {}", self.topic, self.group));
        }
        if let Some(error) = &state.clickhouse {
            missing.push(format!("ClickHouse does not answer: {error}"));
        }
        missing
    }

    fn status(&self) -> Value {
        let state = self.state();
        let assignment: Vec<Value> = state
            .partitions
            .iter()
            .map(|(p, s)| {
                let lag = s.high_watermark.zip(s.position).map(|(high, at)| (high - at).max(0));
                json!({
                    "partition": p,
                    "mark": s.mark,
                    "position": s.position,
                    "high_watermark": s.high_watermark,
                    "lag": lag,
                })
            })
            .collect();
        let last_batch = state.last_batch.map(|b| {
            json!({
                "written": time(b.written_ms),
                "frames": b.frames,
                "rows": b.rows,
                "duration_ms": b.duration.as_millis() as u64,
            })
        });
        json!({
            "group": self.group,
            "topic": self.topic,
            "assignment": assignment,
            "last_batch": last_batch,
            "clickhouse": { "reachable": state.clickhouse.is_none(), "error": state.clickhouse },
        })
    }
}

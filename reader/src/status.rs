//! The state of each source as the HTTP API shows it. The pipeline updates it once per chunk read
//! (atomics, no lock on the way of frames); the API reads it whenever asked.

use std::sync::atomic::{AtomicI64, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use gnss_common::http;
use novatel::RejectReason;
use serde_json::{Value, json};

use crate::source::link::Connection;
use crate::source::{Link, Source};

/// What one source's pipeline has read so far: bytes, frames, frames the filter left out, and
/// rejected bytes by reason (in the order of [`RejectReason::ALL`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub bytes: u64,
    pub frames: u64,
    pub filtered: u64,
    pub rejected: [u64; 4],
}

/// Where a source is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Nothing read yet.
    Starting = 0,
    /// A recording or a simulated receiver is being read (live receivers: see their link).
    Reading = 1,
    /// Everything was read, or the pipeline stopped.
    Ended = 2,
}

/// No time yet.
const NONE: i64 = i64::MIN;

/// One source's state.
pub struct SourceStatus {
    pub index: usize,
    pub kind: &'static str,
    /// The device, address, recordings or simulated receiver's id.
    pub what: String,
    /// A live receiver's connection and console.
    pub link: Option<Arc<Link>>,
    phase: AtomicU8,
    /// The receiver id of the current stream (rarely changes: a lock is cheap enough).
    receiver: Mutex<String>,
    bytes: AtomicU64,
    frames: AtomicU64,
    filtered: AtomicU64,
    rejected: [AtomicU64; 4],
    last_gps_ms: AtomicI64,
    last_wall_ms: AtomicI64,
}

impl SourceStatus {
    pub fn new(index: usize, source: &Source) -> Self {
        SourceStatus {
            index,
            kind: source.kind(),
            what: source.describe(),
            link: source.link(),
            phase: AtomicU8::new(Phase::Starting as u8),
            receiver: Mutex::new(String::new()),
            bytes: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            filtered: AtomicU64::new(0),
            rejected: Default::default(),
            last_gps_ms: AtomicI64::new(NONE),
            last_wall_ms: AtomicI64::new(NONE),
        }
    }

    /// A stream starts, from `receiver`.
    pub fn stream(&self, receiver: &str) {
        receiver.clone_into(&mut self.receiver.lock().unwrap_or_else(|p| p.into_inner()));
        self.phase.store(Phase::Reading as u8, Ordering::Relaxed);
    }

    /// The pipeline's totals after a chunk, and the GPS time (UTC ms) of the stream's latest
    /// frame. Only the pipeline writes, so comparing with the stored count is enough to see new
    /// frames.
    pub fn record(&self, totals: &Totals, last_gps_ms: Option<i64>) {
        if self.frames.swap(totals.frames, Ordering::Relaxed) != totals.frames {
            self.last_wall_ms.store(now_ms(), Ordering::Relaxed);
        }
        self.bytes.store(totals.bytes, Ordering::Relaxed);
        self.filtered.store(totals.filtered, Ordering::Relaxed);
        for (slot, n) in self.rejected.iter().zip(totals.rejected) {
            slot.store(n, Ordering::Relaxed);
        }
        if let Some(ms) = last_gps_ms {
            self.last_gps_ms.store(ms, Ordering::Relaxed);
        }
    }

    /// The receiver id of the current stream; empty before the first.
    pub fn receiver(&self) -> String {
        self.receiver.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn end(&self) {
        self.phase.store(Phase::Ended as u8, Ordering::Relaxed);
    }

    /// `connecting`, `connected`, `reconnecting` (live receivers), `starting`, `reading`, or
    /// `ended`.
    pub fn state(&self) -> &'static str {
        let phase = self.phase.load(Ordering::Relaxed);
        match &self.link {
            _ if phase == Phase::Ended as u8 => "ended",
            Some(link) => link.connection().as_str(),
            None if phase == Phase::Reading as u8 => "reading",
            None => "starting",
        }
    }

    /// Why the source is not ready, if it is not: ready means connected (live receivers) or
    /// being read.
    pub fn not_ready(&self) -> Option<String> {
        let state = self.state();
        let ready = match &self.link {
            Some(link) => state != "ended" && link.connection() == Connection::Connected,
            None => state == "reading",
        };
        (!ready).then(|| format!("source {} ({}) is {state}", self.index, self.what))
    }

    pub fn json(&self) -> Value {
        let rejected: serde_json::Map<String, Value> = RejectReason::ALL
            .iter()
            .zip(&self.rejected)
            .map(|(reason, n)| (reason.as_str().to_owned(), n.load(Ordering::Relaxed).into()))
            .collect();
        json!({
            "index": self.index,
            "kind": self.kind,
            "source": self.what,
            "receiver": self.receiver(),
            "state": self.state(),
            "bytes": self.bytes.load(Ordering::Relaxed),
            "frames": self.frames.load(Ordering::Relaxed),
            "filtered": self.filtered.load(Ordering::Relaxed),
            "rejected_bytes": rejected,
            "last_frame": {
                "gps_time": time(self.last_gps_ms.load(Ordering::Relaxed)),
                "wall_time": time(self.last_wall_ms.load(Ordering::Relaxed)),
            },
        })
    }
}

/// A time, or null for none yet.
fn time(ms: i64) -> Value {
    if ms == NONE { Value::Null } else { http::time(ms) }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

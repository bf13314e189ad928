//! The simulated receiver as a source: its frames at their own pace (real time, faster, or as
//! fast as they can be made) for a duration or until stopped.

use std::time::{Duration, Instant};

use super::{Chunk, SourceError, StreamInfo};
use novatel::simulate::Simulator;

/// Bytes made at a time when not paced.
const BATCH: usize = 64 * 1024;

pub struct Simulated {
    sim: Simulator,
    receiver_id: String,
    /// Simulated seconds per second; `None` for as fast as possible.
    speed: Option<f64>,
    /// Stop after this much simulated time.
    until_ms: Option<u64>,
    started: Option<Instant>,
    pending: Vec<u8>,
    at: usize,
}

impl Simulated {
    pub fn new(
        sim: Simulator,
        receiver_id: String,
        speed: Option<f64>,
        duration: Option<Duration>,
    ) -> Self {
        let until_ms = duration.map(|d| d.as_millis() as u64);
        Simulated { sim, receiver_id, speed, until_ms, started: None, pending: Vec::new(), at: 0 }
    }

    /// The simulated receiver's id.
    pub fn describe(&self) -> String {
        self.receiver_id.clone()
    }

    pub async fn next(&mut self, buf: &mut [u8]) -> Result<Chunk, SourceError> {
        let Some(started) = self.started else {
            self.started = Some(Instant::now());
            return Ok(Chunk::Stream(StreamInfo {
                receiver_id: self.receiver_id.clone(),
                size: None,
            }));
        };
        while self.at == self.pending.len() {
            self.pending.clear();
            self.at = 0;
            loop {
                if self.until_ms.is_some_and(|until| self.sim.elapsed_ms() >= until) {
                    if self.pending.is_empty() {
                        return Ok(Chunk::End);
                    }
                    break;
                }
                if let Some(speed) = self.speed {
                    let due = started
                        + Duration::from_secs_f64(self.sim.elapsed_ms() as f64 / 1000.0 / speed);
                    if !self.pending.is_empty() && due > Instant::now() {
                        break;
                    }
                    tokio::time::sleep_until(due.into()).await;
                }
                self.sim.write_epoch(&mut self.pending).map_err(|e| SourceError::Read {
                    what: "the simulated receiver".to_owned(),
                    source: std::io::Error::other(e),
                })?;
                if self.speed.is_some() && !self.pending.is_empty() || self.pending.len() >= BATCH {
                    break;
                }
            }
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(Chunk::Data(n))
    }
}

//! One source to Kafka: read bytes, frame them, leave out what the filter says, pace recordings by
//! their GPS time if asked, and produce every frame.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use metrics::{Counter, counter, gauge};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::filter::LogFilter;
use crate::kafka::record::RejectedRecord;
use crate::kafka::{FrameProducer, FrameRecord};
use crate::source::{Chunk, Source, SourceError};
use crate::status::{SourceStatus, Totals};
use gnss_common::telemetry::RateLimit;
use novatel::{Event, Format, Framer, RejectReason, header, ids};

use crate::metrics as m;

/// Bytes asked of the source at a time.
const CHUNK: usize = 64 * 1024;
const MS_PER_WEEK: i64 = 604_800_000;

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar when stderr is a terminal, log lines otherwise.
    Auto,
    Bar,
    None,
}

/// Runs one source until it ends or `shutdown` is cancelled.
pub struct Pipeline {
    pub producer: Arc<FrameProducer>,
    pub filter: watch::Receiver<LogFilter>,
    /// Replaces the receiver id the source gives.
    pub receiver_id: Option<String>,
    /// Replay at this many times real time by the logs' GPS time; `None` for as fast as possible.
    pub speed: Option<f64>,
    pub progress: ProgressMode,
    /// Total bytes expected, for the progress bar.
    pub total_bytes: Option<u64>,
    pub shutdown: CancellationToken,
    /// What the HTTP API shows of this source.
    pub status: Arc<SourceStatus>,
}

impl Pipeline {
    pub async fn run(mut self, mut source: Source) -> Result<Totals, SourceError> {
        let mut stream = Stream::default();
        let mut filter = self.filter.borrow_and_update().clone();
        let mut pacer = self.speed.map(Pacer::new);
        let mut progress = Progress::new(self.progress, self.total_bytes, source.is_live());
        let mut counters = Counters::default();
        let mut totals = Totals::default();
        loop {
            let chunk = tokio::select! {
                biased;
                () = self.shutdown.cancelled() => break,
                chunk = source.next(stream.framer.writable(CHUNK)) => chunk?,
            };
            match chunk {
                Chunk::Data(n) => {
                    stream.framer.commit(n);
                    totals.bytes += n as u64;
                    counters.bytes.increment(n as u64);
                    progress.bytes(n as u64);
                }
                Chunk::Stream(info) => {
                    stream.framer.finish();
                    self.drain(&mut stream, &filter, &mut pacer, &mut counters, &mut totals).await;
                    let receiver = self.receiver_id.clone().unwrap_or(info.receiver_id);
                    debug!(receiver, size = info.size, "stream starts");
                    self.status.stream(&receiver);
                    stream = Stream { receiver, ..Stream::default() };
                    if let Some(pacer) = &mut pacer {
                        pacer.restart();
                    }
                    continue;
                }
                Chunk::End => break,
            }
            if self.filter.has_changed().unwrap_or(false) {
                filter = self.filter.borrow_and_update().clone();
                info!(%filter, "log filter changed");
            }
            self.drain(&mut stream, &filter, &mut pacer, &mut counters, &mut totals).await;
            self.status.record(&totals, stream.last_gps_ms);
            progress.frames(totals.frames);
            gauge!(m::QUEUE_DEPTH).set(self.producer.in_flight() as f64);
        }
        stream.framer.finish();
        self.drain(&mut stream, &filter, &mut pacer, &mut counters, &mut totals).await;
        self.status.record(&totals, stream.last_gps_ms);
        progress.finish(&totals);
        Ok(totals)
    }

    /// Produces every frame the framer has; counts and logs what it rejected.
    async fn drain(
        &self,
        stream: &mut Stream,
        filter: &LogFilter,
        pacer: &mut Option<Pacer>,
        counters: &mut Counters,
        totals: &mut Totals,
    ) {
        let Stream { framer, receiver, last_gps_ms } = stream;
        let receiver = receiver.as_str();
        while let Some(event) = framer.next_event() {
            let frame = match event {
                Event::Frame(frame) => frame,
                Event::Rejected(rejected) => {
                    let report = RejectedRecord {
                        receiver,
                        reason: rejected.reason,
                        bytes: rejected.bytes.len() as u64,
                        gps_ms: *last_gps_ms,
                    };
                    self.producer.send_rejected(&report).await;
                    counters.rejected(rejected.reason, rejected.bytes.len() as u64);
                    totals.rejected[reason_index(rejected.reason)] += rejected.bytes.len() as u64;
                    match rejected.reason {
                        RejectReason::Unframed => {
                            // A receiver's reply to a command of the HTTP API, maybe.
                            if let Some(link) = &self.status.link {
                                link.offer(rejected.bytes);
                            }
                            debug!(
                                receiver,
                                offset = rejected.offset,
                                text = %String::from_utf8_lossy(rejected.bytes).escape_debug(),
                                "bytes between frames"
                            );
                        }
                        reason => {
                            if let Some(suppressed) = counters.reject_log.check() {
                                warn!(receiver, offset = rejected.offset, bytes = rejected.bytes.len(), %reason, suppressed, "rejected bytes");
                            }
                        }
                    }
                    continue;
                }
            };
            totals.frames += 1;
            let parsed = header::parse_borrowed(&frame);
            let header = match &parsed {
                Ok((header, _)) => Some(header),
                Err(error) => {
                    counters.header_errors.increment(1);
                    debug!(receiver, offset = frame.offset, %error, "frame with an unreadable header, produced as is");
                    None
                }
            };
            if let Some(ms) =
                header.filter(|h| h.week.is_some_and(|w| w > 0)).and_then(|h| h.unix_ms())
            {
                *last_gps_ms = Some(ms);
            }
            let name = header.map_or("UNKNOWN", |h| h.name.as_ref());
            counters.frame(header.and_then(|h| h.id), frame.format);
            if !filter.allows(name) {
                totals.filtered += 1;
                counters.filtered.increment(1);
                continue;
            }
            if let (Some(pacer), Some(h)) = (pacer.as_mut(), header)
                && let (Some(week @ 1..), Some(ms)) = (h.week, h.ms)
                && !self.shutdown.is_cancelled()
            {
                pacer.wait(i64::from(week) * MS_PER_WEEK + i64::from(ms), &self.shutdown).await;
            }
            let record = FrameRecord {
                receiver,
                format: frame.format,
                header,
                bytes: frame.bytes,
                offset: frame.offset,
            };
            self.producer.send(&record).await;
        }
    }
}

/// One stream of a source (a recording, a connection) being framed.
#[derive(Default)]
struct Stream {
    framer: Framer,
    receiver: String,
    /// The GPS time (UTC ms) of the stream's latest frame that has one: the time of the bytes
    /// rejected after it.
    last_gps_ms: Option<i64>,
}

fn reason_index(reason: RejectReason) -> usize {
    RejectReason::ALL.iter().position(|&r| r == reason).unwrap_or(0)
}

/// Metric handles, looked up once.
struct Counters {
    frames: HashMap<(Option<u16>, Format), Counter>,
    rejected: [Counter; 4],
    bytes: Counter,
    filtered: Counter,
    header_errors: Counter,
    reject_log: RateLimit,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            frames: HashMap::new(),
            rejected: RejectReason::ALL
                .map(|r| counter!(m::REJECTED_BYTES, "reason" => r.as_str())),
            bytes: counter!(m::BYTES_READ),
            filtered: counter!(m::FRAMES_FILTERED),
            header_errors: counter!(m::HEADER_ERRORS),
            reject_log: RateLimit::new(Duration::from_secs(10)),
        }
    }
}

impl Counters {
    /// Counts a frame of the log its header names by `id`; logs without a known name share the
    /// label `OTHER`, so the label set stays small. Keyed by the id: no string is built or hashed
    /// per frame.
    fn frame(&mut self, id: Option<u16>, format: Format) {
        let known = id.filter(|&id| ids::name(id).is_some());
        self.frames
            .entry((known, format))
            .or_insert_with(|| {
                let label = known.and_then(ids::name).unwrap_or("OTHER");
                counter!(m::FRAMES, "log" => label, "format" => format.as_str())
            })
            .increment(1);
    }

    fn rejected(&self, reason: RejectReason, bytes: u64) {
        self.rejected[reason_index(reason)].increment(bytes);
    }
}

/// Holds frames back so that they go out at `speed` times the pace of their GPS time.
///
/// Logs are not always in time order (an ephemeris carries the satellite's time, an ASCII reply
/// none): a frame stamped at or before the latest time seen goes at once. A jump of more than
/// [`MAX_GAP_MS`] starts a new timeline instead of a long wait.
struct Pacer {
    speed: f64,
    anchor: Option<(Instant, i64)>,
    latest: i64,
}

const MAX_GAP_MS: i64 = 10 * 60 * 1000;

impl Pacer {
    fn new(speed: f64) -> Self {
        Pacer { speed, anchor: None, latest: 0 }
    }

    /// A new stream (or a loop) starts its own timeline.
    fn restart(&mut self) {
        self.anchor = None;
    }

    /// Waits until the frame stamped `gps_ms` is due, or until `shutdown`.
    async fn wait(&mut self, gps_ms: i64, shutdown: &CancellationToken) {
        let Some((start, first)) = self.anchor.filter(|_| gps_ms - self.latest <= MAX_GAP_MS)
        else {
            self.anchor = Some((Instant::now(), gps_ms));
            self.latest = gps_ms;
            return;
        };
        if gps_ms <= self.latest {
            return;
        }
        self.latest = gps_ms;
        let due = start + Duration::from_secs_f64((gps_ms - first) as f64 / 1000.0 / self.speed);
        tokio::select! {
            () = tokio::time::sleep_until(due.into()) => {}
            () = shutdown.cancelled() => {}
        }
    }
}

/// A progress bar on a terminal, or a log line every so often.
enum Progress {
    Bar(ProgressBar),
    Lines {
        every: Duration,
        last: Instant,
        bytes: u64,
        frames: u64,
        frames_then: u64,
        total: Option<u64>,
    },
    None,
}

impl Progress {
    fn new(mode: ProgressMode, total: Option<u64>, live: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let lines = |every| Progress::Lines {
            every,
            last: Instant::now(),
            bytes: 0,
            frames: 0,
            frames_then: 0,
            total,
        };
        match mode {
            ProgressMode::None => Progress::None,
            _ if live => lines(Duration::from_secs(60)),
            ProgressMode::Bar | ProgressMode::Auto if terminal || mode == ProgressMode::Bar => {
                let bar = match total {
                    Some(total) => ProgressBar::new(total),
                    None => ProgressBar::new_spinner(),
                };
                let template = "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} {msg}";
                if let Ok(style) = ProgressStyle::with_template(template) {
                    bar.set_style(style);
                }
                Progress::Bar(bar)
            }
            _ => lines(Duration::from_secs(10)),
        }
    }

    fn bytes(&mut self, n: u64) {
        match self {
            Progress::Bar(bar) => bar.inc(n),
            Progress::Lines { bytes, .. } => *bytes += n,
            Progress::None => {}
        }
    }

    fn frames(&mut self, total: u64) {
        match self {
            Progress::Bar(bar) => {
                let rate = total as f64 / bar.elapsed().as_secs_f64().max(1e-3);
                bar.set_message(format!("{total} logs, {rate:.0} logs/s"));
            }
            Progress::Lines { every, last, bytes, frames, frames_then, total: expected } => {
                *frames = total;
                if last.elapsed() >= *every {
                    let rate = (*frames - *frames_then) as f64 / last.elapsed().as_secs_f64();
                    let percent = expected
                        .map(|t| format!("{:.1}%", *bytes as f64 * 100.0 / t.max(1) as f64));
                    info!(
                        bytes = *bytes,
                        percent,
                        logs = *frames,
                        logs_per_s = rate.round(),
                        "progress"
                    );
                    *last = Instant::now();
                    *frames_then = *frames;
                }
            }
            Progress::None => {}
        }
    }

    fn finish(&mut self, totals: &Totals) {
        if let Progress::Bar(bar) = self {
            bar.finish_with_message(format!("{} logs", totals.frames));
        }
    }
}

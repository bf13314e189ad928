//! Splitting a byte stream into checked frames.
//!
//! [`Framer`] is fed chunks of any size (or reads straight into its own buffer) and hands out
//! [`Event`]s: checked frames and runs of rejected bytes, each with its stream offset. A frame split
//! across chunks at any byte comes out exactly as if it had arrived whole. Its buffer never holds
//! more than one maximal frame plus the chunk being added. [`frames`] does the same over a slice
//! already in memory, without copying.

use super::frame::{Event, Format, Frame, RejectReason, Rejected};
use super::scan::{Scanner, Step};

/// Running totals of what a framer has seen. Every input byte is counted exactly once, either in a
/// frame or as rejected for one reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    frames: [u64; Format::ALL.len()],
    frame_bytes: u64,
    rejected: [u64; RejectReason::ALL.len()],
    bad_crc_runs: u64,
    /// Stream offset just past the last byte rejected for a bad CRC, to join runs that arrive in
    /// several events.
    bad_crc_end: u64,
}

impl Stats {
    /// Frames seen in `format`.
    pub fn frames(&self, format: Format) -> u64 {
        self.frames[format.index()]
    }

    /// Frames seen in all formats.
    pub fn total_frames(&self) -> u64 {
        self.frames.iter().sum()
    }

    /// Bytes inside frames.
    pub fn frame_bytes(&self) -> u64 {
        self.frame_bytes
    }

    /// Bytes rejected for `reason`.
    pub fn rejected_bytes(&self, reason: RejectReason) -> u64 {
        self.rejected[reason.index()]
    }

    /// Bytes rejected for any reason.
    pub fn total_rejected_bytes(&self) -> u64 {
        self.rejected.iter().sum()
    }

    /// Contiguous runs of bytes rejected for a bad checksum: the number of damaged frames, except
    /// that damaged frames back to back count once.
    pub fn bad_crc_runs(&self) -> u64 {
        self.bad_crc_runs
    }

    fn record(&mut self, event: &Event<'_>) {
        match event {
            Event::Frame(frame) => {
                self.frames[frame.format.index()] += 1;
                self.frame_bytes += frame.bytes.len() as u64;
            }
            Event::Rejected(rejected) => {
                self.rejected[rejected.reason.index()] += rejected.bytes.len() as u64;
                if rejected.reason == RejectReason::BadCrc {
                    if rejected.offset != self.bad_crc_end || self.bad_crc_runs == 0 {
                        self.bad_crc_runs += 1;
                    }
                    self.bad_crc_end = rejected.offset + rejected.bytes.len() as u64;
                }
            }
        }
    }
}

fn event(step: Step, buf: &[u8], offset: u64) -> Option<(Event<'_>, usize)> {
    match step {
        Step::Frame(format, len) => {
            Some((Event::Frame(Frame { format, offset, bytes: &buf[..len] }), len))
        }
        Step::Reject(reason, len) => {
            Some((Event::Rejected(Rejected { reason, offset, bytes: &buf[..len] }), len))
        }
        Step::NeedMore => None,
    }
}

/// A streaming framer: feed it bytes, take events out.
///
/// ```
/// use novatel::{Event, Framer};
///
/// let mut framer = Framer::new();
/// for chunk in [&b"<OK\r\n[CO"[..], b"M1]"] {
///     framer.push(chunk);
///     while let Some(event) = framer.next_event() {
///         if let Event::Frame(frame) = event {
///             println!("{} frame of {} bytes", frame.format, frame.bytes.len());
///         }
///     }
/// }
/// framer.finish();
/// while framer.next_event().is_some() {}
/// assert_eq!(framer.stats().total_rejected_bytes(), 11);
/// ```
#[derive(Debug, Default)]
pub struct Framer {
    /// `buf[..filled]` holds stream bytes; the rest is space handed out by `writable`.
    buf: Vec<u8>,
    filled: usize,
    /// Bytes of `buf` before this index were handed out already.
    start: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    eof: bool,
    scanner: Scanner,
    stats: Stats,
}

impl Framer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `data` to the stream. Take the events out (until [`Framer::next_event`] returns
    /// `None`) before pushing again, or the buffer grows by what is pushed.
    pub fn push(&mut self, data: &[u8]) {
        self.writable(data.len())[..data.len()].copy_from_slice(data);
        self.commit(data.len());
    }

    /// Space for at least `min` more bytes at the end of the stream, for a reader to fill before
    /// calling [`Framer::commit`]; saves a copy when reading from a file or socket.
    pub fn writable(&mut self, min: usize) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.base += self.start as u64;
            self.start = 0;
        }
        if self.buf.len() < self.filled + min {
            self.buf.resize(self.filled + min, 0);
        }
        &mut self.buf[self.filled..]
    }

    /// Adds the first `n` bytes of the space from the last [`Framer::writable`] to the stream.
    pub fn commit(&mut self, n: usize) {
        self.filled = (self.filled + n).min(self.buf.len());
    }

    /// Marks the end of the stream: whatever is left is handed out, an incomplete frame at the end
    /// as truncated.
    pub fn finish(&mut self) {
        self.eof = true;
    }

    /// The next frame or run of rejected bytes, or `None` when more input is needed (or, after
    /// [`Framer::finish`], when everything has been handed out).
    pub fn next_event(&mut self) -> Option<Event<'_>> {
        let window = &self.buf[self.start..self.filled];
        let offset = self.base + self.start as u64;
        let step = self.scanner.step(window, offset, self.eof);
        let (event, len) = event(step, window, offset)?;
        self.start += len;
        self.stats.record(&event);
        Some(event)
    }

    /// Bytes received but not yet handed out.
    pub fn buffered(&self) -> usize {
        self.filled - self.start
    }

    /// Stream offset of the next byte to be handed out.
    pub fn position(&self) -> u64 {
        self.base + self.start as u64
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

/// Events over a complete input held in memory, without copying it.
pub fn frames(data: &[u8]) -> Frames<'_> {
    Frames { data, at: 0, scanner: Scanner::default(), stats: Stats::default() }
}

/// Iterator returned by [`frames`].
#[derive(Debug)]
pub struct Frames<'a> {
    data: &'a [u8],
    at: usize,
    scanner: Scanner,
    stats: Stats,
}

impl<'a> Frames<'a> {
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        let window = &self.data[self.at..];
        let step = self.scanner.step(window, self.at as u64, true);
        let (event, len) = event(step, window, self.at as u64)?;
        self.at += len;
        self.stats.record(&event);
        Some(event)
    }
}

//! The Kafka message contract of the frames topic, shared by the reader (producing) and the
//! streamer (consuming).
//!
//! - value: the frame's bytes exactly as the receiver sent them (binary or text, checksum
//!   included), so any consumer can decode the source of truth again;
//! - key: the receiver id, so each receiver's frames stay in order in one partition;
//! - timestamp: the log's GPS time as UTC milliseconds (the time of production for NMEA);
//! - headers, all UTF-8 text: `log` (name, e.g. `BESTPOS`), `id` (message id, absent when
//!   unknown), `format` (`binary`, `short_binary`, `ascii`, `short_ascii`, `abbreviated`, `nmea`),
//!   `week` and `ms` (GPS week and milliseconds, absent for NMEA), `receiver`, `offset` (the
//!   frame's byte offset in the reader's source: in the recording, or in the bytes read from a
//!   live port since the reader started; with the receiver and the GPS time it tells a frame
//!   produced again, by a reader restarted on a recording, from a new one).
//!
//! Bytes the reader rejected are reported on the same topic, so that data quality can be followed
//! downstream: an empty value, the receiver as key, as timestamp the GPS time of the last frame
//! before them in the same source that had one (the time of reading when none had), and headers
//! `kind` = `rejected`, `reason` (`bad_crc`, `oversize`, `unframed`, `truncated`), `bytes` (how
//! many) and `receiver`. Frame messages have no `kind` header.

use rdkafka::message::{Header, OwnedHeaders};

use crate::novatel::{Format, Header as FrameHeader, RejectReason};

pub const HEADER_LOG: &str = "log";
pub const HEADER_ID: &str = "id";
pub const HEADER_FORMAT: &str = "format";
pub const HEADER_WEEK: &str = "week";
pub const HEADER_MS: &str = "ms";
pub const HEADER_RECEIVER: &str = "receiver";
pub const HEADER_OFFSET: &str = "offset";
pub const HEADER_KIND: &str = "kind";
pub const HEADER_REASON: &str = "reason";
pub const HEADER_BYTES: &str = "bytes";
/// `kind` of a report of rejected bytes.
pub const KIND_REJECTED: &str = "rejected";

/// What one message carries.
#[derive(Clone, Copy, Debug)]
pub struct FrameRecord<'a> {
    pub receiver: &'a str,
    pub format: Format,
    /// The parsed header, if the frame's header could be parsed.
    pub header: Option<&'a FrameHeader<'a>>,
    pub bytes: &'a [u8],
    /// Byte offset of the frame in the source.
    pub offset: u64,
}

impl FrameRecord<'_> {
    /// Message timestamp: the log's GPS time in UTC, or `now_ms` if it has none.
    pub fn timestamp_ms(&self, now_ms: i64) -> i64 {
        self.header.and_then(FrameHeader::unix_ms).unwrap_or(now_ms)
    }

    pub fn headers(&self) -> OwnedHeaders {
        let mut numbers = [(); 4].map(|()| itoa::Buffer::new());
        let [id_text, week_text, ms_text, offset_text] = &mut numbers;
        let mut headers = OwnedHeaders::new_with_capacity(7);
        let add = |headers: OwnedHeaders, key: &str, value: &str| {
            headers.insert(Header { key, value: Some(value.as_bytes()) })
        };
        if let Some(h) = self.header {
            headers = add(headers, HEADER_LOG, &h.name);
            if let Some(id) = h.id {
                headers = add(headers, HEADER_ID, id_text.format(id));
            }
        }
        headers = add(headers, HEADER_FORMAT, self.format.as_str());
        if let Some(h) = self.header
            && let (Some(week), Some(ms)) = (h.week, h.ms)
        {
            headers = add(headers, HEADER_WEEK, week_text.format(week));
            headers = add(headers, HEADER_MS, ms_text.format(ms));
        }
        headers = add(headers, HEADER_OFFSET, offset_text.format(self.offset));
        add(headers, HEADER_RECEIVER, self.receiver)
    }
}

/// A report of bytes the reader rejected.
#[derive(Clone, Copy, Debug)]
pub struct RejectedRecord<'a> {
    pub receiver: &'a str,
    pub reason: RejectReason,
    pub bytes: u64,
    /// The GPS time (UTC ms) of the last frame before the bytes that had one.
    pub gps_ms: Option<i64>,
}

impl RejectedRecord<'_> {
    /// Message timestamp: where the bytes lie in the source's GPS time, or `now_ms` if no frame
    /// before them had a time. A replayed recording's rejects so fall within its own time range.
    pub fn timestamp_ms(&self, now_ms: i64) -> i64 {
        self.gps_ms.unwrap_or(now_ms)
    }

    pub fn headers(&self) -> OwnedHeaders {
        let mut count = itoa::Buffer::new();
        OwnedHeaders::new_with_capacity(4)
            .insert(Header { key: HEADER_KIND, value: Some(KIND_REJECTED) })
            .insert(Header { key: HEADER_REASON, value: Some(self.reason.as_str()) })
            .insert(Header { key: HEADER_BYTES, value: Some(count.format(self.bytes)) })
            .insert(Header { key: HEADER_RECEIVER, value: Some(self.receiver) })
    }
}

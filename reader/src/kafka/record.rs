//! The messages of the frames topic as the reader produces them: a frame, or a report of rejected
//! bytes. The contract itself (value, key, timestamp, headers) is [`gnss_common::kafka`]'s.

use gnss_common::kafka::{
    HEADER_BYTES, HEADER_FORMAT, HEADER_ID, HEADER_KIND, HEADER_LOG, HEADER_MS, HEADER_OFFSET,
    HEADER_REASON, HEADER_RECEIVER, HEADER_WEEK, KIND_REJECTED,
};
use novatel::{Format, Header as FrameHeader, RejectReason};
use rdkafka::message::{Header, OwnedHeaders};

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

//! The messages of the frames topic as the reader produces them: a frame, or a report of rejected
//! bytes. The contract itself (value, key, timestamp, headers) is [`gnss_common::kafka`]'s.

use gnss_common::kafka::{
    FrameHeaders, HEADER_BYTES, HEADER_FORMAT, HEADER_ID, HEADER_KIND, HEADER_LOG, HEADER_MS,
    HEADER_OFFSET, HEADER_REASON, HEADER_RECEIVER, HEADER_WEEK, KIND_REJECTED,
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
    /// Message timestamp: the log's GPS time in UTC, or `now_ms()` if it has none (the clock is
    /// read only then).
    pub fn timestamp_ms(&self, now_ms: impl FnOnce() -> i64) -> i64 {
        self.header.and_then(FrameHeader::unix_ms).unwrap_or_else(now_ms)
    }

    /// The message's headers in the set the reader was told to send.
    pub fn headers(&self, set: FrameHeaders) -> OwnedHeaders {
        match set {
            FrameHeaders::Lean => self.lean_headers(),
            FrameHeaders::Full => self.full_headers(),
        }
    }

    /// `offset` alone: one header for librdkafka to allocate, copy and free.
    fn lean_headers(&self) -> OwnedHeaders {
        let mut offset = itoa::Buffer::new();
        OwnedHeaders::new_with_capacity(1)
            .insert(Header { key: HEADER_OFFSET, value: Some(offset.format(self.offset)) })
    }

    fn full_headers(&self) -> OwnedHeaders {
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
    /// Message timestamp: where the bytes lie in the source's GPS time, or `now_ms()` if no frame
    /// before them had a time. A replayed recording's rejects so fall within its own time range.
    pub fn timestamp_ms(&self, now_ms: impl FnOnce() -> i64) -> i64 {
        self.gps_ms.unwrap_or_else(now_ms)
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

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use rdkafka::message::Headers;

    use super::*;

    fn pairs(headers: &OwnedHeaders) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|h| {
                let value = std::str::from_utf8(h.value.expect("a value")).expect("text");
                (h.key.to_owned(), value.to_owned())
            })
            .collect()
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn header(
        format: Format,
        name: &'static str,
        id: Option<u16>,
        time: Option<(u16, u32)>,
    ) -> FrameHeader<'static> {
        FrameHeader {
            name: Cow::Borrowed(name),
            id,
            week: time.map(|(week, _)| week),
            ms: time.map(|(_, ms)| ms),
            ..FrameHeader::empty(format)
        }
    }

    #[test]
    fn lean_frames_carry_the_offset_alone_and_full_frames_every_header() {
        let bestpos = header(Format::Binary, "BESTPOS", Some(42), Some((2300, 419_928_000)));
        let record = FrameRecord {
            receiver: "rover",
            format: Format::Binary,
            header: Some(&bestpos),
            bytes: b"frame",
            offset: 18_446_744_073_709_551_615,
        };
        assert_eq!(
            pairs(&record.headers(FrameHeaders::Lean)),
            owned(&[("offset", "18446744073709551615")])
        );
        assert_eq!(
            pairs(&record.headers(FrameHeaders::Full)),
            owned(&[
                ("log", "BESTPOS"),
                ("id", "42"),
                ("format", "binary"),
                ("week", "2300"),
                ("ms", "419928000"),
                ("offset", "18446744073709551615"),
                ("receiver", "rover"),
            ])
        );
        // NMEA has no id nor GPS time; a frame whose header cannot be read has no name either.
        let nmea = header(Format::Nmea, "GPGGA", None, None);
        let record = FrameRecord { format: Format::Nmea, header: Some(&nmea), offset: 7, ..record };
        assert_eq!(pairs(&record.headers(FrameHeaders::Lean)), owned(&[("offset", "7")]));
        assert_eq!(
            pairs(&record.headers(FrameHeaders::Full)),
            owned(&[("log", "GPGGA"), ("format", "nmea"), ("offset", "7"), ("receiver", "rover")])
        );
        let unreadable = FrameRecord { format: Format::Ascii, header: None, offset: 0, ..record };
        assert_eq!(pairs(&unreadable.headers(FrameHeaders::Lean)), owned(&[("offset", "0")]));
        assert_eq!(
            pairs(&unreadable.headers(FrameHeaders::Full)),
            owned(&[("format", "ascii"), ("offset", "0"), ("receiver", "rover")])
        );
    }

    #[test]
    fn reports_of_rejected_bytes_carry_their_four_headers() {
        let record = RejectedRecord {
            receiver: "rover",
            reason: RejectReason::BadCrc,
            bytes: 12,
            gps_ms: None,
        };
        assert_eq!(
            pairs(&record.headers()),
            owned(&[
                ("kind", "rejected"),
                ("reason", "bad_crc"),
                ("bytes", "12"),
                ("receiver", "rover")
            ])
        );
    }
}

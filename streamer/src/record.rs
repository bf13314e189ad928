//! A Kafka message of the frames topic, as the streamer reads it (see
//! `novatel_reader::kafka::record` for the contract).

use std::borrow::Cow;

use novatel_reader::kafka::record::{
    HEADER_BYTES, HEADER_KIND, HEADER_OFFSET, HEADER_REASON, KIND_REJECTED,
};
use rdkafka::Message;
use rdkafka::message::Headers;

/// What a message carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind<'a> {
    /// A frame: the value is its bytes.
    Frame,
    /// A report of bytes the reader rejected.
    Rejected { reason: Cow<'a, str>, bytes: u64 },
}

/// A message, borrowed from the consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub partition: i32,
    pub offset: i64,
    /// The message key: the receiver id.
    pub receiver: Cow<'a, str>,
    /// The message timestamp (the log's GPS time as UTC), 0 if it has none.
    pub timestamp_ms: i64,
    pub kind: Kind<'a>,
    pub value: &'a [u8],
    /// The frame's byte offset in the reader's source (`offset` header; readers before it
    /// existed send none).
    pub source_offset: Option<u64>,
}

impl<'a> Record<'a> {
    pub fn from_message<M: Message>(m: &'a M) -> Self {
        let header = |key: &str| {
            m.headers().and_then(|h| h.iter().find(|h| h.key == key).and_then(|h| h.value))
        };
        let number =
            |key: &str| -> Option<u64> { std::str::from_utf8(header(key)?).ok()?.parse().ok() };
        let kind = match header(HEADER_KIND) {
            Some(kind) if kind == KIND_REJECTED.as_bytes() => Kind::Rejected {
                reason: header(HEADER_REASON).map(String::from_utf8_lossy).unwrap_or_default(),
                bytes: number(HEADER_BYTES).unwrap_or(0),
            },
            _ => Kind::Frame,
        };
        Record {
            partition: m.partition(),
            offset: m.offset(),
            receiver: String::from_utf8_lossy(m.key().unwrap_or_default()),
            timestamp_ms: m.timestamp().to_millis().unwrap_or(0),
            kind,
            value: m.payload().unwrap_or_default(),
            source_offset: number(HEADER_OFFSET),
        }
    }
}

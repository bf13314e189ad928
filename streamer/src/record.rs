//! A Kafka message of the frames topic, as the streamer reads it (see
//! `gnss_common::kafka` for the contract).

use std::borrow::Cow;

use gnss_common::kafka::{
    HEADER_BYTES, HEADER_KIND, HEADER_OFFSET, HEADER_REASON, HEADER_RECEIVER, KIND_REJECTED,
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
    /// A message that breaks the contract in its headers (an unknown `kind`, a report without a
    /// count...): kept as a `frames` row with this reason, not read as something it may not be.
    Malformed(String),
}

/// A message, borrowed from the consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    pub partition: i32,
    pub offset: i64,
    /// The message key: the receiver id (the `receiver` header for a message without a key).
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
        // One pass over the headers (each is looked up by index in librdkafka); the first of a
        // repeated key counts.
        let [mut kind, mut reason, mut bytes, mut receiver, mut offset] = [None; 5];
        for h in m.headers().into_iter().flat_map(|h| h.iter()) {
            let slot = match h.key {
                HEADER_KIND => &mut kind,
                HEADER_REASON => &mut reason,
                HEADER_BYTES => &mut bytes,
                HEADER_RECEIVER => &mut receiver,
                HEADER_OFFSET => &mut offset,
                _ => continue,
            };
            slot.get_or_insert(h.value);
        }
        let [kind, reason, bytes, receiver, offset] =
            [kind, reason, bytes, receiver, offset].map(Option::flatten);
        let value = m.payload().unwrap_or_default();
        let kind = match kind {
            None => Kind::Frame,
            Some(kind) if kind == KIND_REJECTED.as_bytes() => report(reason, bytes, value.len()),
            Some(kind) => Kind::Malformed(format!(
                "unknown kind header `{}`: this streamer reads frames (no kind header) and \
                 reports of rejected bytes (kind=rejected); is the producer newer than it?",
                shown(kind)
            )),
        };
        let receiver = match m.key() {
            Some(key) => String::from_utf8_lossy(key),
            None => receiver.map(String::from_utf8_lossy).unwrap_or_default(),
        };
        Record {
            partition: m.partition(),
            offset: m.offset(),
            receiver,
            timestamp_ms: m.timestamp().to_millis().unwrap_or(0),
            kind,
            value,
            source_offset: offset.and_then(|text| std::str::from_utf8(text).ok()?.parse().ok()),
        }
    }
}

/// A report of rejected bytes, if it is one as the contract has it: no value, a `reason` and a
/// whole number of `bytes`. A report that is not is not counted as rejected bytes, which it may
/// not be.
fn report<'a>(reason: Option<&'a [u8]>, bytes: Option<&[u8]>, value_len: usize) -> Kind<'a> {
    let malformed = |what: String| {
        Kind::Malformed(format!(
            "a report of rejected bytes (kind=rejected) {what}; a report has an empty value, \
             a `reason` header and a `bytes` header with a whole number"
        ))
    };
    if value_len > 0 {
        return malformed(format!("with a value of {value_len} bytes"));
    }
    let reason = match reason.map(std::str::from_utf8) {
        Some(Ok(reason)) if !reason.is_empty() => reason,
        Some(Err(_)) => return malformed("with a `reason` header that is not UTF-8 text".into()),
        _ => return malformed("without a `reason` header".into()),
    };
    let Some(bytes) = bytes else {
        return malformed("without a `bytes` header".into());
    };
    match std::str::from_utf8(bytes).ok().and_then(|text| text.parse().ok()) {
        Some(count) => Kind::Rejected { reason: Cow::Borrowed(reason), bytes: count },
        None => malformed(format!(
            "with a `bytes` header `{}` that is not a whole number",
            shown(bytes)
        )),
    }
}

/// A header value as text fit for an error message: at most 40 characters, escaped.
fn shown(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let mut shown: String = text.chars().take(40).flat_map(char::escape_debug).collect();
    if text.chars().count() > 40 {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use rdkafka::message::{Header, OwnedHeaders, OwnedMessage, Timestamp};

    use super::*;

    fn message(key: Option<&[u8]>, value: &[u8], headers: &[(&str, &[u8])]) -> OwnedMessage {
        let headers = headers.iter().fold(OwnedHeaders::new(), |h, (key, value)| {
            h.insert(Header { key, value: Some(*value) })
        });
        OwnedMessage::new(
            Some(value.to_vec()),
            key.map(<[u8]>::to_vec),
            "frames".into(),
            Timestamp::CreateTime(1_000),
            0,
            7,
            Some(headers),
        )
    }

    #[test]
    fn reports_follow_the_contract_or_are_malformed() {
        let good = message(
            Some(b"r1"),
            b"",
            &[("kind", b"rejected"), ("reason", b"bad_crc"), ("bytes", b"12")],
        );
        let record = Record::from_message(&good);
        assert_eq!(record.kind, Kind::Rejected { reason: "bad_crc".into(), bytes: 12 });
        for (headers, value, words) in [
            (
                vec![("kind", &b"rejected"[..]), ("reason", b"bad_crc"), ("bytes", b"lots")],
                &b""[..],
                "`lots`",
            ),
            (vec![("kind", b"rejected"), ("reason", b"bad_crc")], b"", "without a `bytes`"),
            (vec![("kind", b"rejected"), ("bytes", b"3")], b"", "without a `reason`"),
            (vec![("kind", b"rejected"), ("reason", b"\xff"), ("bytes", b"3")], b"", "not UTF-8"),
            (
                vec![("kind", b"rejected"), ("reason", b"x"), ("bytes", b"3")],
                b"abc",
                "value of 3 bytes",
            ),
            (vec![("kind", b"\xffframe")], b"abc", "unknown kind header `\u{fffd}frame`"),
        ] {
            let m = message(Some(b"r1"), value, &headers);
            match Record::from_message(&m).kind {
                Kind::Malformed(why) => assert!(why.contains(words), "{words} in {why}"),
                other => panic!("{headers:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_receiver_is_the_key_or_else_the_header() {
        let m = message(None, b"x", &[("receiver", b"rx-2")]);
        assert_eq!(Record::from_message(&m).receiver, "rx-2");
        let m = message(Some(b"rx-1"), b"x", &[("receiver", b"rx-2")]);
        assert_eq!(Record::from_message(&m).receiver, "rx-1");
        let m = message(None, b"x", &[]);
        assert_eq!(Record::from_message(&m).receiver, "");
        let long = [b'a'; 100];
        assert_eq!(shown(&long).chars().count(), 41);
    }
}

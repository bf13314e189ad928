//! What a byte stream is taken apart into: checked frames of a format, and runs of rejected bytes
//! with the reason.

use serde::Serialize;

/// How a frame is encoded on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// `AA 44 12`, header length in byte 3, CRC-32.
    Binary,
    /// `AA 44 13`, 12-byte header, CRC-32.
    ShortBinary,
    /// `#NAME,...;...*xxxxxxxx`.
    Ascii,
    /// `%NAME,week,seconds;...*xxxxxxxx`.
    ShortAscii,
    /// `<NAME ...` header line and `<`-prefixed body lines, no CRC.
    Abbreviated,
    /// `$...*hh` NMEA 0183 sentence.
    Nmea,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Binary,
        Format::ShortBinary,
        Format::Ascii,
        Format::ShortAscii,
        Format::Abbreviated,
        Format::Nmea,
    ];

    /// The name used in JSON, metrics and Kafka headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Binary => "binary",
            Format::ShortBinary => "short_binary",
            Format::Ascii => "ascii",
            Format::ShortAscii => "short_ascii",
            Format::Abbreviated => "abbreviated",
            Format::Nmea => "nmea",
        }
    }

    /// Binary formats carry a binary body; the others are text.
    pub fn is_binary(self) -> bool {
        matches!(self, Format::Binary | Format::ShortBinary)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why bytes were not part of any frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Inside a frame whose CRC (or NMEA checksum) did not match.
    BadCrc,
    /// A frame announcing a length above the limit, or a text line longer than the limit.
    Oversize,
    /// Between frames: console replies, prompts, command echoes, line noise.
    Unframed,
    /// A frame cut off by the end of the input.
    Truncated,
}

impl RejectReason {
    pub const ALL: [RejectReason; 4] = [
        RejectReason::BadCrc,
        RejectReason::Oversize,
        RejectReason::Unframed,
        RejectReason::Truncated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::BadCrc => "bad_crc",
            RejectReason::Oversize => "oversize",
            RejectReason::Unframed => "unframed",
            RejectReason::Truncated => "truncated",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A frame whose checksum (where its format has one) is correct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub format: Format,
    /// Stream offset of the frame's first byte.
    pub offset: u64,
    /// The frame exactly as received, from its sync byte(s) to its CRC (and line end, for text).
    pub bytes: &'a [u8],
}

/// Bytes that belong to no frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected<'a> {
    pub reason: RejectReason,
    pub offset: u64,
    pub bytes: &'a [u8],
}

/// What the framer found next in the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    Frame(Frame<'a>),
    Rejected(Rejected<'a>),
}

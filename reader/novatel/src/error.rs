//! Errors from decoding frames that passed their checksum but whose content is malformed.

use thiserror::Error;

/// A field of a log body could not be read.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum FieldError {
    #[error("body ends at byte {len}, before a field that needs {need} bytes at byte {at}")]
    BinaryTooShort { at: usize, need: usize, len: usize },
    #[error("body ends after {fields} fields, before the fields that follow")]
    TextTooShort { fields: usize },
    #[error("field {index} `{token}` is not {expected}")]
    Invalid { index: usize, token: String, expected: &'static str },
    #[error("array count {count} is more than the rest of the body can hold")]
    Count { count: u32 },
    #[error("text body holds a byte that is not text at byte {at}")]
    NotText { at: usize },
}

/// A checked frame whose header or body could not be decoded.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("malformed {format} header: {reason}")]
    Header { format: &'static str, reason: &'static str },
    /// The field's error is part of the message (not a source, so that it is said once).
    #[error("malformed {name} body: {field}")]
    Body { name: String, field: FieldError },
}

/// A log that cannot be put in a binary frame.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum EncodeError {
    #[error("{name} body of {len} bytes is longer than the {max} bytes its frame can carry")]
    BodyTooLong { name: &'static str, len: usize, max: usize },
}

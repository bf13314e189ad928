//! Building binary frames, for tests and the receiver simulator.

use std::borrow::Cow;

use super::crc::crc32;
use super::enums::TimeStatus;
use super::error::EncodeError;
use super::frame::Format;
use super::header::{self, BINARY_HEADER_LEN, Header, SHORT_BINARY_HEADER_LEN};
use super::logs::Log;
use super::scan::MAX_BODY_LEN;

impl Header<'static> {
    /// A binary header for `log` at GPS `week` and `ms`, as a receiver with fine time would send
    /// it on COM1.
    pub fn binary(log: &Log, week: u16, ms: u32) -> Self {
        Header {
            format: Format::Binary,
            name: Cow::Borrowed(log.name()),
            id: Some(log.id()),
            week: Some(week),
            ms: Some(ms),
            time_status: Some(TimeStatus::FINESTEERING),
            port: Some(Cow::Borrowed("COM1")),
            sequence: Some(0),
            idle_time: Some(0),
            receiver_status: Some(0),
            reserved: Some(0),
            sw_version: Some(0),
            source: 0,
            response: false,
        }
    }

    /// A short binary header (`AA 44 13`) for `log` at GPS `week` and `ms`.
    pub fn short_binary(log: &Log, week: u16, ms: u32) -> Self {
        Header {
            name: Cow::Borrowed(log.name()),
            id: Some(log.id()),
            week: Some(week),
            ms: Some(ms),
            ..Header::empty(Format::ShortBinary)
        }
    }
}

/// Appends a binary frame of `log` to `out`: a short header if `header.format` is
/// [`Format::ShortBinary`], the 28-byte header otherwise; fields the header lacks are zero.
pub fn encode(header: &Header<'_>, log: &Log, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let short = header.format == Format::ShortBinary;
    let header_len = if short { SHORT_BINARY_HEADER_LEN } else { BINARY_HEADER_LEN };
    out.resize(start + header_len, 0);
    log.write_binary(out);
    let body_len = out.len() - start - header_len;
    let max = if short { usize::from(u8::MAX) } else { MAX_BODY_LEN };
    if body_len > max {
        out.truncate(start);
        return Err(EncodeError::BodyTooLong { name: log.name(), len: body_len, max });
    }
    let week = header.week.unwrap_or(0).to_le_bytes();
    let ms = header.ms.unwrap_or(0).to_le_bytes();
    let id = log.id().to_le_bytes();
    let h = &mut out[start..start + header_len];
    if short {
        h[..4].copy_from_slice(&[0xAA, 0x44, 0x13, body_len as u8]);
        h[4..6].copy_from_slice(&id);
        h[6..8].copy_from_slice(&week);
        h[8..12].copy_from_slice(&ms);
    } else {
        let message_type = (header.source & 0x1F) | if header.response { 0x80 } else { 0 };
        let port = header.port.as_deref().and_then(header::port_address).unwrap_or(0);
        h[..4].copy_from_slice(&[0xAA, 0x44, 0x12, BINARY_HEADER_LEN as u8]);
        h[4..6].copy_from_slice(&id);
        h[6] = message_type;
        h[7] = port;
        h[8..10].copy_from_slice(&(body_len as u16).to_le_bytes());
        h[10..12].copy_from_slice(&header.sequence.unwrap_or(0).to_le_bytes());
        h[12] = header.idle_time.unwrap_or(0);
        h[13] = header.time_status.unwrap_or(TimeStatus::UNKNOWN).0;
        h[14..16].copy_from_slice(&week);
        h[16..20].copy_from_slice(&ms);
        h[20..24].copy_from_slice(&header.receiver_status.unwrap_or(0).to_le_bytes());
        h[24..26].copy_from_slice(&header.reserved.unwrap_or(0).to_le_bytes());
        h[26..28].copy_from_slice(&header.sw_version.unwrap_or(0).to_le_bytes());
    }
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(())
}

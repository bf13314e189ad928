//! Taking a checked frame apart into header, body and decoded log.

use super::error::{DecodeError, FieldError};
use super::field::TextReader;
use super::frame::{Format, Frame};
use super::header::{self, Header};
use super::logs::Log;

/// A frame taken apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Message<'a> {
    pub header: Header<'a>,
    /// The body as received: binary bytes, or the text between the header and the checksum.
    pub body: &'a [u8],
    /// The decoded body; `None` for replies, NMEA sentences and logs without a decoder.
    pub log: Option<Log>,
}

/// Decodes a frame. Binary and text forms of the same log decode to equal values (to the text's
/// printed precision).
pub fn decode<'a>(frame: &Frame<'a>) -> Result<Message<'a>, DecodeError> {
    let (header, body) = header::parse_borrowed(frame)?;
    let log = match header.id {
        Some(id) if !header.response => {
            let decoded = match frame.format {
                Format::Binary | Format::ShortBinary => Log::read_binary(id, body),
                Format::Ascii | Format::ShortAscii => read_text(id, TextReader::ascii(body)),
                Format::Abbreviated => read_text(id, TextReader::abbreviated(body)),
                Format::Nmea => None,
            };
            decoded
                .transpose()
                .map_err(|field| DecodeError::Body { name: header.name.to_string(), field })?
        }
        _ => None,
    };
    Ok(Message { header, body, log })
}

fn read_text(
    id: u16,
    reader: Result<TextReader<'_>, FieldError>,
) -> Option<Result<Log, FieldError>> {
    match reader {
        Ok(mut reader) => Log::read_text(id, &mut reader),
        // A body that is not text only matters for a log that has a decoder.
        Err(e) => Log::IDS.contains(&id).then_some(Err(e)),
    }
}

//! Message headers of every format, parsed into one [`Header`] type so that the binary and text
//! forms of a log compare equal.

use std::borrow::Cow;

use memchr::{memchr, memrchr};
use serde::Serialize;

use super::enums::TimeStatus;
use super::error::DecodeError;
use super::field::{Field, TextReader};
use super::frame::{Format, Frame};
use super::ids;

/// Header fields common to the NovAtel formats. Fields a format does not carry are `None`: short
/// headers have only the GPS time, NMEA sentences have none of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Header<'a> {
    pub format: Format,
    /// Log name without the format suffix (`BESTPOS`, not `BESTPOSA`); an NMEA sentence's address
    /// (`GPGGA`); `ID<n>` for a binary log whose id is not in the table.
    pub name: Cow<'a, str>,
    /// Message id; `None` for text logs whose name is not in the table.
    pub id: Option<u16>,
    /// GPS reference week.
    pub week: Option<u16>,
    /// Milliseconds into the GPS week.
    pub ms: Option<u32>,
    pub time_status: Option<TimeStatus>,
    pub port: Option<Cow<'a, str>>,
    pub sequence: Option<u16>,
    /// Processor idle time in half percent (0-200), as the binary header stores it.
    pub idle_time: Option<u8>,
    pub receiver_status: Option<u32>,
    pub reserved: Option<u16>,
    pub sw_version: Option<u16>,
    /// Measurement source (0 = primary antenna); the `_1` of `BESTPOSA_1`.
    pub source: u8,
    /// The message is a reply to a command rather than a log.
    pub response: bool,
}

impl Header<'_> {
    /// GPS week and milliseconds as UTC milliseconds since the Unix epoch.
    pub fn unix_ms(&self) -> Option<i64> {
        Some(super::time::gps_to_unix_ms(self.week?, self.ms?))
    }

    pub fn into_owned(self) -> Header<'static> {
        Header {
            name: Cow::Owned(self.name.into_owned()),
            port: self.port.map(|p| Cow::Owned(p.into_owned())),
            ..self
        }
    }
}

/// Binary header layout (OEM4 and later); the header length byte may announce more than this.
pub const BINARY_HEADER_LEN: usize = 28;
pub const SHORT_BINARY_HEADER_LEN: usize = 12;
const RESPONSE_BIT: u8 = 0x80;
const SOURCE_MASK: u8 = 0x1F;

/// Splits a checked frame into its header and its body (binary bytes, or the text between the
/// header and the checksum).
pub fn parse<'a>(frame: &Frame<'a>) -> Result<(Header<'static>, &'a [u8]), DecodeError> {
    parse_borrowed(frame).map(|(h, b)| (h.into_owned(), b))
}

/// Like [`parse`], borrowing the name and port from the frame.
pub fn parse_borrowed<'a>(frame: &Frame<'a>) -> Result<(Header<'a>, &'a [u8]), DecodeError> {
    let bytes = frame.bytes;
    match frame.format {
        Format::Binary => Ok(binary(bytes)),
        Format::ShortBinary => Ok(short_binary(bytes)),
        Format::Ascii | Format::ShortAscii => ascii(bytes, frame.format),
        Format::Abbreviated => abbreviated(bytes),
        Format::Nmea => nmea(bytes),
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The framer guarantees at least the header and the CRC are present.
fn binary(b: &[u8]) -> (Header<'_>, &[u8]) {
    let header_len = usize::from(b[3]);
    let id = u16_at(b, 4);
    let message_type = b[6];
    let body_len = usize::from(u16_at(b, 8));
    let header = Header {
        format: Format::Binary,
        name: ids::name_or_id(id),
        id: Some(id),
        week: Some(u16_at(b, 14)),
        ms: Some(u32_at(b, 16)),
        time_status: Some(TimeStatus(b[13])),
        port: Some(port_name(b[7])),
        sequence: Some(u16_at(b, 10)),
        idle_time: Some(b[12]),
        receiver_status: Some(u32_at(b, 20)),
        reserved: Some(u16_at(b, 24)),
        sw_version: Some(u16_at(b, 26)),
        source: message_type & SOURCE_MASK,
        response: message_type & RESPONSE_BIT != 0,
    };
    (header, &b[header_len..header_len + body_len])
}

fn short_binary(b: &[u8]) -> (Header<'_>, &[u8]) {
    let body_len = usize::from(b[3]);
    let id = u16_at(b, 4);
    let header = Header {
        format: Format::ShortBinary,
        name: ids::name_or_id(id),
        id: Some(id),
        week: Some(u16_at(b, 6)),
        ms: Some(u32_at(b, 8)),
        ..Header::empty(Format::ShortBinary)
    };
    (header, &b[SHORT_BINARY_HEADER_LEN..SHORT_BINARY_HEADER_LEN + body_len])
}

impl Header<'_> {
    /// A header of `format` with no name and none of the optional fields.
    pub fn empty(format: Format) -> Self {
        Header {
            format,
            name: Cow::Borrowed(""),
            id: None,
            week: None,
            ms: None,
            time_status: None,
            port: None,
            sequence: None,
            idle_time: None,
            receiver_status: None,
            reserved: None,
            sw_version: None,
            source: 0,
            response: false,
        }
    }
}

fn header_error(format: Format, reason: &'static str) -> DecodeError {
    DecodeError::Header { format: format.as_str(), reason }
}

/// `#NAME,port,sequence,idle,time status,week,seconds,receiver status,reserved,version;body*crc`
/// or `%NAME,week,seconds;body*crc`.
fn ascii(b: &[u8], format: Format) -> Result<(Header<'_>, &[u8]), DecodeError> {
    let semicolon = memchr(b';', b).ok_or(header_error(format, "no `;` after the header"))?;
    let star = memrchr(b'*', b).filter(|&s| s > semicolon).ok_or(header_error(format, "no `*`"))?;
    let mut fields =
        TextReader::ascii(&b[1..semicolon]).map_err(|_| header_error(format, "not text"))?;
    let mut header = named(format, fields.token().unwrap_or_default())?;
    if format == Format::Ascii {
        long_header_fields(&mut header, &mut fields)?;
    } else {
        gps_time(&mut header, &mut fields)?;
    }
    Ok((header, &b[semicolon + 1..star]))
}

/// `<NAME port sequence idle status week seconds rxstatus reserved version` on the first line;
/// the body is the `<`-prefixed lines that follow.
fn abbreviated(b: &[u8]) -> Result<(Header<'_>, &[u8]), DecodeError> {
    let format = Format::Abbreviated;
    let newline = memchr(b'\n', b).ok_or(header_error(format, "no line end"))?;
    let mut fields =
        TextReader::abbreviated(&b[1..newline]).map_err(|_| header_error(format, "not text"))?;
    let mut header = named(format, fields.token().unwrap_or_default())?;
    long_header_fields(&mut header, &mut fields)?;
    Ok((header, &b[newline + 1..]))
}

/// `$ADDRESS,fields*hh`: the name is the address, the body the fields.
fn nmea(b: &[u8]) -> Result<(Header<'_>, &[u8]), DecodeError> {
    let format = Format::Nmea;
    let comma = memchr(b',', b).ok_or(header_error(format, "no `,` after the address"))?;
    let star = memrchr(b'*', b).filter(|&s| s > comma).ok_or(header_error(format, "no `*`"))?;
    let name = std::str::from_utf8(&b[1..comma])
        .map_err(|_| header_error(format, "address is not text"))?;
    let header = Header { name: Cow::Borrowed(name), id: ids::id(name), ..Header::empty(format) };
    Ok((header, &b[comma + 1..star]))
}

/// A header named by a text log's first field: `BESTPOSA`, `BESTPOSA_1` (secondary antenna),
/// `SENDR` (a reply), or in abbreviated ASCII just `BESTPOS`.
fn named(format: Format, token: &str) -> Result<Header<'_>, DecodeError> {
    let (mut name, source) = match token.rsplit_once('_') {
        Some((name, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (name, n.parse().unwrap_or(0))
        }
        _ => (token, 0),
    };
    let mut response = false;
    if format != Format::Abbreviated {
        response = name.ends_with('R');
        name = name
            .strip_suffix('A')
            .or_else(|| name.strip_suffix('R'))
            .ok_or(header_error(format, "name does not end in A (log) or R (reply)"))?;
    }
    if name.is_empty() {
        return Err(header_error(format, "empty message name"));
    }
    Ok(Header {
        name: Cow::Borrowed(name),
        id: ids::id(name),
        source,
        response,
        ..Header::empty(format)
    })
}

fn long_header_fields<'a>(
    header: &mut Header<'a>,
    fields: &mut TextReader<'a>,
) -> Result<(), DecodeError> {
    let format = header.format;
    let bad = |reason| header_error(format, reason);
    let port = fields.token().map_err(|_| bad("no port"))?;
    header.port = Some(Cow::Borrowed(port));
    header.sequence = Some(u16::read_text(fields).map_err(|_| bad("bad sequence number"))?);
    let idle: f32 = fields.parse("idle time").map_err(|_| bad("bad idle time"))?;
    header.idle_time = Some(half_percent(idle).ok_or(bad("idle time out of range"))?);
    header.time_status = Some(TimeStatus::read_text(fields).map_err(|_| bad("bad time status"))?);
    gps_time(header, fields)?;
    header.receiver_status = Some(hex(fields).ok_or(bad("bad receiver status"))?);
    header.reserved =
        Some(hex(fields).and_then(|v| u16::try_from(v).ok()).ok_or(bad("bad reserved field"))?);
    header.sw_version = Some(u16::read_text(fields).map_err(|_| bad("bad software version"))?);
    Ok(())
}

fn gps_time(header: &mut Header<'_>, fields: &mut TextReader<'_>) -> Result<(), DecodeError> {
    let bad = |reason| header_error(header.format, reason);
    header.week = Some(u16::read_text(fields).map_err(|_| bad("bad GPS week"))?);
    let seconds: f64 = fields.parse("seconds").map_err(|_| bad("bad GPS seconds"))?;
    header.ms = Some(seconds_to_ms(seconds).ok_or(bad("GPS seconds out of range"))?);
    Ok(())
}

fn hex(fields: &mut TextReader<'_>) -> Option<u32> {
    u32::from_str_radix(fields.token().ok()?, 16).ok()
}

fn half_percent(percent: f32) -> Option<u8> {
    let raw = (percent * 2.0).round();
    (0.0..=255.0).contains(&raw).then_some(raw as u8)
}

/// Seconds of week as printed (`419928.000`) to whole milliseconds.
fn seconds_to_ms(seconds: f64) -> Option<u32> {
    let ms = (seconds * 1000.0).round();
    (0.0..=f64::from(u32::MAX)).contains(&ms).then_some(ms as u32)
}

/// Binary headers carry the low byte of the port identifier: COM ports and their virtual ports
/// are recognisable from it, others are shown as the number.
fn port_name(address: u8) -> Cow<'static, str> {
    const COM: [&str; 3] = ["COM1", "COM2", "COM3"];
    match address {
        0x20..=0x7F => {
            let port = COM[usize::from(address / 0x20) - 1];
            match address % 0x20 {
                0 => Cow::Borrowed(port),
                virtual_port => Cow::Owned(format!("{port}_{virtual_port}")),
            }
        }
        0xC0 => Cow::Borrowed("THISPORT"),
        0xE0 => Cow::Borrowed("FILE"),
        other => Cow::Owned(format!("0x{other:02X}")),
    }
}

/// The binary header byte for a port name printed in a text header, if it has one.
pub fn port_address(name: &str) -> Option<u8> {
    let (port, virtual_port) = match name.split_once('_') {
        Some((port, n)) => (port, n.parse::<u8>().ok().filter(|&n| n < 0x20)?),
        None => (name, 0),
    };
    let base = match port {
        "COM1" => 0x20,
        "COM2" => 0x40,
        "COM3" => 0x60,
        "THISPORT" if virtual_port == 0 => return Some(0xC0),
        "FILE" if virtual_port == 0 => return Some(0xE0),
        _ => {
            return name.strip_prefix("0x").and_then(|h| u8::from_str_radix(h, 16).ok());
        }
    };
    Some(base + virtual_port)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(format: Format, bytes: &[u8]) -> Frame<'_> {
        Frame { format, offset: 0, bytes }
    }

    #[test]
    fn ascii_header() {
        let line = b"#BESTPOSA,COM1,0,65.5,FINESTEERING,1687,419928.000,00000000,6145,3153;SOL_COMPUTED*49329266\r\n";
        let (h, body) = parse(&frame(Format::Ascii, line)).unwrap();
        assert_eq!(h.name, "BESTPOS");
        assert_eq!(h.id, Some(42));
        assert_eq!((h.week, h.ms), (Some(1687), Some(419_928_000)));
        assert_eq!(h.time_status, Some(TimeStatus::FINESTEERING));
        assert_eq!(h.idle_time, Some(131));
        assert_eq!(h.reserved, Some(0x6145));
        assert_eq!(h.sw_version, Some(3153));
        assert_eq!(h.port.as_deref(), Some("COM1"));
        assert_eq!(body, b"SOL_COMPUTED");
    }

    #[test]
    fn reply_and_secondary_antenna_names() {
        let reply = b"#SENDR,COM1_30,0,127.5,UNKNOWN,0,0.000,00000000,ffff,0;OK*e79f45bd";
        let (h, _) = parse(&frame(Format::Ascii, reply)).unwrap();
        assert!(h.response);
        assert_eq!(h.name, "SEND");
        let (h, _) =
            parse(&frame(Format::ShortAscii, b"%INSPVASA_1,1264,144059.000;1*00000000")).unwrap();
        assert_eq!((h.name.as_ref(), h.source, h.id), ("INSPVAS", 1, Some(508)));
    }

    #[test]
    fn ports_round_trip() {
        for address in [0x20, 0x21, 0x3E, 0x40, 0x60, 0x7F, 0xC0, 0xE0, 0xA0, 0x00] {
            assert_eq!(port_address(&port_name(address)), Some(address), "{address:#x}");
        }
        assert_eq!(port_name(0x3E), "COM1_30");
    }
}

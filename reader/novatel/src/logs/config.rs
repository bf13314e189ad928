//! Receiver configuration and authorisation: VALIDMODELS, RXCONFIG, LOGLIST.

use serde::{Serialize, Serializer};

use crate::enums::{TimeStatus, novatel_enum};
use crate::error::FieldError;
use crate::field::{BinReader, Field, Hex, TextReader, log_struct};
use crate::{header, ids};

log_struct! {
    /// VALIDMODELS (206): the software models authorised on the receiver and their expiry.
    pub struct ValidModels {
        pub models: Vec<ValidModel>,
    }
}

log_struct! {
    /// One VALIDMODELS entry; a model that does not expire has year, month and day 0.
    pub struct ValidModel {
        pub model: VarString,
        pub expyear: u32,
        pub expmonth: u32,
        pub expday: u32,
    }
}

log_struct! {
    /// LOGLIST (5): the logs the receiver is outputting, one entry per port and log. Layout of
    /// NovAtel's decoder database (LOGLIST definition 49164).
    pub struct LogList {
        pub logs: Vec<LogListEntry>,
    }
}

log_struct! {
    /// One LOGLIST entry.
    pub struct LogListEntry {
        /// Output port.
        pub port: PortAddress,
        /// The log and the format it is output in.
        pub message: LoggedMessage,
        pub trigger: LogTrigger,
        /// Period, s (ONTIME).
        pub on_time: f64,
        /// Offset, s (ONTIME).
        pub offset: f64,
        pub hold: Hold,
    }
}

novatel_enum! {
    /// What triggers a log's output.
    pub struct LogTrigger(u32) {
        ONNEW = 0,
        ONCHANGED = 1,
        ONTIME = 2,
        ONNEXT = 3,
        ONCE = 4,
        ONMARK = 5,
        ONALL = 6,
    }
}

novatel_enum! {
    /// Whether a log survives UNLOGALL.
    pub struct Hold(u32) {
        NOHOLD = 0,
        HOLD = 1,
    }
}

/// A port as a 4-byte `PortAddress` enum: text prints its name (`COM1`, `CCOM1`, `USB2_3`,
/// `ALL_PORTS`, ...). Ports with virtual ports are a base plus the virtual port number 0-31
/// (`COM1` = 0x20, `COM1_5` = 0x25); names and bases are those of NovAtel's decoder database.
/// Values without a name keep their number (printed in decimal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct PortAddress(pub u32);

/// Ports that have 32 virtual ports: name and the value of virtual port 0.
const PORT_BASES: &[(&str, u32)] = &[
    ("COM1", 0x20),
    ("COM2", 0x40),
    ("COM3", 0x60),
    ("USB", 0x80),
    ("SPECIAL", 0xa0),
    ("THISPORT", 0xc0),
    ("FILE", 0xe0),
    ("XCOM1", 0x1a0),
    ("XCOM2", 0x2a0),
    ("USB1", 0x5a0),
    ("USB2", 0x6a0),
    ("USB3", 0x7a0),
    ("AUX", 0x8a0),
    ("XCOM3", 0x9a0),
    ("COM4", 0xba0),
    ("ETH1", 0xca0),
    ("IMU", 0xda0),
    ("ICOM1", 0xfa0),
    ("ICOM2", 0x10a0),
    ("ICOM3", 0x11a0),
    ("NCOM1", 0x12a0),
    ("NCOM2", 0x13a0),
    ("NCOM3", 0x14a0),
    ("ICOM4", 0x15a0),
    ("WCOM1", 0x16a0),
    ("COM5", 0x17a0),
    ("COM6", 0x18a0),
    ("BT1", 0x19a0),
    ("COM7", 0x1aa0),
    ("COM8", 0x1ba0),
    ("COM9", 0x1ca0),
    ("COM10", 0x1da0),
    ("CCOM1", 0x1ea0),
    ("CCOM2", 0x1fa0),
    ("CCOM3", 0x20a0),
    ("CCOM4", 0x21a0),
    ("CCOM5", 0x22a0),
    ("CCOM6", 0x23a0),
    ("CCOM7", 0x24a0),
    ("CCOM8", 0x25a0),
    ("CCOM9", 0x25c0),
    ("ICOM5", 0x26a0),
    ("ICOM6", 0x27a0),
    ("ICOM7", 0x28a0),
    ("SCOM1", 0x29a0),
    ("SCOM2", 0x2aa0),
    ("SCOM3", 0x2ba0),
    ("SCOM4", 0x2ca0),
];

/// Single-valued port names.
const PORT_NAMES: &[(&str, u32)] = &[
    ("NO_PORTS", 0x0),
    ("COM1_ALL", 0x1),
    ("COM2_ALL", 0x2),
    ("COM3_ALL", 0x3),
    ("USB_ALL", 0x4),
    ("THISPORT_ALL", 0x6),
    ("FILE_ALL", 0x7),
    ("ALL_PORTS", 0x8),
    ("XCOM1_ALL", 0x9),
    ("XCOM2_ALL", 0xa),
    ("USB1_ALL", 0xd),
    ("USB2_ALL", 0xe),
    ("USB3_ALL", 0xf),
    ("AUX_ALL", 0x10),
    ("XCOM3_ALL", 0x11),
    ("COM4_ALL", 0x13),
    ("ETH1_ALL", 0x14),
    ("IMU_ALL", 0x15),
    ("ICOM1_ALL", 0x17),
    ("ICOM2_ALL", 0x18),
    ("ICOM3_ALL", 0x19),
    ("NCOM1_ALL", 0x1a),
    ("NCOM2_ALL", 0x1b),
    ("NCOM3_ALL", 0x1c),
    ("ICOM4_ALL", 0x1d),
    ("WCOM1_ALL", 0x1e),
    ("COM5_ALL", 0x16c0),
    ("COM6_ALL", 0x16c1),
    ("BT1_ALL", 0x16c2),
    ("COM7_ALL", 0x16c3),
    ("COM8_ALL", 0x16c4),
    ("COM9_ALL", 0x16c5),
    ("COM10_ALL", 0x16c6),
    ("CCOM1_ALL", 0x16c7),
    ("CCOM2_ALL", 0x16c8),
    ("CCOM3_ALL", 0x16c9),
    ("CCOM4_ALL", 0x16ca),
    ("CCOM5_ALL", 0x16cb),
    ("CCOM6_ALL", 0x16cc),
    ("CCOM7_ALL", 0x16cd),
    ("CCOM8_ALL", 0x16ce),
    ("ICOM5_ALL", 0x16cf),
    ("ICOM6_ALL", 0x16d0),
    ("ICOM7_ALL", 0x16d1),
    ("SCOM1_ALL", 0x16d2),
    ("SCOM2_ALL", 0x16d3),
    ("SCOM3_ALL", 0x16d4),
    ("SCOM4_ALL", 0x16d5),
    ("CCOM9_ALL", 0x16d6),
];

impl PortAddress {
    /// NovAtel's name of this port, if it has one.
    pub fn name(self) -> Option<String> {
        if let Some((name, _)) = PORT_NAMES.iter().find(|(_, v)| *v == self.0) {
            return Some((*name).to_owned());
        }
        PORT_BASES.iter().find(|(_, base)| (*base..base + 32).contains(&self.0)).map(
            |(name, base)| match self.0 - base {
                0 => (*name).to_owned(),
                virtual_port => format!("{name}_{virtual_port}"),
            },
        )
    }

    /// The port NovAtel calls `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        if let Some((_, value)) = PORT_NAMES.iter().find(|(n, _)| *n == name) {
            return Some(PortAddress(*value));
        }
        let (port, virtual_port) = match name.rsplit_once('_') {
            Some((port, n)) => (port, n.parse::<u32>().ok().filter(|&n| n < 32)?),
            None => (name, 0),
        };
        PORT_BASES
            .iter()
            .find(|(n, _)| *n == port)
            .map(|(_, base)| PortAddress(base + virtual_port))
    }
}

impl Serialize for PortAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(name) => s.serialize_str(&name),
            None => s.serialize_u32(self.0),
        }
    }
}

impl Field for PortAddress {
    const BINARY_LEN: usize = 4;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        u32::read_binary(r).map(PortAddress)
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        self.0.write_binary(out);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let token = r.token()?;
        PortAddress::from_name(token)
            .or_else(|| token.parse().ok().map(PortAddress))
            .ok_or_else(|| r.invalid(token, "a port name"))
    }
}

/// A message id with its message type, as a log list stores it (a `Ulong`): bits 0-15 the
/// message id, bits 16-20 the sibling (antenna) number, bits 21-22 the format (0 binary,
/// 1 ASCII, 2 abbreviated ASCII), bit 23 response. Text prints the log's name with the format's
/// suffix (`BESTPOSA`, `RANGEB`; none for abbreviated ASCII), then `R` for a response and
/// `_n` for sibling n. Names are those of [`crate::ids`]: a text name it does not know fails to
/// decode rather than being given an id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct LoggedMessage(pub u32);

impl LoggedMessage {
    pub const BINARY: u8 = 0;
    pub const ASCII: u8 = 1;
    pub const ABBREVIATED: u8 = 2;

    pub fn new(id: u16, format: u8, response: bool, sibling: u8) -> Self {
        LoggedMessage(
            u32::from(id)
                | u32::from(sibling & 0x1f) << 16
                | u32::from(format & 0b11) << 21
                | u32::from(response) << 23,
        )
    }

    pub fn id(self) -> u16 {
        self.0 as u16
    }

    pub fn sibling(self) -> u8 {
        (self.0 >> 16) as u8 & 0x1f
    }

    /// 0 binary, 1 ASCII, 2 abbreviated ASCII.
    pub fn format(self) -> u8 {
        (self.0 >> 21) as u8 & 0b11
    }

    pub fn response(self) -> bool {
        self.0 >> 23 & 1 == 1
    }

    /// The name as a log list prints it, if the message id is known and the upper byte is 0.
    pub fn name(self) -> Option<String> {
        let base = ids::name(self.id())?;
        let suffix = match self.format() {
            Self::BINARY => "B",
            Self::ASCII => "A",
            Self::ABBREVIATED => "",
            _ => return None,
        };
        if self.0 >> 24 != 0 {
            return None;
        }
        let mut name = format!("{base}{suffix}{}", if self.response() { "R" } else { "" });
        if self.sibling() != 0 {
            name = format!("{name}_{}", self.sibling());
        }
        Some(name)
    }

    /// Parses a printed name. A name that could be read two ways (a known name ending in `A`
    /// or `B`) is read as that name with a format suffix when the shorter name is known.
    pub fn from_name(text: &str) -> Option<Self> {
        let (name, sibling) = match text.rsplit_once('_') {
            Some((name, n)) if n.bytes().all(|b| b.is_ascii_digit()) => {
                (name, n.parse::<u8>().ok().filter(|&n| n < 32)?)
            }
            _ => (text, 0),
        };
        let candidates = [(name, false), (name.strip_suffix('R').unwrap_or_default(), true)];
        for (name, response) in candidates.into_iter().filter(|(n, _)| !n.is_empty()) {
            for (suffix, format) in [('A', Self::ASCII), ('B', Self::BINARY)] {
                if let Some(id) = name.strip_suffix(suffix).and_then(ids::id) {
                    return Some(Self::new(id, format, response, sibling));
                }
            }
            if let Some(id) = ids::id(name) {
                return Some(Self::new(id, Self::ABBREVIATED, response, sibling));
            }
        }
        None
    }
}

impl Field for LoggedMessage {
    const BINARY_LEN: usize = 4;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        u32::read_binary(r).map(LoggedMessage)
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        self.0.write_binary(out);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let token = r.token()?;
        LoggedMessage::from_name(token).ok_or_else(|| r.invalid(token, "a known log name"))
    }
}

/// A variable-length `String` field: in binary NUL-terminated and padded with NULs to a multiple
/// of four bytes, in text quoted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct VarString(pub String);

impl Serialize for VarString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
impl proptest::arbitrary::Arbitrary for VarString {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with((): ()) -> Self::Strategy {
        use proptest::strategy::Strategy;
        "[ -~]{0,20}".prop_map(VarString).boxed()
    }
}

impl Field for VarString {
    /// The shortest form: an empty string's NUL and its padding.
    const BINARY_LEN: usize = 4;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        let mut bytes = Vec::new();
        loop {
            let chunk: [u8; 4] = r.take()?;
            match chunk.iter().position(|&b| b == 0) {
                Some(nul) => {
                    bytes.extend_from_slice(&chunk[..nul]);
                    break;
                }
                None => bytes.extend_from_slice(&chunk),
            }
        }
        Ok(VarString(String::from_utf8_lossy(&bytes).into_owned()))
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0.as_bytes());
        let padded = (self.0.len() / 4 + 1) * 4;
        out.resize(out.len() + padded - self.0.len(), 0);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        Ok(VarString(r.token()?.to_owned()))
    }
}

/// RXCONFIG (128): one command of the receiver's configuration, as a whole embedded message.
///
/// Binary: the command's 28-byte binary header, its binary body and its CRC-32, all inside the
/// RXCONFIG body. ASCII: `#RXCONFIGA,<hdr>;#<CMD>A,<hdr>;<fields>*<command crc>*<crc>`; the
/// body keeps the command's fields as the text they were printed as. Abbreviated ASCII prints the
/// command's header and fields on `<` lines without a CRC (0 here). The command's body is not
/// decoded further: commands have no decoders in this crate.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct RxConfig {
    /// Message id of the embedded command; 0 when a text log names a command that the id
    /// table ([`crate::ids`]) does not know.
    pub id: u16,
    /// Message type byte of the embedded header: bits 5-6 the format (0 binary, 1 ASCII,
    /// 2 abbreviated ASCII), bit 7 response, bits 0-4 the source.
    pub message_type: Hex<u8>,
    /// Port address byte, as in a binary header.
    pub port: Hex<u8>,
    pub sequence: u16,
    /// Processor idle time in half percent.
    pub idle_time: u8,
    pub time_status: TimeStatus,
    pub week: u16,
    /// Milliseconds into the GPS week.
    pub ms: u32,
    pub receiver_status: Hex<u32>,
    pub reserved: Hex<u16>,
    pub sw_version: u16,
    /// The embedded command's body: binary bytes, or its text fields.
    pub body: EmbeddedBody,
    /// The embedded command's own CRC-32 (binary CRC, or the ASCII checksum as printed).
    pub crc: Hex<u32>,
}

/// Format bits of a header's message type byte.
const FORMAT_ASCII: u8 = 1 << 5;
const FORMAT_ABBREVIATED: u8 = 2 << 5;
const EMBEDDED_HEADER_LEN: usize = 28;

impl RxConfig {
    /// NovAtel's name of the embedded command, if the id table knows it.
    pub fn name(&self) -> Option<&'static str> {
        ids::name(self.id)
    }

    /// The embedded command's format: 0 binary, 1 ASCII, 2 abbreviated ASCII.
    pub fn format(&self) -> u8 {
        (self.message_type.0 >> 5) & 0b11
    }
}

/// The body of RXCONFIG's embedded command: binary bytes, or the printed fields for text. JSON
/// shows text as a string and anything else as hexadecimal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct EmbeddedBody(pub Vec<u8>);

impl Serialize for EmbeddedBody {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) if text.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) => {
                s.serialize_str(text)
            }
            _ => {
                use std::fmt::Write;
                let mut hex = String::with_capacity(2 * self.0.len());
                for b in &self.0 {
                    let _ = write!(hex, "{b:02x}");
                }
                s.serialize_str(&hex)
            }
        }
    }
}

impl Field for RxConfig {
    /// The embedded header and CRC of a command without body.
    const BINARY_LEN: usize = EMBEDDED_HEADER_LEN + 4;

    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        let h: [u8; EMBEDDED_HEADER_LEN] = r.take()?;
        let u16_at = |at: usize| u16::from_le_bytes([h[at], h[at + 1]]);
        let u32_at = |at: usize| u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
        // A longer embedded header (its length byte) has fields this layout does not know.
        for _ in EMBEDDED_HEADER_LEN..usize::from(h[3]) {
            r.take::<1>()?;
        }
        let body_len = usize::from(u16_at(8));
        let mut body = Vec::with_capacity(body_len.min(r.remaining()));
        for _ in 0..body_len {
            body.push(r.take::<1>()?[0]);
        }
        Ok(RxConfig {
            id: u16_at(4),
            message_type: Hex(h[6]),
            port: Hex(h[7]),
            sequence: u16_at(10),
            idle_time: h[12],
            time_status: TimeStatus(h[13]),
            week: u16_at(14),
            ms: u32_at(16),
            receiver_status: Hex(u32_at(20)),
            reserved: Hex(u16_at(24)),
            sw_version: u16_at(26),
            body: EmbeddedBody(body),
            crc: Hex(u32::read_binary(r)?),
        })
    }

    fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[0xAA, 0x44, 0x12, EMBEDDED_HEADER_LEN as u8]);
        self.id.write_binary(out);
        out.extend_from_slice(&[self.message_type.0, self.port.0]);
        // Bodies are at most 32 KiB.
        (self.body.0.len() as u16).write_binary(out);
        self.sequence.write_binary(out);
        out.extend_from_slice(&[self.idle_time, self.time_status.0]);
        self.week.write_binary(out);
        self.ms.write_binary(out);
        self.receiver_status.write_binary(out);
        self.reserved.write_binary(out);
        self.sw_version.write_binary(out);
        out.extend_from_slice(&self.body.0);
        self.crc.write_binary(out);
    }

    /// ASCII tokens: `#CMDA`, port, sequence, idle %, time status, week, seconds, receiver
    /// status, reserved, version`;`first field, ..., last field`*`crc. Abbreviated: the same
    /// without `#`, `A`, `;` and CRC. Fields are joined again with the separator they were
    /// split at (quotes are not kept).
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let name = r.token()?;
        let (ascii, name) = match name.strip_prefix('#') {
            Some(name) => (true, name),
            None => (false, name),
        };
        let id = ascii
            .then(|| name.strip_suffix('A').and_then(ids::id))
            .flatten()
            .or_else(|| ids::id(name))
            .unwrap_or(0);
        let port_token = r.token()?;
        let port =
            header::port_address(port_token).ok_or_else(|| r.invalid(port_token, "a port"))?;
        let sequence = u16::read_text(r)?;
        let idle = r.token()?;
        let idle_time = idle
            .parse::<f32>()
            .ok()
            .filter(|p| (0.0..=127.5).contains(p))
            .map(|p| (p * 2.0).round() as u8)
            .ok_or_else(|| r.invalid(idle, "an idle time in percent"))?;
        let time_status = TimeStatus::read_text(r)?;
        let week = u16::read_text(r)?;
        let seconds = r.token()?;
        let ms = seconds
            .parse::<f64>()
            .ok()
            .map(|s| (s * 1000.0).round())
            .filter(|ms| (0.0..=f64::from(u32::MAX)).contains(ms))
            .map(|ms| ms as u32)
            .ok_or_else(|| r.invalid(seconds, "seconds of week"))?;
        let receiver_status = Hex::<u32>::read_text(r)?;
        let reserved = Hex::<u16>::read_text(r)?;
        let mut fields = Vec::new();
        let sw_version = if ascii {
            // `version;first field`: the command's body starts after the `;`.
            let token = r.token()?;
            let (version, first) =
                token.split_once(';').ok_or_else(|| r.invalid(token, "`version;field`"))?;
            fields.push(first);
            version.parse().map_err(|_| r.invalid(token, "a software version"))?
        } else {
            u16::read_text(r)?
        };
        while let Ok(token) = r.token() {
            fields.push(token);
        }
        let mut crc = 0;
        if ascii {
            let last = fields.pop().unwrap_or_default();
            let (field, hex) = last
                .rsplit_once('*')
                .filter(|(_, hex)| hex.len() == 8)
                .ok_or_else(|| r.invalid(last, "a field followed by `*` and a CRC"))?;
            crc = u32::from_str_radix(hex, 16).map_err(|_| r.invalid(last, "a CRC"))?;
            fields.push(field);
        }
        let separator = if ascii { "," } else { " " };
        Ok(RxConfig {
            id,
            message_type: Hex(if ascii { FORMAT_ASCII } else { FORMAT_ABBREVIATED }),
            port: Hex(port),
            sequence,
            idle_time,
            time_status,
            week,
            ms,
            receiver_status,
            reserved,
            sw_version,
            body: EmbeddedBody(fields.join(separator).into_bytes()),
            crc: Hex(crc),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_by_name() {
        for (name, value) in
            [("COM1", 0x20), ("COM2_5", 0x45), ("CCOM1", 0x1ea0), ("ALL_PORTS", 8), ("USB3", 0x7a0)]
        {
            assert_eq!(PortAddress::from_name(name), Some(PortAddress(value)), "{name}");
            assert_eq!(PortAddress(value).name().as_deref(), Some(name));
        }
        assert_eq!(PortAddress::from_name("COM1_32"), None);
        assert_eq!(PortAddress(5).name(), None);
    }

    #[test]
    fn logged_messages_by_name() {
        let best_pos_a = LoggedMessage::from_name("BESTPOSA").unwrap();
        assert_eq!((best_pos_a.id(), best_pos_a.format()), (42, LoggedMessage::ASCII));
        assert_eq!(best_pos_a.0, 42 | 1 << 21);
        let inspva = LoggedMessage::from_name("INSPVA").unwrap();
        assert_eq!((inspva.id(), inspva.format()), (507, LoggedMessage::ABBREVIATED));
        let inspva_a = LoggedMessage::from_name("INSPVAA").unwrap();
        assert_eq!((inspva_a.id(), inspva_a.format()), (507, LoggedMessage::ASCII));
        let sibling = LoggedMessage::from_name("RANGEBR_1").unwrap();
        assert_eq!(sibling, LoggedMessage::new(43, LoggedMessage::BINARY, true, 1));
        for m in [best_pos_a, inspva, inspva_a, sibling] {
            assert_eq!(LoggedMessage::from_name(&m.name().unwrap()), Some(m));
        }
        assert_eq!(LoggedMessage::from_name("NOSUCHLOGA"), None);
    }

    #[test]
    fn strings_are_nul_terminated_and_padded_to_four_bytes() {
        for (text, len) in [("", 4), ("abc", 4), ("abcd", 8), ("FFNRNNCBES1", 12)] {
            let mut out = Vec::new();
            VarString(text.to_owned()).write_binary(&mut out);
            assert_eq!(out.len(), len, "{text}");
            out.extend_from_slice(&7u32.to_le_bytes());
            let mut r = BinReader::new(&out);
            assert_eq!(VarString::read_binary(&mut r).unwrap().0, text);
            assert_eq!(u32::read_binary(&mut r).unwrap(), 7);
        }
    }
}

//! Recognising frames at the start of a byte slice, and the scanner that walks a stream with them.
//!
//! The scanner sees a window of the stream (`buf`, whose first byte is at stream offset `base`) and
//! says what its first bytes are: a frame, a run of rejected bytes, or that it needs more input.
//! Each format has a recogniser written with `nom` streaming parsers, so a frame cut short by the
//! end of the window is reported as incomplete rather than invalid.

use memchr::{memchr, memchr2};
use nom::{
    IResult, Parser,
    bytes::streaming::{tag, take_while_m_n},
    character::streaming::{char, digit1},
    combinator::{opt, recognize},
    error::ErrorKind,
    number::streaming::{le_u16, u8 as byte},
    sequence::preceded,
};

use super::crc::{crc32, frame_crc_ok, nmea_checksum};
use super::frame::{Format, RejectReason};

/// Largest body a binary frame may announce; a larger length field is rejected as oversize.
pub const MAX_BODY_LEN: usize = 32 * 1024;
/// Longest ASCII or abbreviated-ASCII frame accepted.
pub const MAX_TEXT_FRAME_LEN: usize = 32 * 1024;
/// Longest NMEA sentence accepted (the standard says 82; receivers print longer ones).
const MAX_NMEA_LEN: usize = 1024;
/// Shortest header an OEM4-style binary frame can have.
const MIN_BINARY_HEADER_LEN: u8 = 28;
const SHORT_BINARY_HEADER_LEN: usize = 12;
const CRC_LEN: usize = 4;

const SYNC_BINARY: [u8; 3] = [0xAA, 0x44, 0x12];
const SYNC_SHORT_BINARY: [u8; 3] = [0xAA, 0x44, 0x13];

/// Bytes that can start a frame.
const CANDIDATE: [bool; 256] = {
    let mut table = [false; 256];
    table[0xAA] = true;
    table[b'#' as usize] = true;
    table[b'%' as usize] = true;
    table[b'<' as usize] = true;
    table[b'$' as usize] = true;
    table
};

/// What the scanner found at the start of its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A checked frame of this format and length.
    Frame(Format, usize),
    /// This many bytes belong to no frame, for this reason.
    Reject(RejectReason, usize),
    /// The window starts with what may be a frame, but it is not all there yet.
    NeedMore,
}

/// What one recogniser made of the bytes at a candidate position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Attempt {
    Frame(Format, usize),
    /// Not the start of a frame: the byte is unframed.
    NotFrame,
    /// A frame announced itself but fails a check; `extent` bytes from here are attributed to
    /// `reason` unless a real frame is found inside them.
    Invalid {
        reason: RejectReason,
        extent: usize,
    },
    Incomplete,
}

/// Walks a stream; holds what it learnt about bytes it has already looked at.
#[derive(Debug, Default)]
pub struct Scanner {
    /// Rejected bytes before this stream offset are attributed to this reason.
    region: Option<(RejectReason, u64)>,
    /// Where the last search for a text terminator (`*` or `\n`) ended.
    terminator: TerminatorMemo,
}

impl Scanner {
    /// Classifies the first bytes of `buf`. `eof` says no byte follows `buf`.
    pub fn step(&mut self, buf: &[u8], base: u64, eof: bool) -> Step {
        if buf.is_empty() {
            return Step::NeedMore;
        }
        let (mut reason, mut limit) = self.run_at(base, buf.len());
        let mut from = 0;
        loop {
            let candidate = buf[from..limit]
                .iter()
                .position(|&b| CANDIDATE[b as usize])
                .map_or(limit, |p| from + p);
            if candidate == limit {
                return Step::Reject(reason, limit);
            }
            let attempt = match self.attempt(&buf[candidate..], base + candidate as u64, eof) {
                Attempt::Incomplete if eof => Attempt::Invalid {
                    reason: RejectReason::Truncated,
                    extent: buf.len() - candidate,
                },
                attempt => attempt,
            };
            match attempt {
                Attempt::NotFrame => from = candidate + 1,
                // A failed frame skips one byte, so that a real frame hidden behind a false sync
                // is still found; the bytes it covered are attributed to why it failed.
                Attempt::Invalid { reason: why, extent } => {
                    if candidate > 0 && why != reason {
                        // Hand out the bytes before it first; it is looked at again next.
                        return Step::Reject(reason, candidate);
                    }
                    let until = base + (candidate + extent) as u64;
                    self.region = match self.region {
                        Some((r, old)) if r == why && old > until => Some((r, old)),
                        _ => Some((why, until)),
                    };
                    (reason, limit) = self.run_at(base, buf.len());
                    from = candidate + 1;
                }
                Attempt::Frame(..) | Attempt::Incomplete if candidate > 0 => {
                    return Step::Reject(reason, candidate);
                }
                Attempt::Frame(format, len) => return Step::Frame(format, len),
                Attempt::Incomplete => return Step::NeedMore,
            }
        }
    }

    /// The reason for rejected bytes at stream offset `at`, and how far into a window of `len`
    /// bytes that reason holds.
    fn run_at(&self, at: u64, len: usize) -> (RejectReason, usize) {
        match self.region {
            Some((reason, until)) if until > at => {
                (reason, usize::try_from(until - at).map_or(len, |d| d.min(len)))
            }
            _ => (RejectReason::Unframed, len),
        }
    }

    fn attempt(&mut self, buf: &[u8], at: u64, eof: bool) -> Attempt {
        match buf[0] {
            0xAA => binary(buf),
            b'#' | b'%' => self.ascii(buf, at, eof),
            b'<' => abbreviated(buf, eof),
            b'$' => self.nmea(buf, at, eof),
            _ => Attempt::NotFrame,
        }
    }

    /// `#NAME,header;body*xxxxxxxx` or `%NAME,week,seconds;body*xxxxxxxx`, then an optional
    /// line end. The CRC covers the bytes between the sync character and `*`.
    fn ascii(&mut self, buf: &[u8], at: u64, eof: bool) -> Attempt {
        match message_name(&buf[1..]) {
            Err(nom::Err::Incomplete(_)) => return Attempt::Incomplete,
            Err(_) => return Attempt::NotFrame,
            Ok(_) => {}
        }
        let Some(star) = self.terminator.find(buf, at, MAX_TEXT_FRAME_LEN) else {
            return if buf.len() >= MAX_TEXT_FRAME_LEN {
                Attempt::Invalid { reason: RejectReason::Oversize, extent: MAX_TEXT_FRAME_LEN }
            } else {
                Attempt::Incomplete
            };
        };
        if buf[star] != b'*' {
            return Attempt::NotFrame;
        }
        let Some(hex) = buf.get(star + 1..star + 9) else {
            return Attempt::Incomplete;
        };
        let Some(expected) = parse_hex_u32(hex) else {
            return Attempt::NotFrame;
        };
        let format = if buf[0] == b'#' { Format::Ascii } else { Format::ShortAscii };
        // RXCONFIG embeds a whole command message, checksum included: `...;#CMDA,...*xxxxxxxx`
        // then the log's own `*xxxxxxxx`. A checksum directly followed by `*` may be such an
        // embedded one; the frame then ends at the next checksum if that one checks.
        if buf.get(star + 9) == Some(&b'*') {
            match embedded_checksum_frame(buf, star + 9, eof) {
                Continued::Frame(len) => return Attempt::Frame(format, len),
                Continued::Incomplete => return Attempt::Incomplete,
                Continued::BadCrc(len) if crc32(&buf[1..star]) != expected => {
                    return Attempt::Invalid { reason: RejectReason::BadCrc, extent: len };
                }
                // Not a continuation (or an ordinary frame followed by a `*`): as before.
                Continued::BadCrc(_) | Continued::No => {}
            }
        }
        let Some(len) = line_end(buf, star + 9, eof) else {
            return Attempt::Incomplete;
        };
        if crc32(&buf[1..star]) == expected {
            Attempt::Frame(format, len)
        } else {
            Attempt::Invalid { reason: RejectReason::BadCrc, extent: len }
        }
    }

    /// `$ADDRESS,fields*hh` with an optional line end; `hh` is the XOR of the bytes between `$`
    /// and `*`.
    fn nmea(&mut self, buf: &[u8], at: u64, eof: bool) -> Attempt {
        match nmea_address(buf) {
            Err(nom::Err::Incomplete(_)) => return Attempt::Incomplete,
            Err(_) => return Attempt::NotFrame,
            Ok(_) => {}
        }
        let Some(star) = self.terminator.find(buf, at, MAX_NMEA_LEN) else {
            return if buf.len() >= MAX_NMEA_LEN { Attempt::NotFrame } else { Attempt::Incomplete };
        };
        if buf[star] != b'*' {
            return Attempt::NotFrame;
        }
        let Some(hex) = buf.get(star + 1..star + 3) else {
            return Attempt::Incomplete;
        };
        let Some(expected) = parse_hex_u8(hex) else {
            return Attempt::NotFrame;
        };
        let Some(len) = line_end(buf, star + 3, eof) else {
            return Attempt::Incomplete;
        };
        if nmea_checksum(&buf[1..star]) == expected {
            Attempt::Frame(Format::Nmea, len)
        } else {
            Attempt::Invalid { reason: RejectReason::BadCrc, extent: len }
        }
    }
}

/// What follows an ASCII checksum that is directly followed by `*`.
enum Continued {
    /// `*xxxxxxxx` whose CRC covers everything from after the sync character: a frame of this
    /// length (line end included).
    Frame(usize),
    /// `*xxxxxxxx` whose CRC does not match: the frame, if it is one, is this long.
    BadCrc(usize),
    /// Not `*` and eight hexadecimal digits.
    No,
    /// The window ends before it is known; more input will tell.
    Incomplete,
}

/// Looks at the second checksum of `buf` (an ASCII frame), whose `*` is at `star`. At the end of
/// the input a checksum cut short is not one, so that the frame before it is kept as it was.
fn embedded_checksum_frame(buf: &[u8], star: usize, eof: bool) -> Continued {
    let Some(hex) = buf.get(star + 1..star + 9) else {
        let partial = &buf[star + 1..];
        return if !eof && partial.iter().all(u8::is_ascii_hexdigit) {
            Continued::Incomplete
        } else {
            Continued::No
        };
    };
    let Some(expected) = parse_hex_u32(hex) else {
        return Continued::No;
    };
    let Some(len) = line_end(buf, star + 9, eof) else {
        return Continued::Incomplete;
    };
    if crc32(&buf[1..star]) == expected { Continued::Frame(len) } else { Continued::BadCrc(len) }
}

/// OEM4-style binary (`AA 44 12`, header length in byte 3) or short binary (`AA 44 13`, 12-byte
/// header). Both end with a CRC-32 over everything before it.
fn binary(buf: &[u8]) -> Attempt {
    let lengths = match binary_lengths(buf) {
        Ok((_, lengths)) => lengths,
        Err(nom::Err::Incomplete(_)) => return Attempt::Incomplete,
        Err(_) => return Attempt::NotFrame,
    };
    let (format, header_len, body_len) = lengths;
    if body_len > MAX_BODY_LEN {
        // The extent is the announced header, whether or not all of it has arrived, so that
        // the attribution does not depend on how the input was cut.
        return Attempt::Invalid { reason: RejectReason::Oversize, extent: header_len };
    }
    let len = header_len + body_len + CRC_LEN;
    match buf.get(..len) {
        None => Attempt::Incomplete,
        Some(frame) if frame_crc_ok(frame) => Attempt::Frame(format, len),
        Some(_) => Attempt::Invalid { reason: RejectReason::BadCrc, extent: len },
    }
}

/// Format, header length and body length of a binary frame.
fn binary_lengths(i: &[u8]) -> IResult<&[u8], (Format, usize, usize)> {
    let (rest, _) = tag(&SYNC_BINARY[..2]).parse(i)?;
    let (rest, kind) = byte(rest)?;
    if kind == SYNC_BINARY[2] {
        // header length, message id, message type, port address, message length
        let (rest, (header_len, _, _, _, body_len)) =
            (byte, le_u16, byte, byte, le_u16).parse(rest)?;
        if header_len < MIN_BINARY_HEADER_LEN {
            return Err(nom::Err::Error(nom::error::Error::new(i, ErrorKind::Verify)));
        }
        Ok((rest, (Format::Binary, usize::from(header_len), usize::from(body_len))))
    } else if kind == SYNC_SHORT_BINARY[2] {
        let (rest, body_len) = byte(rest)?;
        Ok((rest, (Format::ShortBinary, SHORT_BINARY_HEADER_LEN, usize::from(body_len))))
    } else {
        Err(nom::Err::Error(nom::error::Error::new(i, ErrorKind::Tag)))
    }
}

/// `$` and an NMEA address field (talker and sentence, or a proprietary address), then `,`.
fn nmea_address(i: &[u8]) -> IResult<&[u8], &[u8]> {
    let address = take_while_m_n(2, 15, |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit());
    preceded(char('$'), recognize((address, char(',')))).parse(i)
}

/// A NovAtel message name: an upper-case letter, then letters, digits and `_`.
fn message_name(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize((
        take_while_m_n(1, 1, |b: u8| b.is_ascii_uppercase()),
        take_while_m_n(0, 39, |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
        char(','),
    ))
    .parse(i)
}

/// Abbreviated ASCII: a `<NAME port seq idle status week seconds rxstatus reserved version`
/// header line, then one or more body lines that start with `<` and a space. There is no CRC, so
/// the header line must match that shape exactly; console replies such as `<OK` never do.
fn abbreviated(buf: &[u8], eof: bool) -> Attempt {
    let mut end = match abbreviated_header_line(buf) {
        Ok((rest, _)) => buf.len() - rest.len(),
        Err(nom::Err::Incomplete(_)) => return Attempt::Incomplete,
        Err(_) => return Attempt::NotFrame,
    };
    let mut body_lines = 0;
    loop {
        if end >= MAX_TEXT_FRAME_LEN {
            return Attempt::Invalid { reason: RejectReason::Oversize, extent: end };
        }
        match buf.get(end..end + 2) {
            Some([b'<', b' ']) => match memchr(b'\n', &buf[end..]) {
                Some(nl) => {
                    end += nl + 1;
                    body_lines += 1;
                }
                None => return Attempt::Incomplete,
            },
            // Not a body line: the log ended at the previous line.
            Some(_) => break,
            // The next line has not started, or only its first byte is here.
            None if buf.len() == end && eof => break,
            None if buf.len() == end + 1 && buf[end] != b'<' => break,
            None => return Attempt::Incomplete,
        }
    }
    if body_lines == 0 {
        return Attempt::NotFrame;
    }
    Attempt::Frame(Format::Abbreviated, end)
}

fn abbreviated_header_line(i: &[u8]) -> IResult<&[u8], ()> {
    let word = |max| take_while_m_n(1, max, |b: u8| b.is_ascii_graphic());
    let decimal = || recognize((opt(char('-')), digit1, opt((char('.'), digit1))));
    let hex = |min, max| take_while_m_n(min, max, |b: u8| b.is_ascii_hexdigit());
    let sp = || char(' ');
    let (i, _) = char('<').parse(i)?;
    let (i, _) = message_name_until_space(i)?;
    let (i, _) = (word(16), sp(), digit1, sp(), decimal(), sp()).parse(i)?;
    let (i, _) = take_while_m_n(1, 24, |b: u8| b.is_ascii_uppercase() || b == b'_').parse(i)?;
    let (i, _) =
        (sp(), digit1, sp(), decimal(), sp(), hex(8, 8), sp(), hex(1, 4), sp(), digit1).parse(i)?;
    let (i, _) = take_while_m_n(0, 8, |b: u8| b == b' ').parse(i)?;
    let (i, _) = (opt(char('\r')), char('\n')).parse(i)?;
    Ok((i, ()))
}

fn message_name_until_space(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize((
        take_while_m_n(1, 1, |b: u8| b.is_ascii_uppercase()),
        take_while_m_n(0, 39, |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
        char(' '),
    ))
    .parse(i)
}

/// Length of a text frame whose checksum ends before `at`, including an optional `\r\n` or `\n`.
/// `None` when the window ends before it is known whether a line end follows.
fn line_end(buf: &[u8], at: usize, eof: bool) -> Option<usize> {
    match buf.get(at..at + 2) {
        Some(b"\r\n") => Some(at + 2),
        Some([b'\n', _]) => Some(at + 1),
        Some([b'\r', _]) => Some(at + 1),
        Some(_) => Some(at),
        None => match buf.get(at) {
            None if eof => Some(at),
            Some(b'\n') => Some(at + 1),
            Some(b'\r') if eof => Some(at + 1),
            Some(b'\r') | None => None,
            Some(_) => Some(at),
        },
    }
}

fn parse_hex_u32(hex: &[u8]) -> Option<u32> {
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

fn parse_hex_u8(hex: &[u8]) -> Option<u8> {
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

/// Remembers the last search for the first `*` or `\n` after a position, so that the many
/// candidate positions inside one long line are answered without searching the line again: the
/// scanner's cost stays linear in its input whatever the input is.
#[derive(Debug, Default)]
struct TerminatorMemo {
    /// No terminator lies in `from..to` (stream offsets).
    from: u64,
    to: u64,
    /// Whether `to` is itself a terminator.
    found: bool,
}

impl TerminatorMemo {
    /// Index in `buf` (which starts at stream offset `at`) of the first `*` or `\n` within
    /// `limit` bytes, or `None` if there is none in the part of `buf` searched.
    fn find(&mut self, buf: &[u8], at: u64, limit: usize) -> Option<usize> {
        let window = buf.len().min(limit);
        let end = at + window as u64;
        let mut start = at;
        if (self.from..=self.to).contains(&at) {
            if self.found {
                let index = usize::try_from(self.to - at).ok()?;
                return (index < window).then_some(index);
            }
            start = self.to.max(at);
        } else {
            self.from = at;
        }
        if start >= end {
            return None;
        }
        let offset = usize::try_from(start - at).ok()?;
        match memchr2(b'*', b'\n', &buf[offset..window]) {
            Some(i) => {
                self.to = start + i as u64;
                self.found = true;
                Some(offset + i)
            }
            None => {
                self.to = end;
                self.found = false;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(data: &[u8]) -> Vec<Step> {
        let mut scanner = Scanner::default();
        let mut at = 0;
        let mut steps = Vec::new();
        while at < data.len() {
            let step = scanner.step(&data[at..], at as u64, true);
            match step {
                Step::Frame(_, n) | Step::Reject(_, n) => at += n,
                Step::NeedMore => unreachable!("eof given"),
            }
            steps.push(step);
        }
        steps
    }

    #[test]
    fn console_replies_are_unframed() {
        let noise = b"<OK\r\n[COM1]<ERROR:Invalid Message\r\n";
        assert_eq!(scan_all(noise), vec![Step::Reject(RejectReason::Unframed, noise.len())]);
    }

    #[test]
    fn ascii_frame_with_line_end() {
        let line = b"#SENDR,COM1_30,0,127.5,UNKNOWN,0,0.000,00000000,ffff,0;OK*e79f45bd\r\n";
        assert_eq!(scan_all(line), vec![Step::Frame(Format::Ascii, line.len())]);
    }

    #[test]
    fn ascii_frame_with_wrong_crc_is_rejected_whole() {
        let line = b"#SENDR,COM1_30,0,127.5,UNKNOWN,0,0.000,00000000,ffff,0;OK*e79f45be\r\n";
        assert_eq!(scan_all(line), vec![Step::Reject(RejectReason::BadCrc, line.len())]);
    }

    const RXCONFIG: &[u8] = b"#RXCONFIGA,COM2,235,77.0,UNKNOWN,0,0.727,02000020,f702,17002;#ADJUST1PPSA,COM2,235,77.0,UNKNOWN,0,0.727,02000020,f702,17002;OFF*4c2dbb6d*1600a42a\r\n";

    #[test]
    fn rxconfig_frame_ends_at_its_second_checksum() {
        assert_eq!(scan_all(RXCONFIG), vec![Step::Frame(Format::Ascii, RXCONFIG.len())]);
        // Cut anywhere before its end, the window waits for more.
        for cut in 1..RXCONFIG.len() - 1 {
            let step = Scanner::default().step(&RXCONFIG[..cut], 0, false);
            assert_eq!(step, Step::NeedMore, "cut at {cut}");
        }
        // Without line end, at the end of the input.
        let bare = &RXCONFIG[..RXCONFIG.len() - 2];
        assert_eq!(scan_all(bare), vec![Step::Frame(Format::Ascii, bare.len())]);
    }

    #[test]
    fn a_frame_followed_by_a_star_is_framed_as_before() {
        let line = b"#SENDR,COM1_30,0,127.5,UNKNOWN,0,0.000,00000000,ffff,0;OK*e79f45bd";
        let frame = Step::Frame(Format::Ascii, line.len());
        for tail in [&b"*"[..], b"*12", b"*0123456789", b"*zz", b"*01234567\r\n", b"*0123456"] {
            let data = [&line[..], tail].concat();
            let steps = scan_all(&data);
            assert_eq!(steps[0], frame, "{:?}", String::from_utf8_lossy(tail));
            assert_eq!(steps[1..], [Step::Reject(RejectReason::Unframed, tail.len())]);
        }
        // A partial second checksum waits for more input, then is settled either way.
        let data = [&line[..], b"*0123"].concat();
        assert_eq!(Scanner::default().step(&data, 0, false), Step::NeedMore);
    }

    #[test]
    fn rxconfig_with_either_checksum_wrong() {
        let mut outer = RXCONFIG.to_vec();
        let at = outer.len() - 3;
        outer[at] = b'b';
        assert_eq!(scan_all(&outer)[0], Step::Reject(RejectReason::BadCrc, outer.len()));
        // The embedded checksum is not checked by the framer, only the log's own.
        let mut inner = RXCONFIG.to_vec();
        let at = inner.len() - 13;
        inner[at] = b'7';
        assert_eq!(scan_all(&inner)[0], Step::Reject(RejectReason::BadCrc, inner.len()));
    }

    #[test]
    fn nmea_sentence() {
        let s = b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n";
        assert_eq!(scan_all(s), vec![Step::Frame(Format::Nmea, s.len())]);
    }

    #[test]
    fn abbreviated_needs_the_next_line_to_end() {
        let text = b"<BESTVEL COM1 0 66.5 FINESTEERING 1687 419957.000 00000000 827b 3153\r\n<     SOL_COMPUTED DOPPLER_VELOCITY 0.150 0.000 0.0190 95.524459 -0.0149 0.0\r\n";
        let mut scanner = Scanner::default();
        assert_eq!(scanner.step(text, 0, false), Step::NeedMore);
        let mut more = text.to_vec();
        more.extend_from_slice(b"[COM1]");
        assert_eq!(scanner.step(&more, 0, false), Step::Frame(Format::Abbreviated, text.len()));
        assert_eq!(scanner.step(text, 0, true), Step::Frame(Format::Abbreviated, text.len()));
    }

    #[test]
    fn oversize_binary_length_is_rejected() {
        let mut frame = vec![0xAA, 0x44, 0x12, 28, 42, 0, 0, 0x20];
        frame.extend_from_slice(&(40_000u16).to_le_bytes());
        frame.resize(28, 0);
        let steps = scan_all(&frame);
        assert_eq!(steps, vec![Step::Reject(RejectReason::Oversize, 28)]);
    }

    #[test]
    fn partial_sync_at_end_of_window_waits() {
        let step = |buf: &[u8], eof| Scanner::default().step(buf, 0, eof);
        assert_eq!(step(&[0xAA], false), Step::NeedMore);
        assert_eq!(step(&[0xAA, 0x44], false), Step::NeedMore);
        assert_eq!(step(&[0xAA, 0x44, 0x12, 28], false), Step::NeedMore);
        assert_eq!(step(&[0xAA, 0x44], true), Step::Reject(RejectReason::Truncated, 2));
        assert_eq!(step(&[0xAA, 0x45], false), Step::Reject(RejectReason::Unframed, 2));
    }

    #[test]
    fn long_lines_without_terminator_are_scanned_in_linear_time() {
        // 64 KiB of "#A," would take quadratic time if every '#' searched to the end.
        let data: Vec<u8> = b"#A,".iter().copied().cycle().take(64 * 1024).collect();
        let steps = scan_all(&data);
        let rejected: usize = steps
            .iter()
            .map(|s| match s {
                Step::Reject(_, n) => *n,
                _ => panic!("no frame expected"),
            })
            .sum();
        assert_eq!(rejected, data.len());
    }
}

//! Helpers shared by the parser's tests: the fixtures, and comparing a binary log with the ASCII
//! one NovAtel printed of it.

#![allow(dead_code)]

#[path = "../../../tests/common/reliability.rs"]
pub mod reliability;

use std::path::PathBuf;

use novatel::{Event, Format, Header, Log, Message, decode, encode, frames};
use serde_json::Value;

pub fn fixture_path(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures").join(path)
}

pub fn read_fixture(path: &str) -> Vec<u8> {
    std::fs::read(fixture_path(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn messages(data: &[u8]) -> Vec<Message<'_>> {
    frames(data)
        .filter_map(|e| match e {
            Event::Frame(f) => Some(decode(&f).unwrap_or_else(|e| panic!("{e}"))),
            Event::Rejected(_) => None,
        })
        .collect()
}

pub fn with_id(messages: Vec<Message<'_>>, id: u16) -> Vec<Message<'_>> {
    messages.into_iter().filter(|m| m.header.id == Some(id)).collect()
}

/// The first message called `name`.
pub fn message<'a>(all: &'a [Message<'a>], name: &str) -> &'a Message<'a> {
    all.iter().find(|m| m.header.name == name).unwrap_or_else(|| panic!("no {name}"))
}

/// The decoded logs of the messages called `name`, in order.
pub fn decoded<'a>(all: &'a [Message<'_>], name: &str) -> Vec<&'a Log> {
    all.iter()
        .filter(|m| m.header.name == name)
        .map(|m| m.log.as_ref().unwrap_or_else(|| panic!("{name} not decoded")))
        .collect()
}

/// Encodes `log` in a binary frame (short binary if `short`) at GPS `week` and `ms`, decodes it
/// again and checks that header and log come back equal.
pub fn assert_binary_round_trip(log: &Log, week: u16, ms: u32, short: bool) {
    let header =
        if short { Header::short_binary(log, week, ms) } else { Header::binary(log, week, ms) };
    let mut bytes = Vec::new();
    encode(&header, log, &mut bytes).unwrap();
    let events: Vec<_> = frames(&bytes).collect();
    let [Event::Frame(frame)] = events.as_slice() else { panic!("{}: not one frame", header.name) };
    let back = decode(frame).unwrap();
    assert_eq!(back.header, header, "{}", header.name);
    assert_eq!(back.log.as_ref(), Some(log), "{}", header.name);
    // Debug tells -0.0 from 0.0 (GLONASS ephemerides carry negative zeros).
    assert_eq!(format!("{:?}", back.log.as_ref()), format!("{:?}", Some(log)), "{}", header.name);
}

/// [`assert_binary_round_trip`] of a decoded message at its own time, in short binary if it came
/// in short ASCII.
pub fn assert_message_round_trip(message: &Message<'_>) {
    let name = &message.header.name;
    let log = message.log.as_ref().unwrap_or_else(|| panic!("{name} not decoded"));
    let (week, ms) = (message.header.week.unwrap(), message.header.ms.unwrap());
    assert_binary_round_trip(log, week, ms, message.header.format == Format::ShortAscii);
}

/// The log of an ASCII frame of log `name` around `body` (typed, not from a receiver), its CRC
/// computed here: for layouts without a published example.
pub fn typed_ascii(name: &str, body: &[u8]) -> Log {
    let mut text = format!("{name}A,COM1,0,0.0,FINESTEERING,2209,503614.000,02000020,0000,16809;")
        .into_bytes();
    text.extend_from_slice(body);
    let mut frame = b"#".to_vec();
    frame.extend_from_slice(&text);
    frame.extend_from_slice(format!("*{:08x}\r\n", novatel::crc::crc32(&text)).as_bytes());
    let all = messages(&frame);
    let [message] = &all[..] else { panic!("{name}: not one message") };
    message.log.clone().unwrap_or_else(|| panic!("{name} not decoded"))
}

/// Numbers in an ASCII body with the number of decimals they were printed with, in order.
pub fn printed_decimals(ascii_body: &[u8]) -> Vec<u32> {
    let text = std::str::from_utf8(ascii_body).unwrap();
    let mut tokens = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                tokens.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    tokens.push(&text[start..]);
    tokens
        .into_iter()
        .filter(|t| !t.starts_with('"') && t.contains('.') && t.parse::<f64>().is_ok())
        .map(|t| t.split_once('.').map_or(0, |(_, fraction)| fraction.len()) as u32)
        .collect()
}

pub fn float_leaves(value: &Value, out: &mut Vec<f64>) {
    match value {
        Value::Number(n) if n.is_f64() => out.push(n.as_f64().unwrap()),
        Value::Array(items) => items.iter().for_each(|v| float_leaves(v, out)),
        Value::Object(map) => map.values().for_each(|v| float_leaves(v, out)),
        _ => {}
    }
}

/// Replaces every float by 0 so that the rest of the structure can be compared exactly.
pub fn without_floats(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => Value::from(0.0),
        Value::Array(items) => Value::Array(items.iter().map(without_floats).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), without_floats(v))).collect())
        }
        other => other.clone(),
    }
}

/// The binary log equals the ASCII one: integers, enums and strings exactly, each number to the
/// precision the ASCII printed it with.
pub fn assert_same_log(binary: &Value, ascii: &Value, ascii_body: &[u8], context: &str) {
    assert_eq!(
        without_floats(binary),
        without_floats(ascii),
        "{context}: fields other than numbers"
    );
    let (mut b, mut a) = (Vec::new(), Vec::new());
    float_leaves(binary, &mut b);
    float_leaves(ascii, &mut a);
    let decimals = printed_decimals(ascii_body);
    assert_eq!(decimals.len(), a.len(), "{context}: printed numbers vs decoded numbers");
    for (i, ((b, a), d)) in b.iter().zip(&a).zip(&decimals).enumerate() {
        let tolerance = 0.5 * 10f64.powi(-(*d as i32)) + a.abs() * 2e-7;
        assert!(
            (b - a).abs() <= tolerance,
            "{context}: number {i}: binary {b} vs ascii {a} ({d} decimals)"
        );
    }
}

pub fn log_json(log: &Log) -> Value {
    match log {
        Log::RangeCmp(cmp) => serde_json::to_value(cmp.decompress()).unwrap(),
        other => serde_json::to_value(other).unwrap(),
    }
}

pub fn assert_same_header(binary: &Message<'_>, ascii: &Message<'_>, context: &str) {
    let (b, a) = (&binary.header, &ascii.header);
    assert_eq!(b.name, a.name, "{context}");
    assert_eq!((b.week, b.ms, b.time_status), (a.week, a.ms, a.time_status), "{context}");
    if !b.response && !a.response {
        assert_eq!(
            (b.sequence, b.idle_time, b.receiver_status, b.reserved, b.sw_version, &b.port),
            (a.sequence, a.idle_time, a.receiver_status, a.reserved, a.sw_version, &a.port),
            "{context}"
        );
    }
}

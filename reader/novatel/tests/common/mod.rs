//! Helpers shared by the parser's tests: the fixtures, and comparing a binary log with the ASCII
//! one NovAtel printed of it.

#![allow(dead_code)]

#[path = "../../../tests/common/reliability.rs"]
pub mod reliability;

use std::path::PathBuf;

use novatel::{Event, Log, Message, decode, frames};
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

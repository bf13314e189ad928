//! Framer and decoders on arbitrary input: the first byte picks a chunk size, the rest is the
//! stream. Checks that nothing panics, every byte is counted once, chunking changes nothing, and
//! every decoded binary log survives being encoded and decoded again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use novatel::{Event, Format, Framer, Header, decode, encode, frames};

fuzz_target!(|input: &[u8]| {
    let Some((&chunk, data)) = input.split_first() else { return };
    let chunk = usize::from(chunk) + 1;

    let mut whole = Vec::new();
    let mut it = frames(data);
    for event in &mut it {
        if let Event::Frame(frame) = event {
            whole.push((frame.offset, frame.bytes.to_vec()));
            if let Ok(message) = decode(&frame) {
                check_binary_round_trip(frame.format, &message.header, message.log.as_ref());
            }
        }
    }
    let whole_stats = it.stats().clone();
    assert_eq!(whole_stats.frame_bytes() + whole_stats.total_rejected_bytes(), data.len() as u64);

    let mut framer = Framer::new();
    let mut chunked = Vec::new();
    for piece in data.chunks(chunk) {
        framer.push(piece);
        while let Some(event) = framer.next_event() {
            if let Event::Frame(frame) = event {
                chunked.push((frame.offset, frame.bytes.to_vec()));
            }
        }
        assert!(framer.buffered() <= 64 * 1024 + chunk, "framer holds {} bytes", framer.buffered());
    }
    framer.finish();
    while let Some(event) = framer.next_event() {
        if let Event::Frame(frame) = event {
            chunked.push((frame.offset, frame.bytes.to_vec()));
        }
    }
    assert_eq!(chunked, whole);
    assert_eq!(framer.stats(), &whole_stats);
});

/// A decoded binary log encodes to a frame that decodes to the same log.
fn check_binary_round_trip(
    format: Format,
    header: &Header<'_>,
    log: Option<&novatel::Log>,
) {
    let (Some(log), true) = (log, format.is_binary()) else { return };
    let (week, ms) = (header.week.unwrap_or(0), header.ms.unwrap_or(0));
    let header = if format == Format::ShortBinary {
        Header::short_binary(log, week, ms)
    } else {
        Header::binary(log, week, ms)
    };
    let mut out = Vec::new();
    if encode(&header, log, &mut out).is_err() {
        return;
    }
    let events: Vec<_> = frames(&out).collect();
    let [Event::Frame(frame)] = events.as_slice() else { panic!("{}: not one frame", header.name) };
    let again = decode(frame).expect("encoded frame decodes");
    assert_eq!(format!("{:?}", again.log.as_ref()), format!("{:?}", Some(log)), "{}", header.name);
}

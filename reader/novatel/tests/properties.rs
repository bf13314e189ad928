//! Properties of the framer and decoders on arbitrary input.

use novatel::simulate::{Config, Simulator};
use novatel::{Event, Framer, Stats, decode, frames};
use proptest::prelude::*;

/// Frames of a simulated receiver, interesting input to mutate.
fn simulated_frames() -> Vec<u8> {
    let mut sim = Simulator::new(Config::default()).unwrap();
    let mut out = Vec::new();
    for _ in 0..20 {
        sim.write_epoch(&mut out).unwrap();
    }
    out
}

/// Runs the streaming framer over `data` cut at `cuts`, decoding every frame; returns the frames'
/// (offset, bytes) and the statistics.
fn run_chunked(data: &[u8], cuts: &[usize]) -> (Vec<(u64, Vec<u8>)>, Stats) {
    let mut framer = Framer::new();
    let mut out = Vec::new();
    let mut drain = |framer: &mut Framer| {
        while let Some(event) = framer.next_event() {
            if let Event::Frame(frame) = event {
                let _ = decode(&frame);
                out.push((frame.offset, frame.bytes.to_vec()));
            }
        }
    };
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    cuts.sort_unstable();
    for cut in cuts.into_iter().chain([data.len()]) {
        framer.push(&data[at..cut.max(at)]);
        drain(&mut framer);
        at = cut.max(at);
    }
    framer.finish();
    drain(&mut framer);
    (out, framer.stats().clone())
}

fn run_whole(data: &[u8]) -> (Vec<(u64, Vec<u8>)>, Stats) {
    let mut it = frames(data);
    let found = (&mut it)
        .filter_map(|e| match e {
            Event::Frame(f) => {
                let _ = decode(&f);
                Some((f.offset, f.bytes.to_vec()))
            }
            Event::Rejected(_) => None,
        })
        .collect();
    (found, it.stats().clone())
}

/// Bytes that look like the start of NovAtel frames, so random input reaches deep into the
/// recognisers instead of being rejected at the first byte.
fn frame_like_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        Just(vec![0xAA, 0x44, 0x12, 0x1C]),
        Just(vec![0xAA, 0x44, 0x13]),
        Just(b"#BESTPOSA,COM1,0,65.5,FINESTEERING,1687,419928.000,00000000,6145,3153;".to_vec()),
        Just(b"%INSPVASA,2209,490712.000;".to_vec()),
        Just(b"<BESTPOS COM1 0 65.5 FINESTEERING 1687 419927.000 00000000 6145 3153\r\n".to_vec()),
        Just(b"<     ".to_vec()),
        Just(b"$GPGGA,".to_vec()),
        Just(b"*".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b",".to_vec()),
        "[0-9a-f]{8}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..200).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the bytes and however they are cut: no panic, every byte counted once, and the
    /// same frames as when the input is framed whole.
    #[test]
    fn arbitrary_bytes(data in frame_like_bytes(), cuts in prop::collection::vec(any::<usize>(), 0..20)) {
        let (chunked, stats) = run_chunked(&data, &cuts);
        prop_assert_eq!(stats.frame_bytes() + stats.total_rejected_bytes(), data.len() as u64);
        prop_assert_eq!((chunked, stats), run_whole(&data));
    }

    /// Simulated frames with bytes flipped, inserted and removed: the frames left intact all
    /// come out, and nothing panics.
    #[test]
    fn damaged_frames(edits in prop::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 1..10)) {
        let original = simulated_frames();
        let (intact, _) = run_whole(&original);
        let mut data = original.clone();
        // Apply edits from the end so earlier offsets stay valid; remember what each touched.
        let mut edits: Vec<_> = edits.into_iter().map(|(at, byte, kind)| (at % original.len(), byte, kind)).collect();
        edits.sort_unstable_by_key(|&(at, _, _)| std::cmp::Reverse(at));
        for &(at, byte, kind) in &edits {
            match kind {
                0 => data[at] ^= byte | 1,
                1 => data.insert(at, byte),
                _ => { data.remove(at); }
            }
        }
        let found: Vec<Vec<u8>> = run_whole(&data).0.into_iter().map(|(_, bytes)| bytes).collect();
        for (offset, bytes) in &intact {
            let (start, end) = (*offset as usize, *offset as usize + bytes.len());
            let touched = edits.iter().any(|&(at, _, _)| at >= start && at < end);
            if !touched {
                prop_assert!(found.contains(bytes), "intact frame at {offset} lost");
            }
        }
        let (chunked, stats) = run_chunked(&data, &[data.len() / 3, data.len() / 2]);
        prop_assert_eq!((chunked, stats), run_whole(&data));
    }
}

/// Inputs the fuzzer once failed on: the first byte picks the chunk size, as in the fuzz target.
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/fuzz/framer");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let input = std::fs::read(entry.unwrap().path()).unwrap();
        let Some((&chunk, data)) = input.split_first() else { continue };
        let cuts: Vec<usize> = (1..=data.len() / (usize::from(chunk) + 1))
            .map(|i| i * (usize::from(chunk) + 1))
            .collect();
        assert_eq!(run_chunked(data, &cuts), run_whole(data));
        checked += 1;
    }
    assert!(checked > 0);
}

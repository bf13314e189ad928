//! The parsing library against the real receiver recordings in `fixtures/real/`: exact counts per
//! log and format, the same frames however the bytes are cut or polluted, binary equal to ASCII.

use std::collections::BTreeMap;

use novatel_reader::novatel::{
    Event, Format, Frame, Framer, Log, RejectReason, Stats, decode, frames,
};
use serde_json::Value;

mod common;

use common::{assert_same_header, assert_same_log, fixture_path, log_json, messages, with_id};

fn read_fixture(name: &str) -> Vec<u8> {
    common::read_fixture(&format!("real/{name}"))
}

const RECORDINGS: [&str; 6] = [
    "bestpos.gps",
    "BESTUTMBIN.GPS",
    "OneEach.GPS",
    "OneEach.ASC",
    "test2_rcvr1.dat",
    "test2_rcvr1_decompressed.ASC",
];

/// A frame as the tests compare them: where it was, its format and its bytes.
type OwnedFrame = (u64, Format, Vec<u8>);

/// What a framer produced from a whole input.
struct Outcome {
    frames: Vec<OwnedFrame>,
    stats: Stats,
}

fn whole(data: &[u8]) -> Outcome {
    let mut it = frames(data);
    let frames = (&mut it)
        .filter_map(|e| match e {
            Event::Frame(f) => Some((f.offset, f.format, f.bytes.to_vec())),
            Event::Rejected(_) => None,
        })
        .collect();
    Outcome { frames, stats: it.stats().clone() }
}

/// Feeds `data` to a streaming framer in chunks whose sizes `next_len` chooses.
fn chunked(data: &[u8], mut next_len: impl FnMut() -> usize) -> Outcome {
    let mut framer = Framer::new();
    let mut frames = Vec::new();
    let mut drain = |framer: &mut Framer| {
        while let Some(event) = framer.next_event() {
            if let Event::Frame(f) = event {
                frames.push((f.offset, f.format, f.bytes.to_vec()));
            }
        }
    };
    let mut at = 0;
    while at < data.len() {
        let len = next_len().clamp(1, data.len() - at);
        framer.push(&data[at..at + len]);
        drain(&mut framer);
        at += len;
    }
    framer.finish();
    drain(&mut framer);
    Outcome { frames, stats: framer.stats().clone() }
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn counts_by_log(frames: &[OwnedFrame]) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for (offset, format, bytes) in frames {
        let frame = Frame { format: *format, offset: *offset, bytes };
        let message = decode(&frame).unwrap_or_else(|e| panic!("frame at {offset}: {e}"));
        *counts.entry(format!("{} {}", message.header.name, format)).or_default() += 1;
    }
    counts
}

fn expected(name: &str) -> Value {
    let text =
        std::fs::read_to_string(fixture_path(&format!("real/{name}.expected.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn assert_matches_expected(name: &str, outcome: &Outcome, len: usize) {
    let expected = expected(name);
    let counts: BTreeMap<String, u64> = serde_json::from_value(expected["frames"].clone()).unwrap();
    assert_eq!(counts_by_log(&outcome.frames), counts, "{name}: frames per log and format");
    assert_eq!(outcome.stats.frame_bytes(), expected["frame_bytes"].as_u64().unwrap(), "{name}");
    for reason in RejectReason::ALL {
        assert_eq!(
            outcome.stats.rejected_bytes(reason),
            expected["rejected"][reason.as_str()].as_u64().unwrap(),
            "{name}: bytes rejected as {reason}"
        );
    }
    assert_eq!(
        outcome.stats.frame_bytes() + outcome.stats.total_rejected_bytes(),
        len as u64,
        "{name}: every byte is a frame byte or a rejected byte"
    );
}

#[test]
fn counts_per_log_and_format_match_the_expected_files() {
    for name in RECORDINGS {
        let data = read_fixture(name);
        assert_matches_expected(name, &whole(&data), data.len());
    }
}

#[test]
fn byte_by_byte_and_random_chunks_give_the_same_frames() {
    let mut rng = Rng(0x5EED);
    for name in RECORDINGS {
        let data = read_fixture(name);
        let reference = whole(&data);
        let byte_by_byte = chunked(&data, || 1);
        assert_eq!(byte_by_byte.frames, reference.frames, "{name}: byte by byte");
        assert_eq!(byte_by_byte.stats, reference.stats, "{name}: byte by byte");
        for _ in 0..5 {
            let random = chunked(&data, || 1 + rng.below(3000));
            assert_eq!(random.frames, reference.frames, "{name}: random chunks");
            assert_eq!(random.stats, reference.stats, "{name}: random chunks");
        }
    }
}

#[test]
fn every_split_point_of_the_small_recordings_gives_the_same_frames() {
    for name in ["bestpos.gps", "BESTUTMBIN.GPS", "OneEach.GPS", "OneEach.ASC"] {
        let data = read_fixture(name);
        let reference = whole(&data);
        for split in 1..data.len() {
            let mut lens = [split, data.len() - split].into_iter();
            let outcome = chunked(&data, || lens.next().unwrap_or(1));
            assert_eq!(outcome.frames, reference.frames, "{name}: split at {split}");
            assert_eq!(outcome.stats, reference.stats, "{name}: split at {split}");
        }
    }
}

#[test]
fn garbage_spliced_between_frames_changes_nothing_but_the_rejected_count() {
    let mut rng = Rng(42);
    for name in RECORDINGS {
        let data = read_fixture(name);
        let reference = whole(&data);
        let mut polluted = Vec::new();
        let mut expected = Vec::new();
        let mut at = 0;
        for (offset, format, bytes) in &reference.frames {
            let offset = *offset as usize;
            polluted.extend_from_slice(&data[at..offset]);
            // Random bytes, except that an abbreviated ASCII log legitimately continues on any
            // following line that starts with "< ", so the garbage never starts that way.
            let garbage_len = rng.below(64);
            for i in 0..garbage_len {
                let byte = rng.next() as u8;
                polluted.push(if i == 0 && byte == b'<' { b'>' } else { byte });
            }
            expected.push((polluted.len() as u64, *format, bytes.clone()));
            polluted.extend_from_slice(bytes);
            at = offset + bytes.len();
        }
        polluted.extend_from_slice(&data[at..]);
        assert_eq!(whole(&polluted).frames, expected, "{name}");
        let chunks = chunked(&polluted, || 1 + rng.below(500));
        assert_eq!(chunks.frames, expected, "{name}: in chunks");
    }
}

#[test]
fn a_flipped_bit_loses_exactly_that_frame() {
    for name in RECORDINGS {
        let data = read_fixture(name);
        let reference = whole(&data);
        // Every frame of the small recordings, every 25th of the large ones.
        let step = if reference.frames.len() > 100 { 25 } else { 1 };
        for (index, (offset, format, bytes)) in reference.frames.iter().enumerate().step_by(step) {
            if *format == Format::Abbreviated {
                continue; // no checksum to catch it
            }
            let mut damaged = data.clone();
            damaged[*offset as usize + bytes.len() / 2] ^= 0x10;
            let outcome = whole(&damaged);
            let mut expected = reference.frames.clone();
            expected.remove(index);
            assert_eq!(outcome.frames, expected, "{name}: bit flipped in frame at {offset}");
            assert_eq!(
                outcome.stats.rejected_bytes(RejectReason::BadCrc),
                reference.stats.rejected_bytes(RejectReason::BadCrc) + bytes.len() as u64,
                "{name}: frame at {offset} counted as bad CRC"
            );
        }
    }
}

#[test]
fn truncated_recordings_report_the_cut_frame() {
    for name in RECORDINGS {
        let data = read_fixture(name);
        let reference = whole(&data);
        let (offset, _, bytes) = &reference.frames[reference.frames.len() / 2];
        let cut = *offset as usize + bytes.len() - 3;
        let outcome = whole(&data[..cut]);
        assert_eq!(outcome.frames, reference.frames[..reference.frames.len() / 2], "{name}");
        assert!(outcome.stats.rejected_bytes(RejectReason::Truncated) > 0, "{name}");
    }
}

#[test]
fn the_corrupt_frame_of_test2_is_rejected_and_its_neighbours_kept() {
    let data = read_fixture("test2_rcvr1.dat");
    let bad: Vec<_> = frames(&data)
        .filter_map(|e| match e {
            Event::Rejected(r) if r.reason == RejectReason::BadCrc => {
                Some((r.offset, r.bytes.len()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(bad, [(230_610, 900)]);
    // The frames on either side are intact: one ends where the damaged one starts, the next
    // starts 9 bytes after its announced end (bytes that belong to no frame).
    let frames = whole(&data).frames;
    let before = frames.iter().position(|(o, _, b)| *o + b.len() as u64 == 230_610).unwrap();
    assert_eq!(frames[before + 1].0, 231_519);
}

#[test]
fn one_each_binary_equals_its_ascii_conversion_log_by_log() {
    let gps = read_fixture("OneEach.GPS");
    let asc = read_fixture("OneEach.ASC");
    // NovAtel's converter turned every binary and ASCII frame into ASCII; it dropped the
    // abbreviated ones.
    let binary: Vec<_> =
        messages(&gps).into_iter().filter(|m| m.header.format != Format::Abbreviated).collect();
    let ascii = messages(&asc);
    assert_eq!(binary.len(), ascii.len());
    let mut compared = 0;
    for (b, a) in binary.iter().zip(&ascii) {
        let context = format!("{} at {:?}", b.header.name, b.header.ms);
        assert_same_header(b, a, &context);
        if let (Some(bl), Some(al)) = (&b.log, &a.log) {
            assert_same_log(&log_json(bl), &log_json(al), a.body, &context);
            compared += 1;
        }
    }
    // BESTPOS, BESTUTM, BESTVEL, RXSTATUS, PSRXYZ, BESTXYZ.
    assert_eq!(compared, 6);
}

#[test]
fn every_rangecmp_observation_equals_novatels_decompressed_range() {
    let compressed = read_fixture("test2_rcvr1.dat");
    let decompressed = read_fixture("test2_rcvr1_decompressed.ASC");
    let cmp = with_id(messages(&compressed), 140);
    let range = with_id(messages(&decompressed), 43);
    assert_eq!((cmp.len(), range.len()), (436, 436));
    let mut observations = 0;
    for (c, r) in cmp.iter().zip(&range) {
        let context = format!("epoch {:?}", c.header.ms);
        assert_eq!((c.header.week, c.header.ms), (r.header.week, r.header.ms), "{context}");
        let (Some(Log::RangeCmp(c_log)), Some(Log::Range(r_log))) = (&c.log, &r.log) else {
            panic!("{context}: not decoded");
        };
        observations += r_log.obs.len();
        assert_same_log(
            &log_json(&Log::RangeCmp(c_log.clone())),
            &log_json(&Log::Range(r_log.clone())),
            r.body,
            &context,
        );
    }
    assert_eq!(observations, 15_774);
    // The known first observation (SOURCES.md).
    let Some(Log::RangeCmp(first)) = &cmp[0].log else { unreachable!() };
    let obs = &first.decompress().obs[0];
    assert_eq!(obs.prn, 4);
    assert!((obs.psr - 21_491_230.859).abs() < 5e-4);
    assert!((obs.adr - -111_560_708.203_125).abs() < 1e-6);
    assert!((obs.dopp - 2814.695).abs() < 5e-4);
    assert_eq!((obs.cn0, obs.tracking_status.0), (50.0, 0x1810_9C04));
}

#[test]
fn bestxyz_of_test2_binary_equals_ascii() {
    let compressed = read_fixture("test2_rcvr1.dat");
    let ascii = read_fixture("test2_rcvr1_decompressed.ASC");
    let (b, a) = (with_id(messages(&compressed), 241), with_id(messages(&ascii), 241));
    assert_eq!((b.len(), a.len()), (448, 448));
    for (b, a) in b.iter().zip(&a) {
        let context = format!("BESTXYZ at {:?}", b.header.ms);
        assert_same_header(b, a, &context);
        assert_same_log(
            &log_json(b.log.as_ref().unwrap()),
            &log_json(a.log.as_ref().unwrap()),
            a.body,
            &context,
        );
    }
}

#[test]
fn bestutm_in_binary_and_ascii_decode() {
    // The two BESTUTM logs of this capture are from different epochs: compared with known values.
    let data = read_fixture("BESTUTMBIN.GPS");
    let all = messages(&data);
    let Some(Log::BestUtm(binary)) = &all[0].log else { panic!("binary BESTUTM not decoded") };
    assert_eq!((all[0].header.week, all[0].header.ms), (Some(2237), Some(269_471_000)));
    assert_eq!((binary.zone_number, binary.zone_letter.as_char()), (11, Some('U')));
    assert_eq!(
        (binary.stn_id.as_bytes(), binary.num_svs, binary.num_soln_svs),
        (&b"131"[..], 31, 10)
    );
    let Some(Log::BestUtm(ascii)) = &all[1].log else { panic!("ASCII BESTUTM not decoded") };
    assert_eq!((ascii.northing, ascii.easting, ascii.hgt), (5670746.0187, 707662.0088, 1098.7489));
    assert_eq!(
        (ascii.pos_type.name(), ascii.num_svs, ascii.stn_id.as_bytes()),
        (Some("WAAS"), 30, &b"131"[..])
    );
}

#[test]
fn abbreviated_logs_decode_like_their_ascii_counterparts() {
    let data = read_fixture("OneEach.GPS");
    let abbreviated: Vec<_> =
        messages(&data).into_iter().filter(|m| m.header.format == Format::Abbreviated).collect();
    assert_eq!(abbreviated.len(), 2);
    let Some(Log::BestPos(pos)) = &abbreviated[0].log else { panic!("BESTPOS not decoded") };
    assert_eq!((pos.lat, pos.lon), (32.59535909141, -85.29567793105));
    assert_eq!((pos.num_svs, pos.ext_sol_stat.0, pos.gps_glo_sig_mask.0), (12, 6, 3));
    let Some(Log::BestVel(vel)) = &abbreviated[1].log else { panic!("BESTVEL not decoded") };
    assert_eq!((vel.hor_spd, vel.trk_gnd, vel.vert_spd), (0.019, 95.524459, -0.0149));
    assert_eq!(abbreviated[1].header.ms, Some(419_957_000));
}

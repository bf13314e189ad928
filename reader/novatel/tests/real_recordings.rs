//! The parsing library against the real receiver recordings in `fixtures/real/`: exact counts per
//! log and format, the same frames however the bytes are cut or polluted, binary equal to ASCII.

use std::collections::BTreeMap;
use std::ops::Range;

use novatel::{Event, Format, Frame, Framer, Log, RejectReason, Stats, decode, frames};
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

/// Whether a frame of `format` carries a CRC-32, so that damage to it cannot go unnoticed.
fn has_crc32(format: Format) -> bool {
    matches!(format, Format::Binary | Format::ShortBinary | Format::Ascii | Format::ShortAscii)
}

/// A random byte other than `<` and `$`, the sync bytes of the formats without a CRC-32: damage
/// containing them could start a frame that passes without being a real one (abbreviated ASCII has
/// no checksum; a `,` of an ASCII log turned into `$` starts an NMEA sentence, `$COM1,...*e7`,
/// whose 8-bit checksum matches once in 256).
fn noise(rng: &mut Rng) -> u8 {
    loop {
        let byte = rng.next() as u8;
        if byte != b'<' && byte != b'$' {
            return byte;
        }
    }
}

/// Garbage to insert: random bytes, sometimes behind the start of a binary or ASCII header, so
/// that the framer takes them for a frame whose announced end lies beyond the frames after it.
fn garbage(rng: &mut Rng) -> Vec<u8> {
    let mut bytes = match rng.below(3) {
        0 => vec![0xAA, 0x44, 0x12, 28],
        1 => b"#GARBAGEA,".to_vec(),
        _ => Vec::new(),
    };
    for _ in 0..1 + rng.below(64) {
        bytes.push(noise(rng));
    }
    bytes
}

/// A recording damaged at random, and which of its frames the damage spared, worked out from the
/// edits alone (not by framing the result).
struct Damaged {
    bytes: Vec<u8>,
    /// The reference frames whose checked bytes are still there unchanged and in one piece, at
    /// their new offsets, with the line end that now follows them if they are ASCII.
    intact: Vec<OwnedFrame>,
    /// Spans cut out (the cut-off end included) and garbage runs inserted.
    cuts: usize,
    insertions: usize,
}

/// Damages `data`, whose frames are `reference`: 1% of its bytes replaced by other random bytes,
/// a few spans and the end cut off, garbage inserted at random places (inside frames too).
fn damage(data: &[u8], reference: &[OwnedFrame], rng: &mut Rng) -> Damaged {
    let len = data.len();
    // Frames without a CRC-32 would still pass damaged: they and the two bytes after them (a line
    // starting with "< " there would continue an abbreviated log) are left alone.
    let guarded: Vec<_> = reference
        .iter()
        .filter(|(_, format, _)| !has_crc32(*format))
        .map(|(offset, _, bytes)| *offset as usize..*offset as usize + bytes.len() + 2)
        .collect();
    let free =
        |span: &Range<usize>| guarded.iter().all(|g| span.end <= g.start || g.end <= span.start);

    // Two flips the checksum cannot see are left out: a letter turned into its other case (the
    // checksum's hex digits read the same) and an ASCII sync turned into the short ASCII one or
    // back (the checksum starts after it; the frame then fails to decode, and counts as such).
    let syncs = [b'#', b'%'];
    let mut flips = BTreeMap::new();
    while flips.len() < len / 100 {
        let at = rng.below(len);
        let byte = noise(rng);
        let unseen = byte.eq_ignore_ascii_case(&data[at])
            || (syncs.contains(&byte) && syncs.contains(&data[at]));
        if !unseen && free(&(at..at + 1)) {
            flips.insert(at, byte);
        }
    }
    let longest_cut = (len / 8).min(1500);
    let end = len - 1 - rng.below(longest_cut);
    let mut cuts = vec![if free(&(end..len)) { end..len } else { len..len }];
    let end = cuts[0].start;
    for _ in 0..2 + rng.below(3) {
        let start = rng.below(end);
        let cut = start..(start + 1 + rng.below(longest_cut)).min(len);
        if free(&cut) {
            cuts.push(cut);
        }
    }
    let mut inserted: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
    for _ in 0..2 + len / 10_000 {
        // Garbage goes before the byte at `at`: the bytes on either side must be free.
        let at = rng.below(end);
        if free(&(at.saturating_sub(1)..at + 1)) {
            inserted.entry(at).or_default().extend(garbage(rng));
        }
    }

    let mut flipped = data.to_vec();
    for (&at, &byte) in &flips {
        flipped[at] = byte;
    }
    cuts.retain(|cut| !cut.is_empty());
    cuts.sort_unstable_by_key(|cut| cut.start);
    let mut kept = Vec::new();
    let mut at = 0;
    for cut in &cuts {
        if cut.start > at {
            kept.push(at..cut.start);
        }
        at = at.max(cut.end);
    }
    // Runs of original bytes copied in one piece: where they were, where they are now.
    let mut runs: Vec<(Range<usize>, usize)> = Vec::new();
    let mut bytes = Vec::with_capacity(len + 64 * inserted.len());
    let insertions = inserted.len();
    let mut inserted = inserted.into_iter().peekable();
    for span in kept {
        let mut from = span.start;
        while let Some((at, garbage)) = inserted.next_if(|(at, _)| *at < span.end) {
            // Garbage inserted where bytes were cut out lands where they were.
            let at = at.max(from);
            runs.push((from..at, bytes.len()));
            bytes.extend_from_slice(&flipped[from..at]);
            bytes.extend(garbage);
            from = at;
        }
        runs.push((from..span.end, bytes.len()));
        bytes.extend_from_slice(&flipped[from..span.end]);
    }
    bytes.extend(inserted.flat_map(|(_, garbage)| garbage));

    let intact = reference
        .iter()
        .filter_map(|(offset, format, frame)| {
            // An ASCII frame's CRC covers it up to its `*`; the 8 digits after it are the CRC, and
            // the line end that may follow is no part of it: damage there leaves the frame whole,
            // ending with whatever line end follows it now ("\r\n", "\r", "\n" or none).
            let text = matches!(format, Format::Ascii | Format::ShortAscii);
            let checked = match frame.iter().rposition(|&b| b == b'*') {
                Some(star) if text => star + 9,
                _ => frame.len(),
            };
            // Where its first byte went, if it was not cut out; it is intact if its checked bytes
            // are there unchanged: by the edits, or by chance (a cut's next byte can equal the
            // first it removed).
            let offset = *offset as usize;
            let (run, now) = runs.iter().find(|(run, _)| run.contains(&offset))?;
            let start = now + offset - run.start;
            let end = start + checked;
            if bytes.get(start..end) != Some(&frame[..checked]) {
                return None;
            }
            let line_end = match bytes.get(end..end + 2).unwrap_or(&bytes[end..]) {
                [b'\r', b'\n', ..] if text => 2,
                [b'\r' | b'\n', ..] if text => 1,
                _ => 0,
            };
            Some((start as u64, *format, bytes[start..end + line_end].to_vec()))
        })
        .collect();
    Damaged { bytes, intact, cuts: cuts.len(), insertions }
}

/// Where `got` first differs from `expected`, if it does.
fn first_difference(expected: &[OwnedFrame], got: &[OwnedFrame]) -> Option<String> {
    let brief = |frame: Option<&OwnedFrame>| {
        frame.map_or("nothing".to_owned(), |(offset, format, bytes)| {
            format!("{format} frame of {} bytes at {offset}", bytes.len())
        })
    };
    let i = (0..expected.len().max(got.len())).find(|&i| expected.get(i) != got.get(i))?;
    Some(format!("frame {i}: expected {}, got {}", brief(expected.get(i)), brief(got.get(i))))
}

/// Reliability case 6. The frames without a CRC-32 (the two abbreviated logs of `OneEach.GPS`; no
/// recording has NMEA) are left undamaged: without a checksum a damaged one would rightly come
/// out as a frame. Damage never forms a valid CRC-32 frame but by a 2^-32 chance.
#[test]
fn damaged_copies_give_back_exactly_their_intact_frames() {
    let seeds = 20 * common::reliability::scale();
    let (mut copies, mut copied_bytes, mut lost, mut cuts, mut insertions) = (0, 0, 0, 0, 0);
    let (mut frames_in, mut arrived, mut duplicated, mut rejected) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for (index, name) in RECORDINGS.into_iter().enumerate() {
        let data = read_fixture(name);
        let reference = whole(&data).frames;
        for seed in 0..seeds {
            let mut rng = Rng(((seed << 8) | index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let damaged = damage(&data, &reference, &mut rng);
            let context = format!("{name}, seed {seed}");
            assert!(damaged.intact.len() < reference.len(), "{context}: no frame damaged");
            let outcome = whole(&damaged.bytes);
            let streamed = chunked(&damaged.bytes, || {
                let bits = rng.below(13);
                1 + rng.below(1 << bits)
            });

            for (how, got) in [("whole", &outcome), ("in chunks", &streamed)] {
                if let Some(difference) = first_difference(&damaged.intact, &got.frames) {
                    failures.push(format!("{context}, {how}: {difference}"));
                }
            }
            if streamed.stats != outcome.stats {
                failures.push(format!(
                    "{context}: {:?} in chunks, {:?} whole",
                    streamed.stats, outcome.stats
                ));
            }
            // Every byte outside the intact frames is rejected: garbage and damaged frames alike.
            let intact_bytes: u64 = damaged.intact.iter().map(|(_, _, b)| b.len() as u64).sum();
            let expected = (intact_bytes, damaged.bytes.len() as u64 - intact_bytes);
            let stats = &outcome.stats;
            if (stats.frame_bytes(), stats.total_rejected_bytes()) != expected || expected.1 == 0 {
                failures.push(format!(
                    "{context}: {} frame bytes and {} rejected, expected {expected:?}",
                    stats.frame_bytes(),
                    stats.total_rejected_bytes()
                ));
            }

            let matched = |got: &Outcome| {
                let intact = &damaged.intact;
                got.frames
                    .iter()
                    .filter(|f| {
                        intact.binary_search_by_key(&f.0, |g| g.0).is_ok_and(|i| intact[i] == **f)
                    })
                    .count()
            };
            let (in_whole, in_chunks) = (matched(&outcome), matched(&streamed));
            frames_in += damaged.intact.len() as u64;
            arrived += in_whole.min(in_chunks) as u64;
            duplicated +=
                (outcome.frames.len() - in_whole).max(streamed.frames.len() - in_chunks) as u64;
            copies += 1;
            copied_bytes += damaged.bytes.len();
            lost += reference.len() - damaged.intact.len();
            cuts += damaged.cuts;
            insertions += damaged.insertions;
            rejected += stats.total_rejected_bytes();
        }
    }
    let mb = |bytes: f64| bytes / 1e6;
    let fault = format!(
        "1% of bytes flipped, {cuts} spans cut (ends included), {insertions} garbage runs inserted"
    );
    common::reliability::report(&common::reliability::Figures {
        case: 6,
        load: format!(
            "{copies} damaged copies of the 6 real recordings ({:.1} MB; {lost} frames damaged, \
             {:.1} MB rejected)",
            mb(copied_bytes as f64),
            mb(rejected as f64)
        ),
        fault: &fault,
        frames_in,
        counted_in: "frames recovered by the framer",
        arrived,
        duplicated,
        recovery: None,
    });
    assert!(
        failures.is_empty(),
        "{} failures in {copies} damaged copies:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert_eq!((arrived, duplicated), (frames_in, 0));
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
    // BESTPOS, BESTUTM, BESTVEL, RXSTATUS, PSRXYZ, BESTXYZ, BSLNXYZ, RXHWLEVELS: every log of the
    // recording (the rest are replies to commands).
    assert_eq!(compared, 8);
    assert!(binary.iter().all(|m| m.header.response || m.log.is_some()));
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

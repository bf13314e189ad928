//! Framing (sync search, lengths, CRC-32) and full decoding of a 100 MB synthetic recording on one
//! core. Throughput is reported in bytes; the frame count printed first converts it to frames/s.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use novatel::{Event, Framer, Log, decode, frames};

const SIZE: u64 = 100_000_000;

fn parse(c: &mut Criterion) {
    let data = gnss_benches::recording(SIZE).expect("synthetic recording");
    let frame_count = frames(&data).filter(|e| matches!(e, Event::Frame(_))).count();
    eprintln!(
        "recording: {} bytes, {frame_count} frames, {:.1} bytes per frame",
        data.len(),
        data.len() as f64 / frame_count as f64
    );

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(10);

    group.bench_function("frame", |b| {
        b.iter(|| frames(&data).filter(|e| matches!(e, Event::Frame(_))).count())
    });

    group.bench_function("frame_streaming_64k", |b| {
        b.iter(|| {
            let mut framer = Framer::new();
            let mut count = 0;
            for chunk in data.chunks(64 * 1024) {
                framer.push(chunk);
                while let Some(event) = framer.next_event() {
                    count += usize::from(matches!(event, Event::Frame(_)));
                }
            }
            framer.finish();
            while framer.next_event().is_some() {}
            count
        })
    });

    group.bench_function("decode", |b| {
        b.iter(|| {
            let mut observations = 0;
            for event in frames(&data) {
                let Event::Frame(frame) = event else { continue };
                let message = decode(&frame).expect("synthetic frames decode");
                observations += match message.log {
                    Some(Log::RangeCmp(cmp)) => cmp.decompress().obs.len(),
                    Some(Log::Range(range)) => range.obs.len(),
                    _ => 0,
                };
            }
            observations
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);

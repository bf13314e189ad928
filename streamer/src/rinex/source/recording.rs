//! A raw NovAtel recording as a source: read in chunks through the framer, its observation,
//! ephemeris and ionosphere logs kept as records.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::path::PathBuf;

use anyhow::Context as _;
use novatel::{Event, Framer, Log, decode};

use super::Record;
use crate::rinex::nav::{self, GpsKepler, IonoUtc};
use crate::rinex::obs::{RawEpoch, RawObs};
use crate::rinex::time::GpsTime;

const CHUNK: usize = 64 * 1024;

/// A recording read in 64 KiB chunks: frames found, decoded, RANGE, RANGECMP, the ephemerides
/// (GPSEPHEM, QZSSEPHEMERIS, GLOEPHEMERIS, GALINAVEPHEMERIS, GALFNAVEPHEMERIS, BDSEPHEMERIS) and
/// IONUTC/QZSSIONUTC logs with a GPS time kept as records; everything else (and bad CRCs)
/// skipped.
pub struct RecordingReader {
    path: PathBuf,
    file: File,
    framer: Framer,
    eof: bool,
    pending: VecDeque<Record>,
}

impl RecordingReader {
    pub fn open(path: &std::path::Path) -> anyhow::Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(RecordingReader {
            path: path.to_owned(),
            file,
            framer: Framer::new(),
            eof: false,
            pending: VecDeque::new(),
        })
    }

    pub fn next_record(&mut self) -> anyhow::Result<Option<Record>> {
        loop {
            if let Some(record) = self.pending.pop_front() {
                return Ok(Some(record));
            }
            while let Some(event) = self.framer.next_event() {
                let Event::Frame(frame) = event else { continue };
                let Ok(message) = decode(&frame) else { continue };
                let (Some(week), Some(ms)) = (message.header.week, message.header.ms) else {
                    continue;
                };
                if message.header.response {
                    continue;
                }
                let time = GpsTime::from_week_ms(week, ms);
                let record = match &message.log {
                    Some(Log::Range(range)) => Record::Obs(RawEpoch {
                        time,
                        obs: range.obs.iter().map(|o| raw_obs(o, false)).collect(),
                    }),
                    Some(Log::RangeCmp(cmp)) => Record::Obs(RawEpoch {
                        time,
                        obs: cmp.decompress().obs.iter().map(|o| raw_obs(o, true)).collect(),
                    }),
                    Some(Log::GpsEphem(eph)) => {
                        Record::GpsEphemeris(GpsKepler::from_gpsephem(eph, time))
                    }
                    Some(Log::QzssEphemeris(e)) => {
                        Record::Ephemeris(nav::from_qzssephemeris(e, time))
                    }
                    Some(Log::GloEphemeris(e)) => {
                        Record::Ephemeris(nav::from_gloephemeris(e, time))
                    }
                    Some(Log::GalInavEphemeris(e)) => {
                        Record::Ephemeris(nav::from_galinavephemeris(e, time))
                    }
                    Some(Log::GalFnavEphemeris(e)) => {
                        Record::Ephemeris(nav::from_galfnavephemeris(e, time))
                    }
                    Some(Log::BdsEphemeris(e)) => {
                        Record::Ephemeris(nav::from_bdsephemeris(e, time))
                    }
                    Some(Log::IonUtc(log)) => {
                        Record::IonUtc(IonoUtc { qzss: false, log: log.clone(), received: time })
                    }
                    Some(Log::QzssIonUtc(log)) => {
                        Record::IonUtc(IonoUtc { qzss: true, log: log.clone(), received: time })
                    }
                    _ => continue,
                };
                self.pending.push_back(record);
            }
            if !self.pending.is_empty() {
                continue;
            }
            if self.eof {
                return Ok(None);
            }
            let buf = self.framer.writable(CHUNK);
            let n = self
                .file
                .read(&mut buf[..CHUNK])
                .with_context(|| format!("cannot read {}", self.path.display()))?;
            self.framer.commit(n);
            if n == 0 {
                self.framer.finish();
                self.eof = true;
            }
        }
    }
}

fn raw_obs(o: &novatel::logs::Observation, compressed: bool) -> RawObs {
    RawObs {
        prn: o.prn,
        glofreq: o.glofreq,
        psr_m: o.psr,
        adr_cycles: o.adr,
        doppler_hz: o.dopp,
        cn0_dbhz: o.cn0,
        locktime_s: o.locktime,
        tracking_status: o.tracking_status.0,
        compressed,
    }
}

//! RINEX 3.04 export of one receiver's observations and navigation data for a time range, from a
//! raw NovAtel recording or from ClickHouse's tables, through one writer.
//!
//! The observables follow RTKLIB 2.4.3 b34's `convbin -r nov` (codes per tracking mode, phase
//! sign, loss-of-lock flags from lock time and parity, C/N0 rounding), so that an export agrees
//! with RTKLIB's conversion of the same recording value by value; `docs/rinex.md` lists where
//! and why the project differs.
//!
//! Memory stays flat: the export reads its source twice, like `convbin`. The first pass converts
//! every epoch to learn the header's observation types and first and last epoch, keeping only
//! those; the second converts again and writes each epoch as it is complete. One epoch (one
//! receiver time) is held at a time.

pub mod codes;
pub mod nav;
pub mod obs;
pub mod source;
pub mod time;

use std::collections::HashSet;
use std::io::Write;

use anyhow::Context as _;

use self::obs::{Converter, HeaderInfo, RawEpoch, Scan, write_epoch, write_header};
pub use self::source::{Cursor, Record, Source, Wanted};
pub use self::time::{GpsTime, TimeRange};

/// The raw epochs of a source within a range, consecutive records of one time merged into one.
pub struct Epochs {
    cursor: Cursor,
    range: TimeRange,
    pending: Option<RawEpoch>,
}

impl Epochs {
    pub async fn open(source: &Source, range: TimeRange) -> anyhow::Result<Self> {
        Ok(Epochs { cursor: source.open(range, Wanted::Observations).await?, range, pending: None })
    }

    pub async fn next(&mut self) -> anyhow::Result<Option<RawEpoch>> {
        loop {
            match self.cursor.next().await? {
                Some(Record::Obs(epoch)) if self.range.contains(epoch.time) => {
                    match &mut self.pending {
                        Some(pending) if pending.time == epoch.time => {
                            pending.obs.extend(epoch.obs);
                        }
                        _ => {
                            if let Some(done) = self.pending.replace(epoch) {
                                return Ok(Some(done));
                            }
                        }
                    }
                }
                Some(_) => {}
                None => return Ok(self.pending.take()),
            }
        }
    }
}

/// What an observation export wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObsSummary {
    pub epochs: u64,
    pub scan: Scan,
}

/// Writes the RINEX observation file of `source` within `range`: a first pass for the header,
/// a second that writes epoch by epoch. `ssi`: write signal strength digits (RTKLIB does not).
pub async fn export_obs(
    source: &Source,
    range: TimeRange,
    info: &HeaderInfo,
    ssi: bool,
    out: &mut impl Write,
) -> anyhow::Result<ObsSummary> {
    let mut scan = Scan::default();
    let mut converter = Converter::new();
    let mut epochs = Epochs::open(source, range).await?;
    while let Some(raw) = epochs.next().await? {
        scan.add(&converter.convert(&raw));
    }
    let types = scan.obs_types();
    write_header(out, info, &scan, &types).context("cannot write the RINEX header")?;

    let mut converter = Converter::new();
    let mut epochs = Epochs::open(source, range).await?;
    let mut written = 0;
    while let Some(raw) = epochs.next().await? {
        let epoch = converter.convert(&raw);
        if !epoch.sats.is_empty() {
            write_epoch(out, &epoch, &types, ssi).context("cannot write a RINEX epoch")?;
            written += 1;
        }
    }
    out.flush().context("cannot write the RINEX file")?;
    Ok(ObsSummary { epochs: written, scan })
}

/// Writes the RINEX navigation file of the ephemerides `source` holds within `range` (by the
/// time of their logs): GPS, QZSS, GLONASS, Galileo (I/NAV and F/NAV records apart) and BeiDou,
/// each ephemeris once, by system (`G R E J C`), then clock time, then number. The header says
/// `M: MIXED` when more than one system is written, and carries the last IONUTC's and
/// QZSSIONUTC's ionosphere, time system and leap second records. Returns the records written.
pub async fn export_nav(
    source: &Source,
    range: TimeRange,
    info: &HeaderInfo,
    out: &mut impl Write,
) -> anyhow::Result<u64> {
    let mut cursor = source.open(range, Wanted::Navigation).await?;
    // Each ephemeris once, sorted: a recording gives them as received and ClickHouse table by
    // table in the order of their logs' times, and both must give the same file. A day holds a
    // few hundred per system.
    let mut records: Vec<nav::Broadcast> = Vec::new();
    let mut seen = HashSet::new();
    let (mut gps_ion, mut qzss_ion): (Option<nav::IonoUtc>, Option<nav::IonoUtc>) = (None, None);
    while let Some(record) = cursor.next().await? {
        let record = match record {
            Record::GpsEphemeris(eph) => eph.broadcast('G'),
            Record::Ephemeris(record) => record,
            Record::IonUtc(ion) => {
                if range.contains(ion.received) {
                    let last = if ion.qzss { &mut qzss_ion } else { &mut gps_ion };
                    // The latest; of two at one time, the same one whatever the source's order.
                    let later = last.as_ref().is_none_or(|l| {
                        (l.received, format!("{:?}", l.log))
                            < (ion.received, format!("{:?}", ion.log))
                    });
                    if later {
                        *last = Some(ion);
                    }
                }
                continue;
            }
            Record::Obs(_) => continue,
        };
        if range.contains(record.received) && seen.insert(record.key()) {
            records.push(record);
        }
    }
    records.sort_by_key(nav::Broadcast::sort_key);
    let mut systems: Vec<char> = records.iter().map(|r| r.system).collect();
    systems.dedup();
    nav::write_nav_header(out, info, &systems, gps_ion.as_ref(), qzss_ion.as_ref())
        .context("cannot write the RINEX navigation header")?;
    for record in &records {
        nav::write_broadcast(out, record).context("cannot write a RINEX navigation record")?;
    }
    out.flush().context("cannot write the RINEX navigation file")?;
    Ok(records.len() as u64)
}

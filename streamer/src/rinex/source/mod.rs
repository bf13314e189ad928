//! Where an export reads from: a raw NovAtel recording, read in chunks through the framer, or
//! ClickHouse's `observations` table and navigation tables (`gps_ephemerides`,
//! `glonass_ephemerides`, `galileo_ephemerides`, `beidou_ephemerides`, `ionosphere_utc`) through
//! streaming cursors. Either gives records one receiver time (or one ephemeris) at a time; a
//! navigation row is turned back into the log it was made from and converted as a recording's.

mod database;
mod recording;
mod rows;

use std::path::PathBuf;

use clickhouse::Client;

use super::nav::{Broadcast, GpsKepler, IonoUtc};
use super::obs::RawEpoch;
use super::time::TimeRange;

pub use self::database::{ClickHouseCursor, EphemerisCursor};
pub use self::recording::RecordingReader;

/// What a source yields.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// The observations of one log (recording) or one time (ClickHouse).
    Obs(RawEpoch),
    GpsEphemeris(GpsKepler),
    /// A QZSS, GLONASS, Galileo or BeiDou ephemeris, converted to its RINEX record.
    Ephemeris(Broadcast),
    /// IONUTC or QZSSIONUTC.
    IonUtc(IonoUtc),
}

/// What a pass over a source reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    Observations,
    /// Ephemerides of every system, and ionosphere/UTC parameters.
    Navigation,
}

/// A source of one receiver's data.
#[derive(Clone)]
pub enum Source {
    Recording(PathBuf),
    ClickHouse { client: Box<Client>, receiver: String },
}

impl Source {
    /// A cursor over the source from its start (for ClickHouse, over `range` only and only
    /// the table of what is `wanted`; a recording yields both kinds of records).
    pub async fn open(&self, range: TimeRange, wanted: Wanted) -> anyhow::Result<Cursor> {
        Ok(match (self, wanted) {
            (Source::Recording(path), _) => Cursor::Recording(RecordingReader::open(path)?),
            (Source::ClickHouse { client, receiver }, Wanted::Observations) => {
                Cursor::ClickHouse(ClickHouseCursor::open(client, receiver, range)?)
            }
            (Source::ClickHouse { client, receiver }, Wanted::Navigation) => {
                Cursor::Ephemerides(Box::new(EphemerisCursor::open(client, receiver, range)?))
            }
        })
    }
}

/// An open source.
pub enum Cursor {
    Recording(RecordingReader),
    ClickHouse(ClickHouseCursor),
    Ephemerides(Box<EphemerisCursor>),
}

impl Cursor {
    pub async fn next(&mut self) -> anyhow::Result<Option<Record>> {
        match self {
            Cursor::Recording(reader) => reader.next_record(),
            Cursor::ClickHouse(cursor) => cursor.next().await,
            Cursor::Ephemerides(cursor) => cursor.next().await,
        }
    }
}

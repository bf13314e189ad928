//! ClickHouse as a source: a receiver's rows of `observations`, and of the navigation tables,
//! streamed in time order.

use anyhow::Context as _;
use clickhouse::Client;
use clickhouse::query::RowCursor;
use novatel::logs::QzssEphemeris;
use serde::Deserialize;

use crate::rinex::nav::{self, GpsKepler, IonoUtc};
use crate::rinex::obs::{RawEpoch, RawObs};
use crate::rinex::time::{GpsTime, TimeRange};

use super::Record;
use super::rows::{BdsEphemerisRow, GalEphemerisRow, GloEphemerisRow, GpsEphemerisRow, IonUtcRow};

/// The `WHERE` conditions of a receiver's rows in `range`, and their parameters in order:
/// `time` (seconds) narrows the partitions and the key range, `time_ms` is exact.
fn in_range(range: TimeRange) -> (String, Vec<i64>) {
    let mut sql = String::from(" WHERE receiver = ?");
    let mut bounds = Vec::new();
    if let Some(from) = range.from_unix_ms {
        sql.push_str(" AND time >= toDateTime(intDiv(?, 1000)) AND time_ms >= ?");
        bounds.extend([from, from]);
    }
    if let Some(to) = range.to_unix_ms {
        sql.push_str(" AND time <= toDateTime(intDiv(?, 1000)) AND time_ms < ?");
        bounds.extend([to, to]);
    }
    (sql, bounds)
}

/// A receiver's navigation rows in a range: `gps_ephemerides` (GPSEPHEM and QZSSEPHEMERIS),
/// `glonass_ephemerides`, `galileo_ephemerides`, `beidou_ephemerides` and `ionosphere_utc`,
/// one table after the other, each streamed in time order.
pub struct EphemerisCursor {
    gps: RowCursor<GpsEphemerisRow>,
    glonass: RowCursor<GloEphemerisRow>,
    galileo: RowCursor<GalEphemerisRow>,
    beidou: RowCursor<BdsEphemerisRow>,
    ionosphere: RowCursor<IonUtcRow>,
    table: usize,
}

fn table_cursor<T: clickhouse::Row>(
    client: &Client,
    receiver: &str,
    range: TimeRange,
    columns: &str,
    table: &str,
) -> anyhow::Result<RowCursor<T>> {
    let (conditions, bounds) = in_range(range);
    let sql = format!("SELECT {columns} FROM {table}{conditions} ORDER BY time_ms");
    let mut query = client.query(&sql).bind(receiver);
    for bound in bounds {
        query = query.bind(bound);
    }
    query.fetch().with_context(|| format!("cannot query the {table} table"))
}

impl EphemerisCursor {
    pub(super) fn open(client: &Client, receiver: &str, range: TimeRange) -> anyhow::Result<Self> {
        Ok(EphemerisCursor {
            gps: table_cursor(
                client,
                receiver,
                range,
                "time_ms, prn, tow, health, iode1, iode2, week, z_week, toe, a, delta_n, m0, \
                 ecc, omega, cuc, cus, crc, crs, cic, cis, i0, i_dot, omega0, omega_dot, iodc, \
                 toc, tgd, af0, af1, af2, anti_spoofing, n, ura, \
                 toUInt8(log = 'QZSSEPHEMERIS') AS qzss, fit_interval",
                "gps_ephemerides",
            )?,
            glonass: table_cursor(
                client,
                receiver,
                range,
                GloEphemerisRow::COLUMNS,
                "glonass_ephemerides",
            )?,
            galileo: table_cursor(
                client,
                receiver,
                range,
                GalEphemerisRow::COLUMNS,
                "galileo_ephemerides",
            )?,
            beidou: table_cursor(
                client,
                receiver,
                range,
                BdsEphemerisRow::COLUMNS,
                "beidou_ephemerides",
            )?,
            ionosphere: table_cursor(
                client,
                receiver,
                range,
                IonUtcRow::COLUMNS,
                "ionosphere_utc",
            )?,
            table: 0,
        })
    }

    pub(super) async fn next(&mut self) -> anyhow::Result<Option<Record>> {
        const READ: &str = "cannot read a navigation table";
        loop {
            let time = GpsTime::from_unix_ms;
            let record = match self.table {
                0 => self.gps.next().await.context(READ)?.map(|row| {
                    let received = time(row.time_ms);
                    if row.qzss != 0 {
                        let log = QzssEphemeris {
                            ephemeris: row.log(),
                            fit_interval: row.fit_interval,
                            reserved1: 0,
                            reserved2: 0,
                            reserved3: 0,
                        };
                        Record::Ephemeris(nav::from_qzssephemeris(&log, received))
                    } else {
                        Record::GpsEphemeris(GpsKepler::from_gpsephem(&row.log(), received))
                    }
                }),
                1 => self.glonass.next().await.context(READ)?.map(|row| {
                    Record::Ephemeris(nav::from_gloephemeris(&row.log(), time(row.time_ms)))
                }),
                2 => self.galileo.next().await.context(READ)?.map(|row| {
                    let received = time(row.time_ms);
                    Record::Ephemeris(if row.fnav != 0 {
                        nav::from_galfnavephemeris(&row.fnav(), received)
                    } else {
                        nav::from_galinavephemeris(&row.inav(), received)
                    })
                }),
                3 => self.beidou.next().await.context(READ)?.map(|row| {
                    Record::Ephemeris(nav::from_bdsephemeris(&row.log(), time(row.time_ms)))
                }),
                4 => self.ionosphere.next().await.context(READ)?.map(|row| {
                    Record::IonUtc(IonoUtc {
                        qzss: row.qzss != 0,
                        log: row.log(),
                        received: time(row.time_ms),
                    })
                }),
                _ => return Ok(None),
            };
            match record {
                Some(record) => return Ok(Some(record)),
                None => self.table += 1,
            }
        }
    }
}

/// One row of `observations`, the columns the export needs.
#[derive(Clone, Debug, clickhouse::Row, Deserialize)]
struct ObsRow {
    time_ms: i64,
    compressed: u8,
    prn: u16,
    glofreq: u16,
    psr_m: f64,
    adr_cycles: f64,
    doppler_hz: f32,
    cn0_dbhz: f32,
    locktime_s: f32,
    tracking_status: u32,
}

/// A receiver's rows of `observations` in a range, streamed in time order (RowBinary, the
/// server sorting), grouped by time: one row of look-ahead and one epoch held.
pub struct ClickHouseCursor {
    cursor: RowCursor<ObsRow>,
    ahead: Option<ObsRow>,
    done: bool,
}

impl ClickHouseCursor {
    pub(super) fn open(client: &Client, receiver: &str, range: TimeRange) -> anyhow::Result<Self> {
        let (conditions, bounds) = in_range(range);
        let sql = format!(
            "SELECT time_ms, toUInt8(log = 'RANGECMP') AS compressed, prn, glofreq, psr_m, \
             adr_cycles, doppler_hz, cn0_dbhz, locktime_s, tracking_status \
             FROM observations{conditions} ORDER BY time_ms"
        );
        let mut query = client.query(&sql).bind(receiver);
        for bound in bounds {
            query = query.bind(bound);
        }
        let cursor = query.fetch::<ObsRow>().context("cannot query the observations table")?;
        Ok(ClickHouseCursor { cursor, ahead: None, done: false })
    }

    async fn row(&mut self) -> anyhow::Result<Option<ObsRow>> {
        if let Some(row) = self.ahead.take() {
            return Ok(Some(row));
        }
        if self.done {
            return Ok(None);
        }
        let row = self.cursor.next().await.context("cannot read the observations table")?;
        self.done = row.is_none();
        Ok(row)
    }

    pub(super) async fn next(&mut self) -> anyhow::Result<Option<Record>> {
        let Some(first) = self.row().await? else { return Ok(None) };
        let time_ms = first.time_ms;
        let mut obs = vec![row_obs(&first)];
        while let Some(row) = self.row().await? {
            if row.time_ms != time_ms {
                self.ahead = Some(row);
                break;
            }
            obs.push(row_obs(&row));
        }
        Ok(Some(Record::Obs(RawEpoch { time: GpsTime::from_unix_ms(time_ms), obs })))
    }
}

fn row_obs(r: &ObsRow) -> RawObs {
    RawObs {
        prn: r.prn,
        glofreq: r.glofreq,
        psr_m: r.psr_m,
        adr_cycles: r.adr_cycles,
        doppler_hz: r.doppler_hz,
        cn0_dbhz: r.cn0_dbhz,
        locktime_s: r.locktime_s,
        tracking_status: r.tracking_status,
        compressed: r.compressed != 0,
    }
}

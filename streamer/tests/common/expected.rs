//! What ClickHouse should hold for a recording, from the reader's own decoding of it, and typed
//! comparison of ClickHouse rows with it.

use std::collections::BTreeMap;
use std::path::Path;

use novatel::logs::Range;
use novatel::{Event, Log, decode, frames};
use serde_json::Value;

/// A field of a row: text, integer or float (Float32 columns are widened exactly).
#[derive(Clone, Debug)]
pub enum V {
    S(String),
    I(i64),
    F(f64),
}

impl PartialEq for V {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (V::S(a), V::S(b)) => a == b,
            (V::I(a), V::I(b)) => a == b,
            (V::F(a), V::F(b)) => a == b || (a.is_nan() && b.is_nan()),
            _ => false,
        }
    }
}

pub type Row = Vec<V>;

pub fn s(text: &str) -> V {
    V::S(text.to_owned())
}

pub fn i(n: impl Into<i64>) -> V {
    V::I(n.into())
}

pub fn f(x: impl Into<f64>) -> V {
    V::F(x.into())
}

/// Parses TabSeparated rows by a type per column: `s` text, `i` integer, `d` Float64, `g` Float32.
pub fn parse(rows: Vec<Vec<String>>, types: &str) -> Vec<Row> {
    rows.into_iter()
        .map(|row| {
            assert_eq!(row.len(), types.len(), "{row:?} vs {types}");
            row.iter()
                .zip(types.chars())
                .map(|(text, t)| match t {
                    's' => V::S(text.clone()),
                    'i' => V::I(text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))),
                    'd' => V::F(text.parse::<f64>().unwrap_or_else(|e| panic!("{text}: {e}"))),
                    'g' => V::F(f64::from(
                        text.parse::<f32>().unwrap_or_else(|e| panic!("{text}: {e}")),
                    )),
                    other => panic!("type {other}"),
                })
                .collect()
        })
        .collect()
}

/// Sorts rows into a canonical order (by their printed form).
pub fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by_cached_key(|r| format!("{r:?}"));
    rows
}

/// Asserts equal rows, naming the first difference.
pub fn assert_rows_eq(actual: &[Row], expected: &[Row], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: row count");
    for (n, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert_eq!(a, e, "{what}: row {n}");
    }
}

/// Asserts rows equal, floats within a relative 1e-9 (sums added in another order).
pub fn assert_rows_close(actual: &[Row], expected: &[Row], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: row count");
    for (n, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert_eq!(a.len(), e.len(), "{what}: row {n} width");
        let close = a.iter().zip(e).all(|(a, e)| match (a, e) {
            (V::F(a), V::F(e)) => (a - e).abs() <= 1e-9 * a.abs().max(e.abs()).max(1.0),
            _ => a == e,
        });
        assert!(close, "{what}: row {n}: {a:?} vs {e:?}");
    }
}

/// The rows the raw tables should hold for one recording, by table; columns as the queries in
/// [`QUERIES`] select them.
#[derive(Default)]
pub struct Expected {
    pub frames: BTreeMap<(String, String, String), u64>,
    pub frame_bytes: BTreeMap<String, u64>,
    pub rejected: BTreeMap<(String, String), u64>,
    pub tables: BTreeMap<&'static str, Vec<Row>>,
}

/// Per table: the columns compared and their types for [`parse`].
pub const QUERIES: [(&str, &str, &str); 6] = [
    (
        "positions",
        "receiver, time_ms, log, sol_status, pos_type, lat_deg, lon_deg, hgt_m, undulation_m, \
         lat_sigma_m, lon_sigma_m, hgt_sigma_m, num_svs, num_soln_svs",
        "sisiidddggggii",
    ),
    (
        "velocities",
        "receiver, time_ms, log, sol_status, vel_type, latency_s, hor_spd_mps, trk_gnd_deg, vert_spd_mps",
        "sisiigddd",
    ),
    (
        "observations",
        "receiver, time_ms, log, prn, glofreq, constellation, signal, psr_m, psr_sigma_m, adr_cycles, \
         adr_sigma_cycles, doppler_hz, cn0_dbhz, locktime_s, tracking_status",
        "sisiissdgdggggi",
    ),
    (
        "ins",
        "receiver, time_ms, log, ins_status, lat_deg, lon_deg, hgt_ellipsoid_m, north_vel_mps, east_vel_mps, \
         up_vel_mps, roll_deg, pitch_deg, azimuth_deg, lat_sigma_m",
        "sisidddddddddg",
    ),
    (
        "receiver_status",
        "receiver, time_ms, error_word, status_word, aux1_word, aux2_word, aux3_word",
        "siiiiii",
    ),
    (
        "gps_ephemerides",
        "receiver, time_ms, log, prn, health, iode1, week, toe, a, ecc, m0, omega, i0, omega_dot, \
         iodc, toc, af0, af1, ura",
        "sisiiiidddddddidddd",
    ),
];

impl Expected {
    /// Adds the recording at `path`, produced with its file name as the receiver id.
    pub fn add(&mut self, path: &Path) {
        let receiver = path.file_name().unwrap().to_str().unwrap().to_owned();
        let truth: Value = serde_json::from_slice(
            &std::fs::read(format!("{}.expected.json", path.display())).unwrap(),
        )
        .expect("expected.json");
        for (key, n) in truth["frames"].as_object().unwrap() {
            let (log, format) = key.split_once(' ').unwrap();
            self.frames
                .insert((receiver.clone(), log.to_owned(), format.to_owned()), n.as_u64().unwrap());
        }
        *self.frame_bytes.entry(receiver.clone()).or_default() +=
            truth["frame_bytes"].as_u64().unwrap();
        for (reason, bytes) in truth["rejected"].as_object().unwrap() {
            if bytes.as_u64().unwrap() > 0 {
                self.rejected.insert((receiver.clone(), reason.clone()), bytes.as_u64().unwrap());
            }
        }
        let data = std::fs::read(path).unwrap();
        for event in frames(&data) {
            let Event::Frame(frame) = event else { continue };
            let message = decode(&frame).unwrap();
            let (Some(log), Some(time)) = (&message.log, message.header.unix_ms()) else {
                continue;
            };
            self.add_log(&receiver, time, log);
        }
    }

    fn push(&mut self, table: &'static str, row: Row) {
        self.tables.entry(table).or_default().push(row);
    }

    fn add_log(&mut self, receiver: &str, time: i64, log: &Log) {
        let name = log.name();
        let head = || vec![s(receiver), i(time), s(name)];
        match log {
            Log::BestPos(p)
            | Log::PsrPos(p)
            | Log::RtkPos(p)
            | Log::MatchedPos(p)
            | Log::PppPos(p)
            | Log::BestGnssPos(p) => {
                let mut row = head();
                row.extend([
                    i(p.sol_status.0),
                    i(p.pos_type.0),
                    f(p.lat),
                    f(p.lon),
                    f(p.hgt),
                    f(p.undulation),
                ]);
                row.extend([
                    f(p.lat_sigma),
                    f(p.lon_sigma),
                    f(p.hgt_sigma),
                    i(p.num_svs),
                    i(p.num_soln_svs),
                ]);
                self.push("positions", row);
            }
            Log::BestVel(v) | Log::PsrVel(v) | Log::RtkVel(v) | Log::BestGnssVel(v) => {
                let mut row = head();
                row.extend([
                    i(v.sol_status.0),
                    i(v.vel_type.0),
                    f(v.latency),
                    f(v.hor_spd),
                    f(v.trk_gnd),
                    f(v.vert_spd),
                ]);
                self.push("velocities", row);
            }
            Log::GpsEphem(e) => {
                let mut row = head();
                row.extend([i(e.prn), i(e.health), i(e.iode1), i(e.week), f(e.toe), f(e.a)]);
                row.extend([f(e.ecc), f(e.m0), f(e.omega), f(e.i0), f(e.omega_dot), i(e.iodc)]);
                row.extend([f(e.toc), f(e.af0), f(e.af1), f(e.ura)]);
                self.push("gps_ephemerides", row);
            }
            Log::Range(range) => self.observations(receiver, time, name, range),
            Log::RangeCmp(cmp) => self.observations(receiver, time, name, &cmp.decompress()),
            Log::InsPva(p) | Log::InsPvas(p) => {
                let mut row = head();
                row.extend([
                    i(p.status.0),
                    f(p.lat),
                    f(p.lon),
                    f(p.hgt),
                    f(p.north_vel),
                    f(p.east_vel),
                ]);
                row.extend([f(p.up_vel), f(p.roll), f(p.pitch), f(p.azimuth), f(f32::NAN)]);
                self.push("ins", row);
            }
            Log::InsPvax(p) => {
                let mut row = head();
                let hgt = p.hgt + f64::from(p.undulation);
                row.extend([
                    i(p.ins_status.0),
                    f(p.lat),
                    f(p.lon),
                    f(hgt),
                    f(p.north_vel),
                    f(p.east_vel),
                ]);
                row.extend([f(p.up_vel), f(p.roll), f(p.pitch), f(p.azimuth), f(p.lat_sigma)]);
                self.push("ins", row);
            }
            Log::RxStatus(st) => {
                let word = |n: usize| i(st.status.get(n).map_or(0, |w| w.word.0));
                let row =
                    vec![s(receiver), i(time), i(st.error.0), word(0), word(1), word(2), word(3)];
                self.push("receiver_status", row);
            }
            _ => {}
        }
    }

    fn observations(&mut self, receiver: &str, time: i64, name: &str, range: &Range) {
        for o in &range.obs {
            let t = o.tracking();
            let mut row = vec![s(receiver), i(time), s(name), i(o.prn), i(o.glofreq)];
            row.extend([
                s(t.constellation().as_str()),
                s(t.signal_name().unwrap_or("")),
                f(o.psr),
                f(o.psr_sigma),
            ]);
            row.extend([
                f(o.adr),
                f(o.adr_sigma),
                f(o.dopp),
                f(o.cn0),
                f(o.locktime),
                i(o.tracking_status.0),
            ]);
            self.push("observations", row);
        }
    }

    pub fn total_frames(&self) -> u64 {
        self.frames.values().sum()
    }
}

//! A simulated NovAtel receiver: a vehicle driving a circle under a plausible sky, and the binary
//! logs a receiver would send about it at configured rates. Deterministic for a given
//! configuration, so tests and benchmarks can rely on what it produces. No IO happens here.

mod interference;
mod sky;
mod vehicle;

use crate::enums::{ClockStatus, Datum, InsStatus, PosType, SolStatus, UtcStatus};
use crate::logs::{
    CompressedObservation, InsPva, Position, Range, RangeCmp, RxStatus, StatusWord, Time, Velocity,
};
use crate::{EncodeError, Header, Hex, Log, Text, encode, time};

pub use interference::{Episode, Interference, Kind};
pub use sky::Sky;
pub use vehicle::{Circle, State};

/// The simulator's clock step: every rate must divide 100 Hz.
pub const TICK_MS: u64 = 10;

/// How often each log is sent, in Hz (0 = not sent). Each must divide 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    pub bestpos: u32,
    pub bestvel: u32,
    pub range: u32,
    pub rangecmp: u32,
    pub inspvas: u32,
    pub rxstatus: u32,
    pub time: u32,
    /// One SATVIS2 per satellite system each time.
    pub satvis2: u32,
}

impl Default for Rates {
    /// A typical SPAN setup: positions at 20 Hz, ranges at 10 Hz, INS at 100 Hz, status at 1 Hz;
    /// no SATVIS2 (a receiver logs it only when asked to).
    fn default() -> Self {
        Rates {
            bestpos: 20,
            bestvel: 20,
            range: 10,
            rangecmp: 0,
            inspvas: 100,
            rxstatus: 1,
            time: 1,
            satvis2: 0,
        }
    }
}

/// What to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub rates: Rates,
    /// UTC milliseconds since the Unix epoch of the first epoch.
    pub start_unix_ms: i64,
    pub route: Circle,
    /// Satellites in the sky (about two thirds are in view at a time).
    pub satellites: usize,
    /// Varies the sky between receivers.
    pub seed: u64,
    /// Jamming episodes and single-satellite fades in the observations; none by default.
    pub interference: Option<Interference>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rates: Rates::default(),
            // 2024-06-01T00:00:00Z
            start_unix_ms: 1_717_200_000_000,
            route: Circle {
                lat: 51.150_438,
                lon: -114.030_685,
                hgt: 1_094.0,
                radius_m: 150.0,
                speed_mps: 12.0,
            },
            satellites: 28,
            seed: 1,
            interference: None,
        }
    }
}

impl Rates {
    fn check(&self) -> Result<(), String> {
        let all = [
            self.bestpos,
            self.bestvel,
            self.range,
            self.rangecmp,
            self.inspvas,
            self.rxstatus,
            self.time,
            self.satvis2,
        ];
        match all.iter().find(|&&hz| hz != 0 && !100u32.is_multiple_of(hz)) {
            Some(hz) => Err(format!(
                "a log rate of {hz} Hz does not divide 100 Hz; use 1, 2, 4, 5, 10, 20, 25, 50 or 100"
            )),
            None => Ok(()),
        }
    }
}

/// Produces the receiver's logs epoch by epoch.
#[derive(Clone, Debug)]
pub struct Simulator {
    config: Config,
    sky: Sky,
    tick: u64,
}

impl Simulator {
    pub fn new(config: Config) -> Result<Self, String> {
        config.rates.check()?;
        if let Some(interference) = &config.interference {
            interference.check()?;
        }
        let sky = Sky::new(config.satellites, config.seed);
        Ok(Simulator { config, sky, tick: 0 })
    }

    /// Simulated time since the start, in milliseconds.
    pub fn elapsed_ms(&self) -> u64 {
        self.tick * TICK_MS
    }

    /// UTC milliseconds since the Unix epoch of the next epoch.
    pub fn next_unix_ms(&self) -> i64 {
        self.config.start_unix_ms + (self.tick * TICK_MS) as i64
    }

    /// The logs of the next 10 ms epoch (often none), with their headers.
    pub fn next_epoch(&mut self) -> Vec<(Header<'static>, Log)> {
        let (week, ms) = time::unix_ms_to_gps(self.next_unix_ms());
        let t = (self.tick * TICK_MS) as f64 / 1000.0;
        let tick = self.tick;
        let due = |hz: u32| hz != 0 && tick.is_multiple_of(100 / u64::from(hz));
        let rates = self.config.rates;
        let state = self.config.route.at(t);
        let mut logs = Vec::new();
        let mut long = |log: Log| logs.push((Header::binary(&log, week, ms), log));
        if due(rates.bestpos) {
            long(Log::BestPos(position(&state, self.sky.in_view(t))));
        }
        if due(rates.bestvel) {
            long(Log::BestVel(velocity(&state)));
        }
        if due(rates.range) || due(rates.rangecmp) {
            let mut obs = self.sky.observations(t);
            if let Some(interference) = &self.config.interference {
                interference.apply(self.config.seed, self.elapsed_ms(), &mut obs);
            }
            if due(rates.rangecmp) {
                let compressed = obs.iter().map(CompressedObservation::compress).collect();
                long(Log::RangeCmp(RangeCmp { obs: compressed }));
            }
            if due(rates.range) {
                long(Log::Range(Range { obs }));
            }
        }
        if due(rates.rxstatus) {
            long(Log::RxStatus(rx_status()));
        }
        if due(rates.time) {
            long(Log::Time(time_log(self.next_unix_ms())));
        }
        if due(rates.satvis2) {
            for vis in self.sky.visibility(t) {
                long(Log::SatVis2(vis));
            }
        }
        if due(rates.inspvas) {
            let log = Log::InsPvas(ins_pva(&state, week, ms));
            logs.push((Header::short_binary(&log, week, ms), log));
        }
        self.tick += 1;
        logs
    }

    /// Appends the binary frames of the next epoch to `out`; returns how many.
    pub fn write_epoch(&mut self, out: &mut Vec<u8>) -> Result<usize, EncodeError> {
        let logs = self.next_epoch();
        for (header, log) in &logs {
            encode(header, log, out)?;
        }
        Ok(logs.len())
    }
}

fn position(state: &State, satellites: usize) -> Position {
    Position {
        sol_status: SolStatus::SOL_COMPUTED,
        pos_type: PosType::NARROW_INT,
        lat: state.lat,
        lon: state.lon,
        hgt: state.hgt,
        undulation: -17.0,
        datum: Datum::WGS84,
        lat_sigma: 0.012,
        lon_sigma: 0.010,
        hgt_sigma: 0.025,
        stn_id: Text::new("131"),
        diff_age: 1.0,
        sol_age: 0.0,
        num_svs: satellites as u8,
        num_soln_svs: satellites.saturating_sub(1) as u8,
        num_soln_l1_svs: satellites.saturating_sub(1) as u8,
        num_soln_multi_svs: satellites.saturating_sub(1) as u8,
        reserved: Hex(0),
        ext_sol_stat: Hex(0x06),
        gal_bds_sig_mask: Hex(0x01),
        gps_glo_sig_mask: Hex(0x33),
    }
}

fn velocity(state: &State) -> Velocity {
    Velocity {
        sol_status: SolStatus::SOL_COMPUTED,
        vel_type: PosType::NARROW_INT,
        latency: 0.0,
        age: 1.0,
        hor_spd: state.speed,
        trk_gnd: state.track,
        vert_spd: state.up_vel,
        reserved: 0.0,
    }
}

fn ins_pva(state: &State, week: u16, ms: u32) -> InsPva {
    InsPva {
        week: u32::from(week),
        seconds: f64::from(ms) / 1000.0,
        lat: state.lat,
        lon: state.lon,
        hgt: state.hgt - 17.0,
        north_vel: state.north_vel,
        east_vel: state.east_vel,
        up_vel: state.up_vel,
        roll: 1.5,
        pitch: -0.8,
        azimuth: state.track,
        status: InsStatus::INS_SOLUTION_GOOD,
    }
}

/// A receiver with a steered clock and known UTC.
fn time_log(unix_ms: i64) -> Time {
    let (year, month, day, hour, minute, ms) = time::utc_fields(unix_ms);
    let (week, _) = time::unix_ms_to_gps(unix_ms);
    let leap = time::leap_seconds_at(i64::from(week) * 604_800);
    Time {
        clock_status: ClockStatus::VALID,
        offset: -2.5e-9,
        offset_std: 6.1e-10,
        utc_offset: -(leap as f64),
        utc_year: year as u32,
        utc_month: month as u8,
        utc_day: day as u8,
        utc_hour: hour as u8,
        utc_min: minute as u8,
        utc_ms: ms,
        utc_status: UtcStatus::VALID,
    }
}

/// A healthy OEM7 receiver: no error, five status words (receiver, AUX1-4).
fn rx_status() -> RxStatus {
    let word = |word, priority| StatusWord {
        word: Hex(word),
        priority: Hex(priority),
        set: Hex(0),
        clear: Hex(0),
    };
    RxStatus {
        error: Hex(0),
        status: vec![
            word(0x0000_0000, 0),
            word(0x0000_0008, 0x0008),
            word(0, 0),
            word(0, 0),
            word(0, 0),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::SatelliteSystem;
    use crate::logs::SatVis2;
    use crate::{Event, decode, frames};

    #[test]
    fn one_second_of_default_logs() {
        let mut sim = Simulator::new(Config::default()).unwrap();
        let mut out = Vec::new();
        let mut written = 0;
        for _ in 0..100 {
            written += sim.write_epoch(&mut out).unwrap();
        }
        let mut counts = std::collections::BTreeMap::new();
        for event in frames(&out) {
            let Event::Frame(frame) = event else {
                panic!("simulator wrote bytes that are not a frame")
            };
            let message = decode(&frame).unwrap();
            assert!(message.log.is_some());
            *counts.entry(message.header.name.to_string()).or_insert(0) += 1;
        }
        let expected = [
            ("BESTPOS", 20),
            ("BESTVEL", 20),
            ("INSPVAS", 100),
            ("RANGE", 10),
            ("RXSTATUS", 1),
            ("TIME", 1),
        ];
        assert_eq!(counts, expected.iter().map(|&(n, c)| (n.to_string(), c)).collect());
        assert_eq!(written, 152);
    }

    #[test]
    fn satvis2_puts_each_tracked_satellite_where_its_cn0_says() {
        let rates = Rates { satvis2: 1, ..Rates::default() };
        let mut sim = Simulator::new(Config { rates, ..Config::default() }).unwrap();
        let logs: Vec<Log> = sim.next_epoch().into_iter().map(|(_, log)| log).collect();
        let visibility: Vec<&SatVis2> = logs
            .iter()
            .filter_map(|log| if let Log::SatVis2(v) = log { Some(v) } else { None })
            .collect();
        let systems: Vec<_> = visibility.iter().map(|v| v.system).collect();
        assert_eq!(
            systems,
            [SatelliteSystem::GPS, SatelliteSystem::GLONASS, SatelliteSystem::GALILEO]
        );
        // SATVIS2 lists every satellite of the sky, those below the horizon too.
        let listed: usize = visibility.iter().map(|v| v.satellites.len()).sum();
        assert_eq!(listed, Config::default().satellites);
        let Some(Log::Range(range)) = logs.iter().find(|log| matches!(log, Log::Range(_))) else {
            panic!("no RANGE in the first epoch")
        };
        // Each satellite RANGE tracks is above the mask in SATVIS2, and its primary signal's C/N0
        // is what its elevation gives: 32 dB-Hz at the horizon, 50 at the zenith.
        for o in range.obs.iter().filter(|o| o.tracking_status.0 & 1 << 27 != 0) {
            let (system, id) = match o.tracking().constellation().as_str() {
                "GPS" => (SatelliteSystem::GPS, o.prn),
                "GLONASS" => (SatelliteSystem::GLONASS, o.prn - 37),
                _ => (SatelliteSystem::GALILEO, o.prn),
            };
            let vis = visibility.iter().find(|v| v.system == system).unwrap();
            let sat = vis.satellites.iter().find(|s| s.id.prn == id).unwrap();
            assert!(sat.elev >= 5.0, "{sat:?}");
            let cn0 = 32.0 + 18.0 * sat.elev / 90.0;
            assert!((f64::from(o.cn0) - cn0).abs() <= 0.5, "{o:?} at {sat:?}");
            assert!((0.0..360.0).contains(&sat.az), "{sat:?}");
        }
        let above = visibility.iter().flat_map(|v| &v.satellites).filter(|s| s.elev >= 5.0);
        assert_eq!(above.count() * 2, range.obs.len());
    }

    #[test]
    fn rates_must_divide_100_hz() {
        let config =
            Config { rates: Rates { bestpos: 3, ..Rates::default() }, ..Config::default() };
        assert!(Simulator::new(config).is_err());
    }
}

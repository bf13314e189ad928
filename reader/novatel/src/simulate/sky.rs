//! The satellites a simulated receiver tracks and the RANGE observations it makes of them.
//!
//! Plausible rather than precise: each satellite rises and sets on a sinusoid of elevation, its
//! range and range rate follow from the elevation and orbit height, and its signals get C/N0 from
//! the elevation. Enough for 20 to 40 observations an epoch with the right units and behaviour.
//! Every pass culminates at the zenith, so its track on a sky plot crosses the sky through the
//! centre: rising from a direction of its own, setting on the opposite side, bent a little as
//! Earth's rotation bends real tracks.

use crate::Hex;
use crate::enums::{Bool, SatelliteSystem};
use crate::logs::{Observation, SatVis2, SatelliteId, TrackingStatus, VisibleSatellite};

const EARTH_RADIUS_M: f64 = 6_371_000.0;
/// Satellites below this elevation are not tracked.
const MASK_DEG: f64 = 5.0;

/// A constellation's code in the tracking status, orbit height and two tracked signals:
/// (signal type code, carrier frequency in Hz).
#[derive(Debug)]
struct System {
    code: u32,
    /// The system's number in SATVIS2.
    satvis: SatelliteSystem,
    orbit_height_m: f64,
    first_prn: u16,
    signals: [(u32, f64); 2],
}

const GPS: System = System {
    satvis: SatelliteSystem::GPS,
    code: 0,
    orbit_height_m: 20_200_000.0,
    first_prn: 1,
    signals: [(0, 1_575.42e6), (9, 1_227.60e6)],
};
const GLONASS: System = System {
    satvis: SatelliteSystem::GLONASS,
    code: 1,
    orbit_height_m: 19_100_000.0,
    first_prn: 38,
    signals: [(0, 1_602.0e6), (1, 1_246.0e6)],
};
const GALILEO: System = System {
    satvis: SatelliteSystem::GALILEO,
    code: 3,
    orbit_height_m: 23_222_000.0,
    first_prn: 1,
    signals: [(2, 1_575.42e6), (12, 1_176.45e6)],
};

/// One satellite: its pass over the sky and when the receiver locked on to it.
#[derive(Clone, Debug)]
struct Satellite {
    system: &'static System,
    prn: u16,
    /// Phase of the elevation sinusoid at t = 0, radians.
    phase: f64,
    /// Angular rate of the pass, radians per second (a pass lasts several hours).
    rate: f64,
    /// Carrier phase offset at lock, cycles.
    adr_offset: f64,
    /// Azimuth it rises towards the zenith on, degrees, and the degrees its track turns by from
    /// rise to set (either way).
    azimuth_mid: f64,
    sweep: f64,
}

/// Degrees a track turns by from rise to set.
const SWEEP_DEG: f64 = 30.0;

impl Satellite {
    /// Degrees above the horizon at `t`.
    fn elevation(&self, t: f64) -> f64 {
        (self.phase + self.rate * t).sin() * 90.0
    }

    /// Degrees clockwise from north at `t`: towards `azimuth_mid` while rising, away from it
    /// (the opposite side) after the zenith, turning by `sweep` over the pass.
    fn azimuth(&self, t: f64) -> f64 {
        let angle = (self.phase + self.rate * t).rem_euclid(2.0 * std::f64::consts::PI);
        // -0.5 at rise, 0 at the zenith, 0.5 at set (and on below the horizon).
        let along = angle / std::f64::consts::PI - 0.5;
        let side = if along > 0.0 { 180.0 } else { 0.0 };
        (self.azimuth_mid + side + self.sweep * along).rem_euclid(360.0)
    }

    /// Metres per second the range changes at `t`.
    fn range_rate(&self, t: f64) -> f64 {
        let (elevation, height) = (self.elevation(t), self.system.orbit_height_m);
        let elevation_rate = (self.phase + self.rate * t).cos() * 90.0 * self.rate;
        (slant_range(elevation + elevation_rate, height) - slant_range(elevation, height))
            .clamp(-900.0, 900.0)
    }
}

/// The satellites in view of one receiver.
#[derive(Clone, Debug)]
pub struct Sky {
    satellites: Vec<Satellite>,
}

impl Sky {
    /// `count` satellites spread over GPS, GLONASS and Galileo, placed by `seed`.
    pub fn new(count: usize, seed: u64) -> Self {
        let mut state = seed | 1;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let systems = [&GPS, &GPS, &GLONASS, &GALILEO];
        let satellites = (0..count)
            .map(|i| {
                let system = systems[i % systems.len()];
                Satellite {
                    system,
                    prn: system.first_prn + (i / systems.len()) as u16 * 3 + (i % 2) as u16,
                    // Mostly above the mask now, so the sky starts well populated.
                    phase: 0.2 + 2.7 * random(),
                    rate: 2.0 * std::f64::consts::PI / (6.0 * 3600.0 + 6.0 * 3600.0 * random()),
                    adr_offset: (random() - 0.5) * 2.0e6,
                    // Spread by the golden angle, half of them sweeping the other way; from the
                    // index and seed, so the random draws above stay as they were.
                    azimuth_mid: (i as f64 * 137.508 + seed as f64 * 53.0).rem_euclid(360.0),
                    sweep: if i % 2 == 0 { SWEEP_DEG } else { -SWEEP_DEG },
                }
            })
            .collect();
        Sky { satellites }
    }

    /// The observations at `t` seconds after the start, two signals per satellite in view.
    pub fn observations(&self, t: f64) -> Vec<Observation> {
        let mut obs = Vec::with_capacity(self.satellites.len() * 2);
        for (channel, sat) in self.satellites.iter().enumerate() {
            let elevation = sat.elevation(t);
            if elevation < MASK_DEG {
                continue;
            }
            let range = slant_range(elevation, sat.system.orbit_height_m);
            let range_rate = sat.range_rate(t);
            let lock_time = (t + 600.0 + 37.0 * channel as f64) as f32;
            for (index, &(signal, hz)) in sat.system.signals.iter().enumerate() {
                let wavelength = 299_792_458.0 / hz;
                let cn0 = 32.0 + 18.0 * (elevation / 90.0) - 4.0 * index as f64;
                let status = 4
                    | (channel as u32 & 0x1F) << 5
                    | 1 << 10
                    | 1 << 11
                    | 1 << 12
                    | 1 << 13
                    | sat.system.code << 16
                    | signal << 21
                    | u32::from(index == 0) << 27
                    | 1 << 28;
                debug_assert_eq!(TrackingStatus(status).signal_type() as u32, signal);
                obs.push(Observation {
                    prn: sat.prn,
                    glofreq: if sat.system.code == 1 { 7 } else { 0 },
                    psr: range + index as f64 * 2.5,
                    psr_sigma: if index == 0 { 0.05 } else { 0.075 },
                    adr: -(range / wavelength) + sat.adr_offset,
                    adr_sigma: 0.006,
                    dopp: (-range_rate / wavelength) as f32,
                    cn0: cn0.round() as f32,
                    locktime: lock_time,
                    tracking_status: Hex(status),
                });
            }
        }
        obs
    }

    /// Satellites above the mask at `t`.
    pub fn in_view(&self, t: f64) -> usize {
        self.satellites.iter().filter(|s| s.elevation(t) >= MASK_DEG).count()
    }

    /// The SATVIS2 logs at `t`, one per system: every satellite of the sky, below the horizon
    /// too, as a receiver with a complete almanac lists them; the true Doppler on the system's
    /// first signal, the apparent one with a steered clock (the same).
    pub fn visibility(&self, t: f64) -> Vec<SatVis2> {
        let satellite = |sat: &Satellite| {
            // GLONASS satellites are their slot and frequency channel here (RANGE: slot + 37,
            // channel + 7; the sky's are all channel 0).
            let prn = if sat.system.code == 1 { sat.prn - 37 } else { sat.prn };
            let doppler = -sat.range_rate(t) * sat.system.signals[0].1 / 299_792_458.0;
            VisibleSatellite {
                id: SatelliteId { prn, channel: 0 },
                health: 0,
                elev: sat.elevation(t),
                az: sat.azimuth(t),
                true_dop: doppler,
                app_dop: doppler,
            }
        };
        [&GPS, &GLONASS, &GALILEO]
            .into_iter()
            .map(|system| SatVis2 {
                system: system.satvis,
                sat_vis: Bool::TRUE,
                complete_almanac: Bool::TRUE,
                satellites: self
                    .satellites
                    .iter()
                    .filter(|sat| sat.system.satvis == system.satvis)
                    .map(satellite)
                    .collect(),
            })
            .collect()
    }
}

/// Distance from a receiver on the ground to a satellite `height` above it at `elevation` degrees.
fn slant_range(elevation: f64, height: f64) -> f64 {
    let (sin, r) = (elevation.to_radians().sin(), EARTH_RADIUS_M);
    ((r * sin).powi(2) + 2.0 * r * height + height * height).sqrt() - r * sin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plausible_epoch() {
        let sky = Sky::new(24, 7);
        for t in [0.0, 600.0, 3600.0] {
            let obs = sky.observations(t);
            assert_eq!(obs.len(), 2 * sky.in_view(t));
            assert!((16..=48).contains(&obs.len()), "{} observations at {t}", obs.len());
            for o in &obs {
                assert!((19.0e6..30.0e6).contains(&o.psr), "{o:?}");
                assert!((-5000.0..5000.0).contains(&o.dopp), "{o:?}");
                assert!((25.0..=50.0).contains(&o.cn0), "{o:?}");
                assert!(o.tracking().wavelength_m(o.glofreq as u8).is_some(), "{o:?}");
            }
        }
    }

    #[test]
    fn a_track_crosses_the_sky_through_the_zenith() {
        let sky = Sky::new(8, 7);
        for sat in &sky.satellites {
            let half_pass = std::f64::consts::FRAC_PI_2 / sat.rate;
            let top = (std::f64::consts::FRAC_PI_2 - sat.phase) / sat.rate;
            assert!(sat.elevation(top) > 89.999, "{sat:?}");
            // Either side of the zenith, opposite azimuths; from rise to set, 180 degrees and the
            // sweep.
            let turn = |a: f64, b: f64| (sat.azimuth(b) - sat.azimuth(a)).rem_euclid(360.0);
            assert!((turn(top - 1.0, top + 1.0) - 180.0).abs() < 0.01, "{sat:?}");
            let whole = turn(top - half_pass + 1.0, top + half_pass - 1.0);
            assert!((whole - (180.0 + sat.sweep).rem_euclid(360.0)).abs() < 0.01, "{sat:?}");
        }
    }
}

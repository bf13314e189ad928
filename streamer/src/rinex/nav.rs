//! RINEX 3.04 navigation records: GPS (`G`, LNAV) and QZSS (`J`) from GPSEPHEM and
//! QZSSEPHEMERIS through [`GpsKepler`], GLONASS (`R`) from GLOEPHEMERIS, Galileo (`E`) from
//! GALINAVEPHEMERIS and GALFNAVEPHEMERIS, BeiDou (`C`) from BDSEPHEMERIS, each as a
//! [`Broadcast`] record; header ionosphere and UTC records from IONUTC and QZSSIONUTC.
//! `docs/rinex.md` lists each convention.

use std::io::{self, Write};

use super::obs::HeaderInfo;
use super::time::{GpsTime, header_line};

const SECONDS_PER_WEEK: f64 = 604_800.0;

/// One GPS broadcast ephemeris, in RINEX's units (angles in radians, `sqrt_a` in √m).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GpsKepler {
    pub prn: u32,
    /// Full GPS week of `toe` (and of the record's week field).
    pub week: u32,
    /// Time of clock, seconds of `week` (may be below 0 or past a week at a week's edge).
    pub toc: f64,
    pub af0: f64,
    pub af1: f64,
    pub af2: f64,
    pub iode: u32,
    pub crs: f64,
    pub delta_n: f64,
    pub m0: f64,
    pub cuc: f64,
    pub ecc: f64,
    pub cus: f64,
    pub sqrt_a: f64,
    /// Time of ephemeris, seconds of `week`.
    pub toe: f64,
    pub cic: f64,
    pub omega0: f64,
    pub cis: f64,
    pub i0: f64,
    pub crc: f64,
    pub omega: f64,
    pub omega_dot: f64,
    pub i_dot: f64,
    pub codes_on_l2: u32,
    pub l2p_flag: u32,
    /// User range accuracy, m.
    pub accuracy_m: f64,
    pub health: u32,
    pub tgd: f64,
    pub iodc: u32,
    /// Transmission time of the message, seconds of `week` (negative or past a week when sent
    /// in another week).
    pub transmission: f64,
    /// Fit interval, hours; 0 when not known.
    pub fit_interval_h: f64,
    /// When the receiver logged it (the export's time range applies to this).
    pub received: GpsTime,
}

/// URA nominal values, m, by index (IS-GPS-200 20.3.3.3.1.3).
const URA_M: [f64; 15] = [
    2.4, 3.4, 4.85, 6.85, 9.65, 13.65, 24.0, 48.0, 96.0, 192.0, 384.0, 768.0, 1536.0, 3072.0,
    6144.0,
];

/// The nominal URA of the index a URA in metres falls in (what a broadcast message could carry).
fn nominal_ura(ura_m: f64) -> f64 {
    URA_M.iter().copied().find(|&v| v >= ura_m).unwrap_or(8192.0)
}

/// `seconds` of some week moved by whole weeks to within half a week of `reference`.
fn near(seconds: f64, reference: f64) -> f64 {
    if seconds < reference - SECONDS_PER_WEEK / 2.0 {
        seconds + SECONDS_PER_WEEK
    } else if seconds > reference + SECONDS_PER_WEEK / 2.0 {
        seconds - SECONDS_PER_WEEK
    } else {
        seconds
    }
}

impl GpsKepler {
    /// From a GPSEPHEM log received at `received`.
    pub fn from_gpsephem(e: &novatel::logs::GpsEphemeris, received: GpsTime) -> Self {
        let ura_m = e.ura.max(0.0).sqrt();
        GpsKepler {
            prn: e.prn,
            week: e.week,
            toc: near(e.toc, e.toe),
            af0: e.af0,
            af1: e.af1,
            af2: e.af2,
            iode: e.iode1,
            crs: e.crs,
            delta_n: e.delta_n,
            m0: e.m0,
            cuc: e.cuc,
            ecc: e.ecc,
            cus: e.cus,
            sqrt_a: e.a.sqrt(),
            toe: e.toe,
            cic: e.cic,
            omega0: e.omega0,
            cis: e.cis,
            i0: e.i0,
            crc: e.crc,
            omega: e.omega,
            omega_dot: e.omega_dot,
            i_dot: e.i_dot,
            codes_on_l2: 0,
            l2p_flag: 0,
            accuracy_m: nominal_ura(ura_m),
            health: e.health,
            tgd: e.tgd,
            iodc: e.iodc,
            transmission: e.tow + (f64::from(e.z_week) - f64::from(e.week)) * SECONDS_PER_WEEK,
            fit_interval_h: 0.0,
            received,
        }
    }

    /// What makes two records the same ephemeris: PRN, IODE, IODC, week and toe.
    pub fn identity(&self) -> (u32, u32, u32, u32, i64) {
        (self.prn, self.iode, self.iodc, self.week, self.toe.round() as i64)
    }
}

/// A value as RINEX's D19.12, C's `%19.12E`: ` 1.234567890123E-05`.
pub fn d19(value: f64) -> String {
    let text = format!("{:.12e}", value);
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa:>15}E{sign}{:02}", exponent.unsigned_abs())
}

/// BDT is GPS time less 14 s; BDT week 0 starts with GPS week 1356 (2006-01-01).
pub const BDT_MINUS_GPS_S: i64 = -14;
/// GPS week of BDT week 0.
pub const BDT_WEEK_0: u32 = 1356;

/// One navigation record of any system, ready to write: the SV / EPOCH / SV CLK line's epoch
/// (a calendar in the system's own time: GPS, GST and QZSST as GPS time, BDT, or UTC for
/// GLONASS) and three clock values, then the BROADCAST ORBIT lines (`NaN` leaves a value out).
#[derive(Clone, Debug, PartialEq)]
pub struct Broadcast {
    /// RINEX system letter: `G`, `J`, `E`, `C` or `R`.
    pub system: char,
    /// RINEX satellite number (QZSS PRN - 192, GLONASS slot).
    pub number: u32,
    /// Epoch of the clock, milliseconds of a GPS-like scale whose calendar is the system time's.
    pub epoch: GpsTime,
    pub clock: [f64; 3],
    pub orbits: Vec<[f64; 4]>,
    /// What makes two records the same: data the system's issue/reference times identify.
    pub identity: [i64; 4],
    /// When the receiver logged it (the export's time range applies to this).
    pub received: GpsTime,
}

impl Broadcast {
    /// The order records are written in: system (`G R E J C`), clock epoch, number.
    pub fn sort_key(&self) -> (usize, i64, u32, [i64; 4]) {
        ("GREJC".find(self.system).unwrap_or(9), self.epoch.0, self.number, self.identity)
    }

    /// What makes two records the same ephemeris.
    pub fn key(&self) -> (char, u32, [i64; 4]) {
        (self.system, self.number, self.identity)
    }
}

fn week_seconds(week: u32, seconds: f64) -> GpsTime {
    GpsTime::from_ms(
        (f64::from(week) * SECONDS_PER_WEEK * 1000.0 + (seconds * 1000.0).round()) as i64,
    )
}

fn whole(value: f64) -> i64 {
    value.round() as i64
}

impl GpsKepler {
    /// From a QZSSEPHEMERIS log (GPSEPHEM's fields and the fit interval flag).
    pub fn from_qzssephemeris(e: &novatel::logs::QzssEphemeris, received: GpsTime) -> Self {
        GpsKepler {
            fit_interval_h: f64::from(e.fit_interval),
            ..GpsKepler::from_gpsephem(&e.ephemeris, received)
        }
    }

    /// The record as `system` (`G`, or `J` for QZSS: number PRN - 192, and the BROADCAST ORBIT
    /// 7 fit value is then the fit interval flag, RINEX 3.04 table A13).
    pub fn broadcast(&self, system: char) -> Broadcast {
        let number = if system == 'J' { self.prn.saturating_sub(192) } else { self.prn };
        Broadcast {
            system,
            number,
            epoch: week_seconds(self.week, self.toc),
            clock: [self.af0, self.af1, self.af2],
            orbits: vec![
                [f64::from(self.iode), self.crs, self.delta_n, self.m0],
                [self.cuc, self.ecc, self.cus, self.sqrt_a],
                [self.toe, self.cic, self.omega0, self.cis],
                [self.i0, self.crc, self.omega, self.omega_dot],
                [
                    self.i_dot,
                    f64::from(self.codes_on_l2),
                    f64::from(self.week),
                    f64::from(self.l2p_flag),
                ],
                [self.accuracy_m, f64::from(self.health), self.tgd, f64::from(self.iodc)],
                [self.transmission, self.fit_interval_h, f64::NAN, f64::NAN],
            ],
            identity: [
                i64::from(self.iode),
                i64::from(self.iodc),
                i64::from(self.week) * 604_800 + whole(self.toe),
                0,
            ],
            received: self.received,
        }
    }
}

/// A QZSSEPHEMERIS log as a `J` record.
pub fn from_qzssephemeris(e: &novatel::logs::QzssEphemeris, received: GpsTime) -> Broadcast {
    GpsKepler::from_qzssephemeris(e, received).broadcast('J')
}

/// A GLOEPHEMERIS log as an `R` record (RINEX 3.04 table A10): the epoch is the reference time
/// tb in UTC, the clock values -TauN, +GammaN and the message frame time (tk, seconds of the
/// UTC week); positions, velocities and accelerations in km, km/s and km/s².
///
/// NovAtel gives tb as GPS week and ms (`e_week`, `e_time`, rounded to whole seconds as RTKLIB
/// does), tk as seconds of the GLONASS (Moscow, UTC + 3 h) day, and `t_offset` = GLONASS - GPS
/// time in whole seconds (10800 - leap seconds): UTC = GPS - (10800 - t_offset).
pub fn from_gloephemeris(e: &novatel::logs::GloEphemeris, received: GpsTime) -> Broadcast {
    let week = i64::from(e.e_week) * 604_800;
    let tow = (i64::from(e.e_time) + 500).div_euclid(1000);
    let toe_gps = week + tow;
    let t_offset = i64::from(e.t_offset);
    let leap = 10_800 - t_offset;
    // tk as a GPS time of toe's day, then within half a day of toe (RTKLIB's decode_gloephemerisb).
    let mut tof = i64::from(e.tk) - t_offset + tow.div_euclid(86_400) * 86_400;
    if tof < tow - 43_200 {
        tof += 86_400;
    } else if tof > tow + 43_200 {
        tof -= 86_400;
    }
    let frame_utc = (week + tof - leap).rem_euclid(604_800);
    Broadcast {
        system: 'R',
        number: u32::from(e.sloto).saturating_sub(37),
        epoch: GpsTime::from_ms((toe_gps - leap) * 1000),
        clock: [-e.tau_n, e.gamma, frame_utc as f64],
        orbits: vec![
            [e.pos_x / 1e3, e.vel_x / 1e3, e.ls_acc_x / 1e3, glonass_health(e.health)],
            [e.pos_y / 1e3, e.vel_y / 1e3, e.ls_acc_y / 1e3, f64::from(e.freqo) - 7.0],
            [e.pos_z / 1e3, e.vel_z / 1e3, e.ls_acc_z / 1e3, f64::from(e.age)],
        ],
        identity: [toe_gps, i64::from(e.health), 0, 0],
        received,
    }
}

/// RINEX's GLONASS health (Bn, 0 = OK) from NovAtel's health 0-15 (0-3 good, as RTKLIB).
fn glonass_health(health: u32) -> f64 {
    if health < 4 { 0.0 } else { 1.0 }
}

/// Galileo SISA in metres from its index (Galileo OS SIS ICD 5.1.12); -1 for NAPA and spares.
pub fn sisa_m(index: u8) -> f64 {
    let n = f64::from(index);
    match index {
        0..=49 => n * 0.01,
        50..=74 => 0.5 + (n - 50.0) * 0.02,
        75..=99 => 1.0 + (n - 75.0) * 0.04,
        100..=125 => 2.0 + (n - 100.0) * 0.16,
        _ => -1.0,
    }
}

/// RINEX 3.04 Galileo data sources: I/NAV E1-B (bit 0), F/NAV E5a-I (bit 1), I/NAV E5b-I
/// (bit 2); clock for E5a,E1 (bit 8) or E5b,E1 (bit 9).
pub const GAL_INAV_E1B: u32 = 1 << 0;
pub const GAL_FNAV_E5A: u32 = 1 << 1;
pub const GAL_INAV_E5B: u32 = 1 << 2;
pub const GAL_CLOCK_E5A: u32 = 1 << 8;
pub const GAL_CLOCK_E5B: u32 = 1 << 9;

/// The fields of a Galileo record besides the orbit.
struct Galileo {
    svid: u32,
    toe: u32,
    toc: u32,
    iodnav: u16,
    sisa_index: u8,
    sources: u32,
    health: u32,
    bgd_e5b: f64,
}

fn galileo(m: Galileo, o: &novatel::logs::GalileoOrbit, received: GpsTime) -> Broadcast {
    // GST weeks are written as GPS weeks (RINEX 3.04: "GAL week", continuous, aligned with GPS
    // weeks); NovAtel's logs have none: the log's GPS week, moved to within half a week of toe.
    let (week, ms) = received.week_ms();
    let mut week = u32::from(week);
    let toe = f64::from(m.toe);
    let tow = f64::from(ms) / 1000.0;
    if toe - tow > SECONDS_PER_WEEK / 2.0 {
        week = week.saturating_sub(1);
    } else if toe - tow < -SECONDS_PER_WEEK / 2.0 {
        week += 1;
    }
    let toc = near(f64::from(m.toc), toe);
    let transmission = received.seconds_since(week_seconds(week, 0.0));
    Broadcast {
        system: 'E',
        number: m.svid,
        epoch: week_seconds(week, toc),
        clock: [o.af0, o.af1, o.af2],
        orbits: vec![
            [f64::from(m.iodnav), o.crs, o.delta_n, o.m0],
            [o.cuc, o.ecc, o.cus, o.root_a],
            [toe, o.cic, o.omega0, o.cis],
            [o.i0, o.crc, o.omega, o.omega_dot],
            [o.i_dot, f64::from(m.sources), f64::from(week), 0.0],
            [sisa_m(m.sisa_index), f64::from(m.health), o.bgd_e1_e5a, m.bgd_e5b],
            [transmission, f64::NAN, f64::NAN, f64::NAN],
        ],
        identity: [
            i64::from(m.sources),
            i64::from(m.iodnav),
            i64::from(week) * 604_800 + i64::from(m.toe),
            whole(toc),
        ],
        received,
    }
}

/// A GALINAVEPHEMERIS log as an `E` record: data sources I/NAV (E1-B, E5b or both, from the
/// log's source bits 0 and 1; E1-B when neither is set) with the E5b,E1 clock (bit 9); health
/// E5b HS (bits 7-8), E5b DVS (6), E1-B HS (1-2), E1-B DVS (0); BGD E5a/E1 and E5b/E1.
pub fn from_galinavephemeris(e: &novatel::logs::GalInavEphemeris, received: GpsTime) -> Broadcast {
    let mut sources = GAL_CLOCK_E5B;
    if e.source & 1 != 0 || e.source & 3 == 0 {
        sources |= GAL_INAV_E1B;
    }
    if e.source & 2 != 0 {
        sources |= GAL_INAV_E5B;
    }
    let health = (u32::from(e.e5b_health & 3) << 7)
        | (u32::from(e.e5b_dvs & 1) << 6)
        | (u32::from(e.e1b_health & 3) << 1)
        | u32::from(e.e1b_dvs & 1);
    galileo(
        Galileo {
            svid: e.satellite_id,
            toe: e.toe,
            toc: e.toc,
            iodnav: e.iodnav,
            sisa_index: e.sisa_index,
            sources,
            health,
            bgd_e5b: e.bgd_e1_e5b,
        },
        &e.orbit,
        received,
    )
}

/// A GALFNAVEPHEMERIS log as an `E` record: data sources F/NAV E5a-I with the E5a,E1 clock
/// (0x102); health E5a HS (bits 4-5) and DVS (3); BGD E5b/E1 is not in F/NAV and written 0.
pub fn from_galfnavephemeris(e: &novatel::logs::GalFnavEphemeris, received: GpsTime) -> Broadcast {
    let health = (u32::from(e.e5a_health & 3) << 4) | (u32::from(e.e5a_dvs & 1) << 3);
    galileo(
        Galileo {
            svid: e.satellite_id,
            toe: e.toe,
            toc: e.toc,
            iodnav: e.iodnav,
            sisa_index: e.sisa_index,
            sources: GAL_FNAV_E5A | GAL_CLOCK_E5A,
            health,
            bgd_e5b: 0.0,
        },
        &e.orbit,
        received,
    )
}

/// A BDSEPHEMERIS log as a `C` record (RINEX 3.04 table A14): epoch, toe and week in BDT, AODE
/// in place of IODE, SatH1, TGD1 and TGD2, transmission time (the log's time, BDT = GPS - 14 s,
/// in seconds of the record's BDT week) and AODC.
pub fn from_bdsephemeris(e: &novatel::logs::BdsEphemeris, received: GpsTime) -> Broadcast {
    let gps_week = e.week + BDT_WEEK_0;
    let toe = f64::from(e.toe);
    let toc = near(f64::from(e.toc), toe);
    let bdt_received = GpsTime::from_ms(received.0 + BDT_MINUS_GPS_S * 1000);
    let transmission = bdt_received.seconds_since(week_seconds(gps_week, 0.0));
    Broadcast {
        system: 'C',
        number: e.satellite_id,
        epoch: week_seconds(gps_week, toc),
        clock: [e.a0, e.a1, e.a2],
        orbits: vec![
            [f64::from(e.aode), e.crs, e.delta_n, e.m0],
            [e.cuc, e.ecc, e.cus, e.root_a],
            [toe, e.cic, e.omega0, e.cis],
            [e.i0, e.crc, e.omega, e.omega_dot],
            [e.idot, 0.0, f64::from(e.week), 0.0],
            [e.ura, f64::from(e.health1), e.tgd1, e.tgd2],
            [transmission, f64::from(e.aodc), f64::NAN, f64::NAN],
        ],
        identity: [
            i64::from(e.aode),
            i64::from(e.aodc),
            i64::from(e.week) * 604_800 + i64::from(e.toe),
            whole(toc),
        ],
        received,
    }
}

/// Klobuchar and UTC parameters of GPS (IONUTC) or QZSS (QZSSIONUTC), for the header.
#[derive(Clone, Debug, PartialEq)]
pub struct IonoUtc {
    pub qzss: bool,
    pub log: novatel::logs::IonUtc,
    pub received: GpsTime,
}

/// A value as C's `%W.PE` (two-digit exponent at least).
fn c_exp(value: f64, width: usize, precision: usize) -> String {
    let text = format!("{value:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{:>width$}", format!("{mantissa}E{sign}{:02}", exponent.unsigned_abs()))
}

/// The navigation file's header: version and type (`G: GPS` for GPS only or no record, the
/// one system's letter, or `M: MIXED`), program, comments, then from the last IONUTC and
/// QZSSIONUTC: `IONOSPHERIC CORR` (GPSA, GPSB, QZSA, QZSB), `TIME SYSTEM CORR` (GPUT, QZUT)
/// and `LEAP SECONDS` (GPS's).
pub fn write_nav_header(
    out: &mut impl Write,
    info: &HeaderInfo,
    systems: &[char],
    gps: Option<&IonoUtc>,
    qzss: Option<&IonoUtc>,
) -> io::Result<()> {
    let system = match systems {
        [] | ['G'] => "G: GPS",
        ['R'] => "R: GLONASS",
        ['E'] => "E: GALILEO",
        ['J'] => "J: QZSS",
        ['C'] => "C: BDS",
        _ => "M: MIXED",
    };
    let mut h = String::new();
    header_line(
        &mut h,
        &format!("{:9.2}{:11}{:<20}{:<20}", 3.04, "", "N: GNSS NAV DATA", system),
        "RINEX VERSION / TYPE",
    );
    header_line(
        &mut h,
        &format!("{:<20.20}{:<20.20}{:<20.20}", info.program, info.run_by, info.date),
        "PGM / RUN BY / DATE",
    );
    for comment in &info.comments {
        header_line(&mut h, comment, "COMMENT");
    }
    let ions = [("GPS", gps), ("QZS", qzss)];
    for (name, ion) in ions {
        let Some(IonoUtc { log: l, .. }) = ion else { continue };
        for (kind, values) in [("A", [l.a0, l.a1, l.a2, l.a3]), ("B", [l.b0, l.b1, l.b2, l.b3])] {
            let values: String = values.iter().map(|v| c_exp(*v, 12, 4)).collect();
            header_line(&mut h, &format!("{name}{kind} {values}"), "IONOSPHERIC CORR");
        }
    }
    for (name, ion) in [("GPUT", gps), ("QZUT", qzss)] {
        let Some(IonoUtc { log: l, .. }) = ion else { continue };
        header_line(
            &mut h,
            &format!(
                "{name} {}{} {:6} {:4}",
                c_exp(l.utc_a0, 17, 10),
                c_exp(l.utc_a1, 16, 9),
                l.tot,
                l.utc_wn
            ),
            "TIME SYSTEM CORR",
        );
    }
    if let Some(IonoUtc { log: l, .. }) = gps.or(qzss) {
        header_line(
            &mut h,
            &format!("{:6}{:6}{:6}{:6}", l.deltat_ls, l.deltat_lsf, l.wn_lsf, l.dn),
            "LEAP SECONDS",
        );
    }
    header_line(&mut h, "", "END OF HEADER");
    out.write_all(h.as_bytes())
}

/// Writes one record: the SV / EPOCH / SV CLK line and its BROADCAST ORBIT lines.
pub fn write_broadcast(out: &mut impl Write, b: &Broadcast) -> io::Result<()> {
    let (y, mo, d, hh, mm, ms) = b.epoch.calendar();
    let mut text = format!(
        "{}{:02} {y:04} {mo:02} {d:02} {hh:02} {mm:02} {:02}{}{}{}\n",
        b.system,
        b.number,
        ms / 1000,
        d19(b.clock[0]),
        d19(b.clock[1]),
        d19(b.clock[2])
    );
    for orbit in &b.orbits {
        text.push_str("    ");
        for value in orbit.iter().filter(|v| !v.is_nan()) {
            text.push_str(&d19(*value));
        }
        text.push('\n');
    }
    out.write_all(text.as_bytes())
}

/// Writes one GPS record: the SV / EPOCH / SV CLK line and seven BROADCAST ORBIT lines.
pub fn write_gps(out: &mut impl Write, e: &GpsKepler) -> io::Result<()> {
    write_broadcast(out, &e.broadcast('G'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d19_is_c_style() {
        assert_eq!(d19(1.234_567_890_123e-5), " 1.234567890123E-05");
        assert_eq!(d19(-5153.5), "-5.153500000000E+03");
        assert_eq!(d19(0.0), " 0.000000000000E+00");
        assert_eq!(d19(518_400.0).len(), 19);
    }

    #[test]
    fn ura_index_values() {
        assert_eq!(nominal_ura(2.0), 2.4);
        assert_eq!(nominal_ura(2.4), 2.4);
        assert_eq!(nominal_ura(5.0), 6.85);
    }

    #[test]
    fn sisa_index_values() {
        assert_eq!(sisa_m(0), 0.0);
        assert!((sisa_m(49) - 0.49).abs() < 1e-12);
        assert!((sisa_m(50) - 0.5).abs() < 1e-12);
        assert!((sisa_m(75) - 1.0).abs() < 1e-12);
        assert!((sisa_m(107) - 3.12).abs() < 1e-12);
        assert!((sisa_m(125) - 6.0).abs() < 1e-12);
        assert_eq!(sisa_m(255), -1.0);
    }

    #[test]
    fn c_exponents() {
        assert_eq!(c_exp(1.769_512_891_769_409e-8, 12, 4), "  1.7695E-08");
        assert_eq!(c_exp(-131_072.0, 12, 4), " -1.3107E+05");
        assert_eq!(c_exp(-5.587_935_447_692_871e-9, 17, 10), "-5.5879354477E-09");
    }
}

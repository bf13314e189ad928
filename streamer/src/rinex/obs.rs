//! RINEX 3.04 observation data: NovAtel RANGE / RANGECMP observations turned into RINEX
//! observables the way RTKLIB 2.4.3 b34 does (`novatel.c` `decode_rangecmpb`/`decode_rangeb`,
//! `convrnx.c`, `rinex.c`), and the header and epoch records written one epoch at a time.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

use super::codes::{Code, QZSS_L1S, System, rinex_prn, signal_code};
use super::time::{GpsTime, header_line};

/// One NovAtel observation, as RANGE gives it or RANGECMP decompresses to (the `observations`
/// table's columns).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawObs {
    /// NovAtel PRN (GLONASS: slot + 37).
    pub prn: u16,
    /// GLONASS frequency channel + 7.
    pub glofreq: u16,
    pub psr_m: f64,
    /// NovAtel's accumulated Doppler range, cycles (of the opposite sign to RINEX's phase).
    pub adr_cycles: f64,
    pub doppler_hz: f32,
    pub cn0_dbhz: f32,
    pub locktime_s: f32,
    pub tracking_status: u32,
    /// From a RANGECMP (whose 21-bit lock time saturates), else a RANGE.
    pub compressed: bool,
}

/// The observations of one receiver time (one RANGE or RANGECMP log, or the rows of one time).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawEpoch {
    pub time: GpsTime,
    pub obs: Vec<RawObs>,
}

/// RTKLIB's loss-of-lock bits: only these two are written (`LLI_HALFA` is kept internally).
pub const LLI_SLIP: u8 = 0x01;
pub const LLI_HALFC: u8 = 0x02;
const LLI_HALFA: u8 = 0x40;
/// RANGECMP's lock time saturates at 2^21 / 32 s.
const LOCKTIME_MAX_S: f64 = 65_535.968;

/// One signal's observables, in RINEX's units and signs (0: not observed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignalObs {
    pub code: Code,
    /// Pseudorange, m.
    pub psr: f64,
    /// Carrier phase, cycles (minus NovAtel's ADR).
    pub phase: f64,
    /// Doppler, Hz.
    pub doppler: f64,
    /// C/N0, dB-Hz, to 0.001.
    pub snr: f64,
    /// Loss-of-lock indicator bits (`LLI_*`).
    pub lli: u8,
}

/// One satellite's signals in an epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct SatObs {
    pub system: System,
    /// RINEX satellite number.
    pub prn: u16,
    pub signals: Vec<SignalObs>,
}

/// One epoch's satellites, by system then number.
#[derive(Clone, Debug, PartialEq)]
pub struct Epoch {
    pub time: GpsTime,
    pub sats: Vec<SatObs>,
}

/// Turns raw epochs into RINEX observables, keeping per signal the lock time and time of its
/// last observation to flag cycle slips.
#[derive(Debug, Default)]
pub struct Converter {
    last: HashMap<(System, u16, Code), (GpsTime, f64)>,
    epochs: u64,
}

impl Converter {
    pub fn new() -> Self {
        Self::default()
    }

    /// The epoch's observables. Signals RTKLIB does not convert (unknown system or signal type,
    /// PRN out of range, GLONASS with parity unknown) are left out.
    pub fn convert(&mut self, raw: &RawEpoch) -> Epoch {
        let mut sats: BTreeMap<(System, u16), Vec<SignalObs>> = BTreeMap::new();
        for obs in &raw.obs {
            let Some((system, prn, signal)) = self.signal(raw.time, obs) else { continue };
            let signals = sats.entry((system, prn)).or_default();
            match signals.iter_mut().find(|s| s.code == signal.code) {
                Some(slot) => *slot = signal,
                None => signals.push(signal),
            }
        }
        let first = self.epochs == 0;
        if !sats.is_empty() {
            self.epochs += 1;
        }
        let sats = sats
            .into_iter()
            .map(|((system, prn), mut signals)| {
                if first {
                    // RTKLIB's convbin starts a station (its ID changes from none to 0) at the
                    // first epoch written, and flags a slip on every phase there.
                    for s in signals.iter_mut().filter(|s| s.phase != 0.0) {
                        s.lli |= LLI_SLIP;
                    }
                }
                SatObs { system, prn, signals }
            })
            .collect();
        Epoch { time: raw.time, sats }
    }

    fn signal(&mut self, time: GpsTime, obs: &RawObs) -> Option<(System, u16, SignalObs)> {
        let status = obs.tracking_status;
        let phase_locked = status & (1 << 10) != 0;
        let parity_known = status & (1 << 11) != 0;
        let code_locked = status & (1 << 12) != 0;
        let half_cycle_added = status & (1 << 28) != 0;
        let mut system = System::from_tracking(status)?;
        let mut code = signal_code(system, ((status >> 21) & 0x1F) as u8)?;
        let mut prn = if system == System::Glonass { obs.prn.checked_sub(37)? } else { obs.prn };
        if system == System::Sbas && (183..=191).contains(&prn) && code.to_string() == "1C" {
            (system, prn, code) = (System::Qzss, prn + 10, QZSS_L1S);
        }
        let prn = rinex_prn(system, prn)?;
        if system == System::Glonass && !parity_known {
            return None;
        }
        // RANGE gives the phase; RANGECMP's was unwrapped with the carrier's wavelength, for
        // GLONASS from the record's frequency channel (RTKLIB needs an ephemeris for it and
        // writes 0.000 without one).
        let mut phase = -obs.adr_cycles;
        let mut doppler = f64::from(obs.doppler_hz);
        let mut psr = obs.psr_m;

        let locktime = f64::from(obs.locktime_s);
        let mut lli = 0;
        if let Some((last_time, last_locktime)) = self.last.get(&(system, prn, code)) {
            let elapsed = time.seconds_since(*last_time);
            let saturated = obs.compressed && locktime >= LOCKTIME_MAX_S;
            if !saturated && locktime - last_locktime + 0.05 <= elapsed {
                lli |= LLI_SLIP;
            }
        }
        if !parity_known {
            lli |= LLI_HALFC;
        }
        if half_cycle_added {
            lli |= LLI_HALFA;
        }
        self.last.insert((system, prn, code), (time, locktime));

        if !code_locked {
            psr = 0.0;
        }
        if !phase_locked {
            phase = 0.0;
            doppler = 0.0;
        }
        // RTKLIB keeps C/N0 in units of 0.001 dB-Hz, rounded.
        let snr = (f64::from(obs.cn0_dbhz) / 0.001 + 0.5).floor().max(0.0) * 0.001;
        Some((system, prn, SignalObs { code, psr, phase, doppler, snr, lli }))
    }
}

/// Observation types: C, L, D, S.
const TYPES: [char; 4] = ['C', 'L', 'D', 'S'];

/// What the header needs from the whole export: each system's signals and which of their
/// observables are ever non-zero, and the first and last epoch. Gathered by a first pass.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scan {
    /// Per system, per code, a bit per entry of `TYPES` seen non-zero.
    pub signals: BTreeMap<System, Vec<(Code, u8)>>,
    pub first: Option<GpsTime>,
    pub last: Option<GpsTime>,
    pub epochs: u64,
}

impl Scan {
    pub fn add(&mut self, epoch: &Epoch) {
        if epoch.sats.is_empty() {
            return;
        }
        self.first.get_or_insert(epoch.time);
        self.last = Some(epoch.time);
        self.epochs += 1;
        for sat in &epoch.sats {
            let codes = self.signals.entry(sat.system).or_default();
            for s in &sat.signals {
                let types = u8::from(s.psr != 0.0)
                    | u8::from(s.phase != 0.0) << 1
                    | u8::from(s.doppler != 0.0) << 2
                    | u8::from(s.snr != 0.0) << 3;
                match codes.iter_mut().find(|(code, _)| *code == s.code) {
                    Some((_, seen)) => *seen |= types,
                    None => codes.push((s.code, types)),
                }
            }
        }
    }

    /// The observation types of each system, in the header's order.
    pub fn obs_types(&self) -> ObsTypes {
        let mut types = BTreeMap::new();
        for (&system, codes) in &self.signals {
            let mut codes = codes.clone();
            codes.sort_by_key(|(code, _)| code.sort_key(system));
            let list: Vec<(char, Code)> = codes
                .iter()
                .flat_map(|&(code, seen)| {
                    TYPES
                        .iter()
                        .enumerate()
                        .filter(move |(i, _)| seen & (1 << i) != 0)
                        .map(move |(_, &t)| (t, code))
                })
                .collect();
            if !list.is_empty() {
                types.insert(system, list);
            }
        }
        ObsTypes(types)
    }
}

/// Each system's observation types (`C1C`, `L1C`, ...), as the header lists them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObsTypes(pub BTreeMap<System, Vec<(char, Code)>>);

/// What the header says besides the observation types and times.
#[derive(Clone, Debug, Default)]
pub struct HeaderInfo {
    pub program: String,
    pub run_by: String,
    /// `yyyymmdd hhmmss UTC`.
    pub date: String,
    pub comments: Vec<String>,
    pub marker: String,
    /// Approximate position, ECEF metres, if known.
    pub position: Option<[f64; 3]>,
}

/// Writes the header. The first and last epoch come from `scan` (a first pass).
pub fn write_header(
    out: &mut impl Write,
    info: &HeaderInfo,
    scan: &Scan,
    types: &ObsTypes,
) -> io::Result<()> {
    let mut h = String::new();
    let kind = match types.0.keys().collect::<Vec<_>>()[..] {
        [System::Gps] => "G: GPS",
        [System::Glonass] => "R: GLONASS",
        [System::Galileo] => "E: Galileo",
        [System::Qzss] => "J: QZSS",
        [System::Beidou] => "C: BDS",
        [System::Navic] => "I: IRNSS",
        [System::Sbas] => "S: SBAS Payload",
        _ => "M: Mixed",
    };
    header_line(
        &mut h,
        &format!("{:9.2}{:11}{:<20}{:<20}", 3.04, "", "OBSERVATION DATA", kind),
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
    header_line(&mut h, &info.marker, "MARKER NAME");
    for label in ["MARKER NUMBER", "MARKER TYPE", "OBSERVER / AGENCY"] {
        header_line(&mut h, "", label);
    }
    header_line(&mut h, "", "REC # / TYPE / VERS");
    header_line(&mut h, "", "ANT # / TYPE");
    let [x, y, z] = info.position.unwrap_or_default();
    header_line(&mut h, &format!("{x:14.4}{y:14.4}{z:14.4}"), "APPROX POSITION XYZ");
    header_line(&mut h, &format!("{:14.4}{:14.4}{:14.4}", 0.0, 0.0, 0.0), "ANTENNA: DELTA H/E/N");
    for (system, list) in &types.0 {
        for (i, chunk) in list.chunks(13).enumerate() {
            let mut text = if i == 0 {
                format!("{}  {:3}", system.letter(), list.len())
            } else {
                " ".repeat(6)
            };
            for (t, code) in chunk {
                let _ = write!(text, " {t}{code}");
            }
            header_line(&mut h, &text, "SYS / # / OBS TYPES");
        }
    }
    if let Some(first) = scan.first {
        header_line(&mut h, &time_of_obs(first), "TIME OF FIRST OBS");
    }
    if let Some(last) = scan.last {
        header_line(&mut h, &time_of_obs(last), "TIME OF LAST OBS");
    }
    // No phase shift is applied: RTKLIB's lines, the first phase of a system with the
    // correction blank, the others with 0.
    for (system, list) in &types.0 {
        for (i, (_, code)) in list.iter().filter(|(t, _)| *t == 'L').enumerate() {
            let text = if i == 0 {
                format!("{} L{code}", system.letter())
            } else {
                format!("{} L{code} {:8.5}", system.letter(), 0.0)
            };
            header_line(&mut h, &text, "SYS / PHASE SHIFT");
        }
    }
    if types.0.contains_key(&System::Glonass) {
        header_line(&mut h, &format!("{:3}", 0), "GLONASS SLOT / FRQ #");
        let biases: String =
            ["C1C", "C1P", "C2C", "C2P"].iter().map(|c| format!(" {c} {:8.3}", 0.0)).collect();
        header_line(&mut h, &biases, "GLONASS COD/PHS/BIS");
    }
    header_line(&mut h, "", "END OF HEADER");
    out.write_all(h.as_bytes())
}

fn time_of_obs(time: GpsTime) -> String {
    let (y, mo, d, hh, mm, ms) = time.calendar();
    format!(
        "  {y:04}    {mo:02}    {d:02}    {hh:02}    {mm:02}   {:02}.{:03}0000     {:<12}",
        ms / 1000,
        ms % 1000,
        "GPS"
    )
}

/// Writes one epoch (flag 0) with its satellites' observables in the header's order. With
/// `ssi`, code and phase get a signal strength digit from C/N0 (RINEX 3.04 5.7: 1 below 12
/// dB-Hz, 9 from 54, 6 dB-Hz per step); RTKLIB leaves it blank.
pub fn write_epoch(
    out: &mut impl Write,
    epoch: &Epoch,
    types: &ObsTypes,
    ssi: bool,
) -> io::Result<()> {
    let sats: Vec<&SatObs> =
        epoch.sats.iter().filter(|s| types.0.contains_key(&s.system)).collect();
    if sats.is_empty() {
        return Ok(());
    }
    let (y, mo, d, hh, mm, ms) = epoch.time.calendar();
    let mut text = format!(
        "> {y:04} {mo:02} {d:02} {hh:02} {mm:02} {:02}.{:03}0000  0{:3}{:21}\n",
        ms / 1000,
        ms % 1000,
        sats.len(),
        ""
    );
    for sat in sats {
        let _ = write!(text, "{}{:02}", sat.system.letter(), sat.prn);
        for &(t, code) in &types.0[&sat.system] {
            let Some(s) = sat.signals.iter().find(|s| s.code == code) else {
                text.push_str(&" ".repeat(16));
                continue;
            };
            let value = match t {
                'C' => s.psr,
                'L' => s.phase,
                'D' => s.doppler,
                _ => s.snr,
            };
            if value == 0.0 || value.abs() >= 1e9 {
                text.push_str(&" ".repeat(14));
            } else {
                let _ = write!(text, "{value:14.3}");
            }
            let lli = if t == 'L' { s.lli & (LLI_SLIP | LLI_HALFC) } else { 0 };
            text.push(if lli == 0 { ' ' } else { char::from(b'0' + lli) });
            let strength = (ssi && matches!(t, 'C' | 'L') && value != 0.0 && s.snr > 0.0)
                .then(|| (s.snr / 6.0).floor().clamp(1.0, 9.0) as u8);
            text.push(strength.map_or(' ', |n| char::from(b'0' + n)));
        }
        text.push('\n');
    }
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(locktime_s: f32, status: u32) -> RawObs {
        RawObs {
            prn: 4,
            glofreq: 0,
            psr_m: 21_491_230.859,
            adr_cycles: -111_560_708.203_125,
            doppler_hz: 2814.695,
            cn0_dbhz: 50.0,
            locktime_s,
            tracking_status: status,
            compressed: true,
        }
    }

    fn epoch(second: i64, obs: Vec<RawObs>) -> RawEpoch {
        RawEpoch { time: GpsTime::from_ms(1_000 * second), obs }
    }

    #[test]
    fn slips_when_lock_time_does_not_grow_with_elapsed_time() {
        let mut c = Converter::new();
        let status = 0x1810_9C04;
        let lli = |e: &Epoch| e.sats[0].signals[0].lli & 3;
        assert_eq!(lli(&c.convert(&epoch(10, vec![obs(100.0, status)]))), LLI_SLIP, "first");
        assert_eq!(lli(&c.convert(&epoch(11, vec![obs(101.0, status)]))), 0);
        assert_eq!(lli(&c.convert(&epoch(12, vec![obs(0.5, status)]))), LLI_SLIP, "reset");
        assert_eq!(lli(&c.convert(&epoch(14, vec![obs(2.5, status)]))), 0, "gap, lock kept");
        // Parity unknown (bit 11 clear): half-cycle ambiguity flag.
        let e = c.convert(&epoch(15, vec![obs(3.5, status & !(1 << 11))]));
        assert_eq!(lli(&e), LLI_HALFC);
    }

    #[test]
    fn phase_sign_and_unlocked_values() {
        let mut c = Converter::new();
        let e = c.convert(&epoch(10, vec![obs(100.0, 0x1810_9C04)]));
        let s = e.sats[0].signals[0];
        assert_eq!(
            (e.sats[0].system, e.sats[0].prn, s.code.to_string()),
            (System::Gps, 4, "1C".into())
        );
        assert_eq!(s.phase, 111_560_708.203_125);
        // Phase lock (bit 10) lost: no phase, no Doppler.
        let e = c.convert(&epoch(11, vec![obs(101.0, 0x1810_9C04 & !(1 << 10))]));
        let s = e.sats[0].signals[0];
        assert_eq!((s.phase, s.doppler), (0.0, 0.0));
        assert!(s.psr > 0.0);
    }

    #[test]
    fn epoch_record_with_signal_strength() {
        let mut c = Converter::new();
        let e = c.convert(&epoch(10, vec![obs(100.0, 0x1810_9C04)]));
        let mut scan = Scan::default();
        scan.add(&e);
        let types = scan.obs_types();
        let mut out = Vec::new();
        write_epoch(&mut out, &e, &types, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        // 50 dB-Hz: strength 8 after code and phase; the phase flagged as a slip (first epoch).
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "G04  21491230.859 8 111560708.20318      2814.695          50.000  "
        );
    }
}

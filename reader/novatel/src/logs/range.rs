//! Satellite observations: RANGE, and RANGECMP decompressed into the same observations.

use serde::Serialize;

use crate::error::FieldError;
use crate::field::{BinReader, Field, Hex, TextReader, log_struct};

log_struct! {
    /// RANGE (43): one observation per tracked signal.
    pub struct Range {
        pub obs: Vec<Observation>,
    }
}

log_struct! {
    /// One RANGE observation.
    pub struct Observation {
        /// Satellite PRN (GLONASS: slot + 37).
        pub prn: u16,
        /// GLONASS frequency channel + 7; 0 for other systems.
        pub glofreq: u16,
        /// Pseudorange, metres.
        pub psr: f64,
        pub psr_sigma: f32,
        /// Carrier phase (accumulated Doppler range), cycles.
        pub adr: f64,
        pub adr_sigma: f32,
        /// Instantaneous carrier Doppler, Hz.
        pub dopp: f32,
        /// Carrier to noise density ratio, dB-Hz.
        pub cn0: f32,
        /// Seconds of continuous tracking.
        pub locktime: f32,
        pub tracking_status: Hex<u32>,
    }
}

impl Observation {
    pub fn tracking(&self) -> TrackingStatus {
        TrackingStatus(self.tracking_status.0)
    }
}

/// RANGECMP (140): RANGE with each observation packed into 24 bytes. Kept as received, so that
/// it encodes back to the same bytes; [`RangeCmp::decompress`] gives RANGE observations, and that
/// is what it serialises as.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct RangeCmp {
    pub obs: Vec<CompressedObservation>,
}

impl RangeCmp {
    /// The observations in RANGE's units, with the carrier phase's 2^23-cycle roll-over undone.
    pub fn decompress(&self) -> Range {
        Range { obs: self.obs.iter().map(CompressedObservation::decompress).collect() }
    }
}

impl Serialize for RangeCmp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.decompress().serialize(s)
    }
}

impl Field for RangeCmp {
    const BINARY_LEN: usize = 4;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        Vec::read_binary(r).map(|obs| RangeCmp { obs })
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        self.obs.write_binary(out);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        Vec::read_text(r).map(|obs| RangeCmp { obs })
    }
}

/// Pseudorange standard deviations, metres, indexed by RANGECMP's 4-bit code.
const PSR_SIGMA: [f32; 16] = [
    0.050, 0.075, 0.113, 0.169, 0.253, 0.380, 0.570, 0.854, 1.281, 2.375, 4.750, 9.500, 19.000,
    38.000, 76.000, 152.000,
];
/// The compressed carrier phase is a signed 32-bit count of 1/256 cycles: it wraps every 2^23.
const ADR_ROLLOVER_CYCLES: f64 = 8_388_608.0;

/// One 24-byte RANGECMP record, its bit fields as raw integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CompressedObservation {
    pub tracking_status: u32,
    /// Doppler, 1/256 Hz (28-bit signed).
    pub doppler: i32,
    /// Pseudorange, 1/128 m (36-bit).
    pub psr: u64,
    /// Carrier phase modulo 2^23 cycles, 1/256 cycles.
    pub adr: i32,
    /// Index into the pseudorange standard deviation table (4-bit).
    pub psr_sigma: u8,
    /// Carrier phase standard deviation code: (n + 1) / 512 cycles (4-bit).
    pub adr_sigma: u8,
    pub prn: u8,
    /// Lock time, 1/32 s (21-bit).
    pub locktime: u32,
    /// C/N0 - 20 dB-Hz (5-bit).
    pub cn0: u8,
    /// GLONASS frequency channel + 7 (6-bit; 0 on receivers that leave it reserved).
    pub glofreq: u8,
    /// Reserved bits 176-191.
    pub reserved: u16,
}

const RECORD_LEN: usize = 24;

fn sign_extend(value: u64, bits: u32) -> i64 {
    let shift = 64 - bits;
    ((value << shift) as i64) >> shift
}

fn mask(bits: u32) -> u64 {
    (1 << bits) - 1
}

impl CompressedObservation {
    fn from_bytes(b: &[u8; RECORD_LEN]) -> Self {
        let lo = u128::from_le_bytes(b[..16].try_into().unwrap_or_default());
        let hi = u64::from_le_bytes(b[16..].try_into().unwrap_or_default());
        let bits = |from: u32, width: u32| ((lo >> from) as u64) & mask(width);
        CompressedObservation {
            tracking_status: bits(0, 32) as u32,
            doppler: sign_extend(bits(32, 28), 28) as i32,
            psr: bits(60, 36),
            adr: bits(96, 32) as u32 as i32,
            psr_sigma: (hi & mask(4)) as u8,
            adr_sigma: ((hi >> 4) & mask(4)) as u8,
            prn: ((hi >> 8) & mask(8)) as u8,
            locktime: ((hi >> 16) & mask(21)) as u32,
            cn0: ((hi >> 37) & mask(5)) as u8,
            glofreq: ((hi >> 42) & mask(6)) as u8,
            reserved: (hi >> 48) as u16,
        }
    }

    /// The record's bytes; fields wider than their bit width are cut to it.
    pub fn to_bytes(&self) -> [u8; RECORD_LEN] {
        let lo = u128::from(self.tracking_status)
            | u128::from(self.doppler as u32 as u64 & mask(28)) << 32
            | u128::from(self.psr & mask(36)) << 60
            | u128::from(self.adr as u32) << 96;
        let hi = u64::from(self.psr_sigma) & mask(4)
            | (u64::from(self.adr_sigma) & mask(4)) << 4
            | u64::from(self.prn) << 8
            | (u64::from(self.locktime) & mask(21)) << 16
            | (u64::from(self.cn0) & mask(5)) << 37
            | (u64::from(self.glofreq) & mask(6)) << 42
            | u64::from(self.reserved) << 48;
        let mut out = [0; RECORD_LEN];
        out[..16].copy_from_slice(&lo.to_le_bytes());
        out[16..].copy_from_slice(&hi.to_le_bytes());
        out
    }

    pub fn psr_m(&self) -> f64 {
        self.psr as f64 / 128.0
    }

    pub fn doppler_hz(&self) -> f32 {
        self.doppler as f32 / 256.0
    }

    /// The carrier phase in cycles. The record keeps it modulo 2^23 cycles; the whole value is
    /// the one closest to minus the pseudorange in cycles (carrier phase and pseudorange move
    /// together), which needs the signal's wavelength. Without one the wrapped value is returned.
    pub fn adr_cycles(&self) -> f64 {
        let wrapped = f64::from(self.adr) / 256.0;
        match self.tracking().wavelength_m(self.glofreq) {
            Some(wavelength) => {
                let rollovers =
                    ((wrapped + self.psr_m() / wavelength) / ADR_ROLLOVER_CYCLES).round();
                wrapped - rollovers * ADR_ROLLOVER_CYCLES
            }
            None => wrapped,
        }
    }

    pub fn tracking(&self) -> TrackingStatus {
        TrackingStatus(self.tracking_status)
    }

    /// Packs a RANGE observation as a receiver logging RANGECMP would: each field rounded to its
    /// resolution and clamped to its range, the carrier phase taken modulo 2^23 cycles, the
    /// standard deviations to the nearest code.
    pub fn compress(obs: &Observation) -> Self {
        let round = |value: f64, scale: f64, bits: u32| -> i64 {
            let max = (1i64 << (bits - 1)) - 1;
            ((value * scale).round() as i64).clamp(-max - 1, max)
        };
        let adr_wrapped = obs.adr.rem_euclid(ADR_ROLLOVER_CYCLES);
        let adr_wrapped = if adr_wrapped >= ADR_ROLLOVER_CYCLES / 2.0 {
            adr_wrapped - ADR_ROLLOVER_CYCLES
        } else {
            adr_wrapped
        };
        CompressedObservation {
            tracking_status: obs.tracking_status.0,
            doppler: round(f64::from(obs.dopp), 256.0, 28) as i32,
            psr: ((obs.psr * 128.0).round().max(0.0) as u64).min(mask(36)),
            adr: round(adr_wrapped, 256.0, 32) as i32,
            psr_sigma: (0..PSR_SIGMA.len())
                .min_by(|&a, &b| {
                    let distance = |i: usize| (PSR_SIGMA[i] - obs.psr_sigma).abs();
                    distance(a).total_cmp(&distance(b))
                })
                .unwrap_or(0) as u8,
            adr_sigma: ((f64::from(obs.adr_sigma) * 512.0).round() as i64 - 1).clamp(0, 15) as u8,
            prn: obs.prn.min(255) as u8,
            locktime: ((f64::from(obs.locktime) * 32.0) as u64).min(mask(21)) as u32,
            cn0: (obs.cn0.round() - 20.0).clamp(0.0, 31.0) as u8,
            glofreq: obs.glofreq.min(63) as u8,
            reserved: 0,
        }
    }

    /// The observation in RANGE's units.
    pub fn decompress(&self) -> Observation {
        Observation {
            prn: u16::from(self.prn),
            glofreq: u16::from(self.glofreq),
            psr: self.psr_m(),
            psr_sigma: PSR_SIGMA[usize::from(self.psr_sigma & 0xF)],
            adr: self.adr_cycles(),
            adr_sigma: f32::from(self.adr_sigma + 1) / 512.0,
            dopp: self.doppler_hz(),
            cn0: 20.0 + f32::from(self.cn0),
            locktime: self.locktime as f32 / 32.0,
            tracking_status: Hex(self.tracking_status),
        }
    }
}

#[cfg(test)]
impl proptest::arbitrary::Arbitrary for CompressedObservation {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    /// Any 24 bytes are a record.
    fn arbitrary_with((): ()) -> Self::Strategy {
        use proptest::strategy::Strategy;
        proptest::arbitrary::any::<[u8; RECORD_LEN]>().prop_map(|b| Self::from_bytes(&b)).boxed()
    }
}

impl Field for CompressedObservation {
    const BINARY_LEN: usize = RECORD_LEN;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        Ok(Self::from_bytes(&r.take()?))
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bytes());
    }
    /// RANGECMPA prints each record as the hexadecimal of its 24 bytes.
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let token = r.token()?;
        let mut bytes = [0; RECORD_LEN];
        let valid = token.len() == 2 * RECORD_LEN
            && bytes.iter_mut().enumerate().all(|(i, byte)| {
                let parsed =
                    token.get(2 * i..2 * i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok());
                parsed.map(|v| *byte = v).is_some()
            });
        if !valid {
            return Err(r.invalid(token, "48 hexadecimal digits"));
        }
        Ok(Self::from_bytes(&bytes))
    }
}

/// The channel tracking status word of RANGE and RANGECMP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackingStatus(pub u32);

/// A GNSS constellation as the tracking status codes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Constellation {
    Gps,
    Glonass,
    Sbas,
    Galileo,
    Beidou,
    Qzss,
    Navic,
    Other,
}

impl Constellation {
    pub fn as_str(self) -> &'static str {
        match self {
            Constellation::Gps => "GPS",
            Constellation::Glonass => "GLONASS",
            Constellation::Sbas => "SBAS",
            Constellation::Galileo => "GALILEO",
            Constellation::Beidou => "BEIDOU",
            Constellation::Qzss => "QZSS",
            Constellation::Navic => "NAVIC",
            Constellation::Other => "OTHER",
        }
    }
}

impl TrackingStatus {
    /// Tracking state (bits 0-4).
    pub fn tracking_state(self) -> u8 {
        (self.0 & 0x1F) as u8
    }

    /// Phase lock (bit 10).
    pub fn phase_locked(self) -> bool {
        self.0 & (1 << 10) != 0
    }

    /// Code lock (bit 12).
    pub fn code_locked(self) -> bool {
        self.0 & (1 << 12) != 0
    }

    /// Satellite system (bits 16-18).
    pub fn constellation(self) -> Constellation {
        match (self.0 >> 16) & 0x7 {
            0 => Constellation::Gps,
            1 => Constellation::Glonass,
            2 => Constellation::Sbas,
            3 => Constellation::Galileo,
            4 => Constellation::Beidou,
            5 => Constellation::Qzss,
            6 => Constellation::Navic,
            _ => Constellation::Other,
        }
    }

    /// Signal type (bits 21-25), meaning depends on the constellation.
    pub fn signal_type(self) -> u8 {
        ((self.0 >> 21) & 0x1F) as u8
    }

    /// NovAtel's name of the signal, e.g. `L1CA`, `L2P`, `E5A`.
    pub fn signal_name(self) -> Option<&'static str> {
        self.signal().map(|s| s.0)
    }

    /// Carrier wavelength in metres; GLONASS needs its frequency channel + 7.
    pub fn wavelength_m(self, glofreq: u8) -> Option<f64> {
        const C: f64 = 299_792_458.0;
        let (_, hz) = self.signal()?;
        let channel = f64::from(glofreq) - 7.0;
        let hz = match hz {
            Carrier::Fixed(hz) => hz,
            Carrier::GlonassL1 => 1_602.0e6 + channel * 0.5625e6,
            Carrier::GlonassL2 => 1_246.0e6 + channel * 0.4375e6,
        };
        Some(C / hz)
    }

    fn signal(self) -> Option<(&'static str, Carrier)> {
        use Carrier::Fixed;
        const L1: Carrier = Fixed(1_575.42e6);
        const L2: Carrier = Fixed(1_227.60e6);
        const L5: Carrier = Fixed(1_176.45e6);
        const E5B: Carrier = Fixed(1_207.14e6);
        const E6: Carrier = Fixed(1_278.75e6);
        Some(match (self.constellation(), self.signal_type()) {
            (Constellation::Gps, 0) => ("L1CA", L1),
            (Constellation::Gps, 5) => ("L2P", L2),
            (Constellation::Gps, 9) => ("L2PY", L2),
            (Constellation::Gps, 14) => ("L5Q", L5),
            (Constellation::Gps, 16) => ("L1CP", L1),
            (Constellation::Gps, 17) => ("L2CM", L2),
            (Constellation::Glonass, 0) => ("L1CA", Carrier::GlonassL1),
            (Constellation::Glonass, 1) => ("L2CA", Carrier::GlonassL2),
            (Constellation::Glonass, 5) => ("L2P", Carrier::GlonassL2),
            (Constellation::Glonass, 6) => ("L3Q", Fixed(1_202.025e6)),
            (Constellation::Sbas, 0) => ("L1CA", L1),
            (Constellation::Sbas, 6) => ("L5I", L5),
            (Constellation::Galileo, 2) => ("E1C", L1),
            (Constellation::Galileo, 6) => ("E6B", E6),
            (Constellation::Galileo, 7) => ("E6C", E6),
            (Constellation::Galileo, 12) => ("E5AQ", L5),
            (Constellation::Galileo, 17) => ("E5BQ", E5B),
            (Constellation::Galileo, 20) => ("E5ALTBOCQ", Fixed(1_191.795e6)),
            (Constellation::Beidou, 0 | 4) => ("B1I", Fixed(1_561.098e6)),
            (Constellation::Beidou, 1 | 5) => ("B2I", E5B),
            (Constellation::Beidou, 2 | 6) => ("B3I", Fixed(1_268.52e6)),
            (Constellation::Beidou, 7) => ("B1CP", L1),
            (Constellation::Beidou, 9) => ("B2AP", L5),
            (Constellation::Beidou, 11) => ("B2BI", E5B),
            (Constellation::Qzss, 0) => ("L1CA", L1),
            (Constellation::Qzss, 14) => ("L5Q", L5),
            (Constellation::Qzss, 16) => ("L1CP", L1),
            (Constellation::Qzss, 17) => ("L2CM", L2),
            (Constellation::Qzss, 27) => ("L6P", E6),
            (Constellation::Navic, 0) => ("L5SPS", L5),
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug)]
enum Carrier {
    Fixed(f64),
    GlonassL1,
    GlonassL2,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_bits_round_trip() {
        let obs = CompressedObservation {
            tracking_status: 0x1810_9C04,
            doppler: -(1 << 27),
            psr: (1 << 36) - 1,
            adr: i32::MIN,
            psr_sigma: 15,
            adr_sigma: 15,
            prn: 255,
            locktime: (1 << 21) - 1,
            cn0: 31,
            glofreq: 63,
            reserved: 0xBEEF,
        };
        assert_eq!(CompressedObservation::from_bytes(&obs.to_bytes()), obs);
        let zero = CompressedObservation::default();
        assert_eq!(CompressedObservation::from_bytes(&zero.to_bytes()), zero);
    }

    #[test]
    fn compress_inverts_decompress_for_real_records() {
        // The first record of test2_rcvr1.dat, as NovAtel's decompression printed it.
        let obs = Observation {
            prn: 4,
            glofreq: 0,
            psr: 21_491_230.859,
            psr_sigma: 0.050,
            adr: -111_560_708.203_125,
            adr_sigma: 0.006,
            dopp: 2814.695,
            cn0: 50.0,
            locktime: 1787.0625,
            tracking_status: Hex(0x1810_9C04),
        };
        let back = CompressedObservation::compress(&obs).decompress();
        assert!((back.psr - obs.psr).abs() <= 1.0 / 256.0);
        assert!((back.adr - obs.adr).abs() <= 1.0 / 512.0);
        assert!((back.dopp - obs.dopp).abs() <= 1.0 / 512.0);
        assert_eq!(
            (back.prn, back.cn0, back.locktime, back.psr_sigma),
            (4, 50.0, 1787.0625, 0.050)
        );
        assert!((back.adr_sigma - 3.0 / 512.0).abs() < 1e-9);
    }

    #[test]
    fn tracking_status_fields() {
        // First observation of test2_rcvr1.dat: GPS L1 C/A, phase and code locked.
        let t = TrackingStatus(0x1810_9C04);
        assert_eq!(t.constellation(), Constellation::Gps);
        assert_eq!(t.signal_name(), Some("L1CA"));
        assert!(t.phase_locked() && t.code_locked());
        assert_eq!(TrackingStatus(0x1130_9C0B).signal_name(), Some("L2PY"));
    }
}

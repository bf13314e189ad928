//! Satellite geometry and use: PSRDOP2, SATVIS2, BESTSATS.

use serde::Serialize;

use crate::enums::{Bool, ObservationStatus, SatelliteSystem, TimingSystem};
use crate::error::FieldError;
use crate::field::{BinReader, Field, Hex, TextReader, log_struct};

log_struct! {
    /// PSRDOP2 (1163): dilution of precision of the pseudorange solution.
    pub struct PsrDop2 {
        pub gdop: f32,
        pub pdop: f32,
        pub hdop: f32,
        pub vdop: f32,
        pub systems: Vec<SystemTdop>,
    }
}

log_struct! {
    /// Time DOP of one system in PSRDOP2.
    pub struct SystemTdop {
        pub system: TimingSystem,
        pub tdop: f32,
    }
}

log_struct! {
    /// SATVIS2 (1043): satellites of one system that should be visible (one log per system).
    pub struct SatVis2 {
        pub system: SatelliteSystem,
        pub sat_vis: Bool,
        pub complete_almanac: Bool,
        pub satellites: Vec<VisibleSatellite>,
    }
}

log_struct! {
    /// One SATVIS2 satellite.
    pub struct VisibleSatellite {
        pub id: SatelliteId,
        pub health: u32,
        /// Degrees.
        pub elev: f64,
        /// Degrees.
        pub az: f64,
        /// Theoretical Doppler, Hz.
        pub true_dop: f64,
        /// Apparent Doppler for this receiver, Hz.
        pub app_dop: f64,
    }
}

log_struct! {
    /// BESTSATS (1194): satellites used in the best solution, or why not.
    pub struct BestSats {
        pub satellites: Vec<SatelliteUse>,
    }
}

log_struct! {
    /// One BESTSATS entry.
    pub struct SatelliteUse {
        pub system: SatelliteSystem,
        pub id: SatelliteId,
        pub status: ObservationStatus,
        /// Signals used, one bit per signal of the system.
        pub signal_mask: Hex<u32>,
    }
}

/// A satellite: PRN (GLONASS: slot) and, for GLONASS, the frequency channel. Binary keeps the
/// PRN in the low 16 bits and the signed channel in the high 16; text prints `18-3`, `19+3` or
/// just `29`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct SatelliteId {
    pub prn: u16,
    pub channel: i16,
}

impl Field for SatelliteId {
    const BINARY_LEN: usize = 4;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        let raw = u32::read_binary(r)?;
        Ok(SatelliteId { prn: raw as u16, channel: (raw >> 16) as u16 as i16 })
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        (u32::from(self.prn) | u32::from(self.channel as u16) << 16).write_binary(out);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let token = r.token()?;
        let (prn, channel) = match token.find(['+', '-']) {
            Some(sign) => (&token[..sign], token[sign..].trim_start_matches('+')),
            None => (token, "0"),
        };
        match (prn.parse(), channel.parse()) {
            (Ok(prn), Ok(channel)) => Ok(SatelliteId { prn, channel }),
            _ => Err(r.invalid(token, "a satellite id such as 29 or 18-3")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glonass_ids() {
        let mut r = TextReader::ascii(b"18-3,19+3,29").unwrap();
        let ids: Vec<_> = (0..3).map(|_| SatelliteId::read_text(&mut r).unwrap()).collect();
        assert_eq!(
            ids,
            [
                SatelliteId { prn: 18, channel: -3 },
                SatelliteId { prn: 19, channel: 3 },
                SatelliteId { prn: 29, channel: 0 }
            ]
        );
        let mut out = Vec::new();
        ids[0].write_binary(&mut out);
        assert_eq!(out, [18, 0, 0xFD, 0xFF]);
        assert_eq!(SatelliteId::read_binary(&mut BinReader::new(&out)).unwrap(), ids[0]);
    }
}

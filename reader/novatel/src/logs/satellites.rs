//! Satellite geometry, use and tracking: PSRDOP, PSRDOP2 (and RTKDOP2), SATVIS, SATVIS2,
//! BESTSATS, TRACKSTAT.

use serde::Serialize;

use crate::enums::{Bool, ObservationStatus, PosType, SatelliteSystem, SolStatus, TimingSystem};
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

log_struct! {
    /// PSRDOP (174): dilution of precision of the pseudorange solution, with the satellites used.
    pub struct PsrDop {
        pub gdop: f32,
        pub pdop: f32,
        pub hdop: f32,
        /// Horizontal and time DOP.
        pub htdop: f32,
        /// GPS time DOP.
        pub tdop: f32,
        /// Elevation cut-off angle, degrees.
        pub cutoff: f32,
        /// PRNs of the satellites used.
        pub prns: Vec<u32>,
    }
}

log_struct! {
    /// SATVIS (48): satellites that should be visible, from the almanac.
    pub struct SatVis {
        pub sat_vis: Bool,
        pub comp_alm: Bool,
        pub satellites: Vec<SatVisEntry>,
    }
}

log_struct! {
    /// One SATVIS satellite.
    pub struct SatVisEntry {
        /// PRN, or GLONASS slot.
        pub prn: u16,
        /// GLONASS frequency channel (reserved on older receivers); a `UShort` in NovAtel's
        /// database.
        pub glofreq: u16,
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
    /// TRACKSTAT (83): tracking state of every receiver channel, with the pseudorange filter's
    /// verdict on each.
    pub struct TrackStat {
        pub sol_status: SolStatus,
        pub pos_type: PosType,
        /// Elevation cut-off angle, degrees.
        pub cutoff: f32,
        pub channels: Vec<TrackChannel>,
    }
}

log_struct! {
    /// One TRACKSTAT channel; PRN 0 marks an idle channel (GLONASS: tracking state 0).
    pub struct TrackChannel {
        /// PRN, or GLONASS slot.
        pub prn: u16,
        /// GLONASS frequency channel + 7 (a `UShort` in NovAtel's database).
        pub glofreq: u16,
        /// Channel tracking status word (as in RANGE).
        pub ch_tr_status: Hex<u32>,
        /// Pseudorange, m.
        pub psr: f64,
        /// Doppler, Hz.
        pub doppler: f32,
        /// Carrier to noise density ratio, dB-Hz.
        pub c_no: f32,
        /// Seconds of continuous tracking.
        pub locktime: f32,
        /// Pseudorange residual of the pseudorange filter, m.
        pub psr_res: f32,
        /// Why the pseudorange filter rejected the range, or GOOD.
        pub reject: ObservationStatus,
        /// Pseudorange filter weight.
        pub psr_weight: f32,
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

    /// The SATVIS example of NovAtel's EuroPak-15a manual (section 6.3.10), its four printed
    /// satellites before the `...` and the last one, the count lowered to match.
    #[test]
    fn satvis_manual_excerpt() {
        let body = b"TRUE,TRUE,5,14,0,0,74.5,267.4,458.2,458.926672761,\
25,0,0,61.3,73.7,-1252.6,-1251.902056196,1,0,0,55.9,277.4,1799.2,1799.897879028,\
16,0,0,33.6,305.9,2874.8,2875.534296744,26,0,0,-82.0,114.8,-188.9,-188.237459086";
        let vis = SatVis::read_text(&mut TextReader::ascii(body).unwrap()).unwrap();
        assert_eq!((vis.sat_vis, vis.comp_alm, vis.satellites.len()), (Bool::TRUE, Bool::TRUE, 5));
        let last = &vis.satellites[4];
        assert_eq!((last.prn, last.glofreq, last.health), (26, 0, 0));
        assert_eq!(
            (last.elev, last.az, last.true_dop, last.app_dop),
            (-82.0, 114.8, -188.9, -188.237459086)
        );
        let mut out = Vec::new();
        vis.write_binary(&mut out);
        assert_eq!(out.len(), 12 + 5 * 40);
        assert_eq!(SatVis::read_binary(&mut BinReader::new(&out)).unwrap(), vis);
    }

    /// The body of a PSRDOPA log quoted in public parser code (its CRC checks): the manual's
    /// PSRDOP page was not available.
    #[test]
    fn psrdop_body() {
        let body = b"10.2780,10.2210,10.1340,10.1920,1.0800,5.0,4,7,18,6,14";
        let dop = PsrDop::read_text(&mut TextReader::ascii(body).unwrap()).unwrap();
        assert_eq!((dop.gdop, dop.htdop, dop.tdop, dop.cutoff), (10.278, 10.192, 1.08, 5.0));
        assert_eq!(dop.prns, [7, 18, 6, 14]);
        let mut out = Vec::new();
        dop.write_binary(&mut out);
        assert_eq!(out.len(), 28 + 4 * 4);
    }

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

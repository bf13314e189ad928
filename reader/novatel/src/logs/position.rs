//! Position, velocity, baseline and heading solutions: BESTPOS, PSRPOS, RTKPOS, MATCHEDPOS,
//! PPPPOS, BESTGNSSPOS, BESTXYZ, PSRXYZ, RTKXYZ, BESTUTM, BESTVEL, PSRVEL, RTKVEL, BESTGNSSVEL,
//! BSLNXYZ, HEADING2, DUALANTENNAHEADING, MATCHEDXYZ.

use serde::Serialize;

use crate::enums::{Datum, PosType, SolStatus};
use crate::error::FieldError;
use crate::field::{BinReader, Field, Hex, Text, TextReader, log_struct};

log_struct! {
    /// BESTPOS (42), PSRPOS (47), MATCHEDPOS (96), RTKPOS (141), BESTGNSSPOS (1429) and PPPPOS
    /// (1538): geodetic position.
    pub struct Position {
        pub sol_status: SolStatus,
        pub pos_type: PosType,
        /// Latitude, degrees.
        pub lat: f64,
        /// Longitude, degrees.
        pub lon: f64,
        /// Height above mean sea level, metres.
        pub hgt: f64,
        /// Geoid undulation, metres.
        pub undulation: f32,
        pub datum: Datum,
        pub lat_sigma: f32,
        pub lon_sigma: f32,
        pub hgt_sigma: f32,
        /// Base station id.
        pub stn_id: Text<4>,
        /// Differential age, seconds.
        pub diff_age: f32,
        /// Solution age, seconds.
        pub sol_age: f32,
        /// Satellites tracked.
        pub num_svs: u8,
        /// Satellites used in the solution.
        pub num_soln_svs: u8,
        pub num_soln_l1_svs: u8,
        pub num_soln_multi_svs: u8,
        pub reserved: Hex<u8>,
        pub ext_sol_stat: Hex<u8>,
        pub gal_bds_sig_mask: Hex<u8>,
        pub gps_glo_sig_mask: Hex<u8>,
    }
}

log_struct! {
    /// BESTXYZ (241), PSRXYZ (243) and RTKXYZ (244): ECEF position and velocity. (MATCHEDXYZ has
    /// no velocity part and another layout.)
    pub struct Xyz {
        pub p_sol_status: SolStatus,
        pub pos_type: PosType,
        pub p_x: f64,
        pub p_y: f64,
        pub p_z: f64,
        pub p_x_sigma: f32,
        pub p_y_sigma: f32,
        pub p_z_sigma: f32,
        pub v_sol_status: SolStatus,
        pub vel_type: PosType,
        pub v_x: f64,
        pub v_y: f64,
        pub v_z: f64,
        pub v_x_sigma: f32,
        pub v_y_sigma: f32,
        pub v_z_sigma: f32,
        pub stn_id: Text<4>,
        /// Velocity latency, seconds.
        pub v_latency: f32,
        pub diff_age: f32,
        pub sol_age: f32,
        pub num_svs: u8,
        pub num_soln_svs: u8,
        pub num_ggl1: u8,
        pub num_soln_multi_svs: u8,
        /// Reserved: a decimal `Char` in NovAtel's database.
        pub reserved: u8,
        pub ext_sol_stat: Hex<u8>,
        pub gal_bds_sig_mask: Hex<u8>,
        pub gps_glo_sig_mask: Hex<u8>,
    }
}

log_struct! {
    /// MATCHEDXYZ (242): the RTK position computed from matched observations, ECEF, without
    /// velocity. Layout of NovAtel's decoder database (MATCHEDXYZ definition 7547).
    pub struct MatchedXyz {
        pub sol_status: SolStatus,
        pub pos_type: PosType,
        pub x: f64,
        pub y: f64,
        pub z: f64,
        pub x_sigma: f32,
        pub y_sigma: f32,
        pub z_sigma: f32,
        pub stn_id: Text<4>,
        pub num_svs: u8,
        pub num_soln_svs: u8,
        pub num_ggl1: u8,
        pub num_soln_multi_svs: u8,
        /// Reserved: a decimal `Char` in NovAtel's database.
        pub reserved: u8,
        pub ext_sol_stat: Hex<u8>,
        pub gal_bds_sig_mask: Hex<u8>,
        pub gps_glo_sig_mask: Hex<u8>,
    }
}

log_struct! {
    /// BESTUTM (726): position in UTM coordinates.
    pub struct Utm {
        pub sol_status: SolStatus,
        pub pos_type: PosType,
        pub zone_number: u32,
        pub zone_letter: ZoneLetter,
        pub northing: f64,
        pub easting: f64,
        pub hgt: f64,
        pub undulation: f32,
        pub datum: Datum,
        pub northing_sigma: f32,
        pub easting_sigma: f32,
        pub hgt_sigma: f32,
        pub stn_id: Text<4>,
        pub diff_age: f32,
        pub sol_age: f32,
        pub num_svs: u8,
        pub num_soln_svs: u8,
        pub num_ggl1: u8,
        pub num_soln_multi_svs: u8,
        /// Reserved: a decimal `Char` in NovAtel's database.
        pub reserved: u8,
        pub ext_sol_stat: Hex<u8>,
        pub gal_bds_sig_mask: Hex<u8>,
        pub gps_glo_sig_mask: Hex<u8>,
    }
}

log_struct! {
    /// BESTVEL (99), PSRVEL (100), RTKVEL (216) and BESTGNSSVEL (1430): horizontal and vertical
    /// velocity.
    pub struct Velocity {
        pub sol_status: SolStatus,
        pub vel_type: PosType,
        /// Latency of the velocity time tag, seconds.
        pub latency: f32,
        /// Differential age, seconds.
        pub age: f32,
        /// Horizontal speed over ground, m/s.
        pub hor_spd: f64,
        /// Direction of travel over ground, degrees from true north.
        pub trk_gnd: f64,
        /// Vertical speed, m/s (positive up).
        pub vert_spd: f64,
        /// A `Long` in NovAtel's database for BESTVEL, PSRVEL and RTKVEL (OEM7 prints `0`) but a
        /// `Float` for BESTGNSSVEL, and OEMV receivers print `0.0`: kept a float, which reads
        /// both texts (the binary of 0 is the same).
        pub reserved: f32,
    }
}

log_struct! {
    /// HEADING2 (1335): heading and pitch of the baseline between two antennas.
    pub struct Heading2 {
        pub sol_status: SolStatus,
        pub pos_type: PosType,
        /// Baseline length, metres.
        pub length: f32,
        /// Degrees from true north.
        pub heading: f32,
        /// Degrees.
        pub pitch: f32,
        pub reserved: f32,
        pub heading_sigma: f32,
        pub pitch_sigma: f32,
        pub rover_stn_id: Text<4>,
        pub master_stn_id: Text<4>,
        pub num_svs: u8,
        pub num_soln_svs: u8,
        pub num_obs: u8,
        pub num_multi: u8,
        pub sol_source: Hex<u8>,
        pub ext_sol_stat: Hex<u8>,
        pub gal_bds_sig_mask: Hex<u8>,
        pub gps_glo_sig_mask: Hex<u8>,
    }
}

log_struct! {
    /// BSLNXYZ (686): RTK baseline from the base station to the rover, ECEF.
    pub struct Baseline {
        pub sol_status: SolStatus,
        pub bsln_type: PosType,
        /// X baseline, metres.
        pub b_x: f64,
        /// Y baseline, metres.
        pub b_y: f64,
        /// Z baseline, metres.
        pub b_z: f64,
        /// Standard deviation of `b_x`, metres.
        pub b_x_sigma: f32,
        /// Standard deviation of `b_y`, metres.
        pub b_y_sigma: f32,
        /// Standard deviation of `b_z`, metres.
        pub b_z_sigma: f32,
        /// Base station id.
        pub stn_id: Text<4>,
        /// Satellites tracked.
        pub num_svs: u8,
        /// Satellites used in the solution.
        pub num_soln_svs: u8,
        /// Satellites with L1/E1/B1 signals used in the solution.
        pub num_ggl1: u8,
        /// Satellites with multi-frequency signals used in the solution.
        pub num_soln_multi_svs: u8,
        /// Reserved: a decimal `Char` in NovAtel's database.
        pub reserved: u8,
        pub ext_sol_stat: Hex<u8>,
        pub gal_bds_sig_mask: Hex<u8>,
        pub gps_glo_sig_mask: Hex<u8>,
    }
}

log_struct! {
    /// DUALANTENNAHEADING (2042): heading and pitch from the primary to the secondary antenna of
    /// a dual-antenna receiver, output synchronously.
    pub struct DualAntennaHeading {
        pub sol_status: SolStatus,
        pub pos_type: PosType,
        /// Baseline length, metres (-1 for ALIGN heading models and fixed positions).
        pub length: f32,
        /// Degrees from true north, 0 to 359.999.
        pub heading: f32,
        /// Degrees, ±90.
        pub pitch: f32,
        pub reserved: f32,
        /// Heading standard deviation, degrees.
        pub heading_sigma: f32,
        /// Pitch standard deviation, degrees.
        pub pitch_sigma: f32,
        /// Station id.
        pub stn_id: Text<4>,
        /// Satellites tracked.
        pub num_svs: u8,
        /// Satellites used in the solution.
        pub num_soln_svs: u8,
        /// Satellites above the elevation mask angle.
        pub num_obs: u8,
        /// Satellites with multi-frequency signals used in the solution.
        pub num_multi: u8,
        pub sol_source: Hex<u8>,
        pub ext_sol_stat: Hex<u8>,
        pub gal_bds_sig_mask: Hex<u8>,
        pub gps_glo_sig_mask: Hex<u8>,
    }
}

/// UTM latitude zone letter, stored in binary as a 4-byte character code (`*` when outside the
/// UTM latitude range).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct ZoneLetter(pub u32);

impl ZoneLetter {
    pub fn as_char(self) -> Option<char> {
        char::from_u32(self.0)
    }
}

impl Serialize for ZoneLetter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_char() {
            Some(c) => s.serialize_char(c),
            None => s.serialize_u32(self.0),
        }
    }
}

impl Field for ZoneLetter {
    const BINARY_LEN: usize = 4;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        u32::read_binary(r).map(ZoneLetter)
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        self.0.write_binary(out);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let token = r.token()?;
        match token.as_bytes() {
            [letter] => Ok(ZoneLetter(u32::from(*letter))),
            _ => Err(r.invalid(token, "a zone letter")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BESTXYZ, BESTUTM and BSLNXYZ's reserved byte is a decimal `Char` (`%B`), unlike
    /// BESTPOS's hexadecimal one.
    #[test]
    fn reserved_bytes_are_decimal_where_the_database_says_so() {
        let body = b"SOL_COMPUTED,NARROW_INT,2.9912,3.1779,3.3197,0.0070,0.0074,0.0105,\"K250\",\
35,16,16,15,10,01,00,33";
        let bl = Baseline::read_text(&mut TextReader::ascii(body).unwrap()).unwrap();
        assert_eq!((bl.reserved, bl.ext_sol_stat), (10, Hex(1)));
    }
}

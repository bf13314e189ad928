//! Position, velocity and heading solutions: BESTPOS, PSRPOS, BESTXYZ, PSRXYZ, BESTUTM, BESTVEL,
//! HEADING2.

use serde::Serialize;

use crate::enums::{Datum, PosType, SolStatus};
use crate::error::FieldError;
use crate::field::{BinReader, Field, Hex, Text, TextReader, log_struct};

log_struct! {
    /// BESTPOS (42) and PSRPOS (47): geodetic position.
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
    /// BESTXYZ (241) and PSRXYZ (243): ECEF position and velocity.
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
        pub reserved: Hex<u8>,
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
        pub reserved: Hex<u8>,
        pub ext_sol_stat: Hex<u8>,
        pub gal_bds_sig_mask: Hex<u8>,
        pub gps_glo_sig_mask: Hex<u8>,
    }
}

log_struct! {
    /// BESTVEL (99): horizontal and vertical velocity.
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

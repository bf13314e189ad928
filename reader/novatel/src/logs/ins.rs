//! Inertial solutions: INSPVA, INSPVAS, INSPVAX.

use crate::enums::{InsStatus, PosType};
use crate::field::{Hex, log_struct};

log_struct! {
    /// INSPVA (507) and INSPVAS (508, short header): INS position, velocity and attitude.
    pub struct InsPva {
        pub week: u32,
        /// Seconds into the GPS week.
        pub seconds: f64,
        pub lat: f64,
        pub lon: f64,
        /// Ellipsoidal height, metres.
        pub hgt: f64,
        pub north_vel: f64,
        pub east_vel: f64,
        pub up_vel: f64,
        /// Degrees.
        pub roll: f64,
        pub pitch: f64,
        pub azimuth: f64,
        pub status: InsStatus,
    }
}

log_struct! {
    /// INSPVAX (1465): INS position, velocity and attitude with standard deviations.
    pub struct InsPvax {
        pub ins_status: InsStatus,
        pub pos_type: PosType,
        pub lat: f64,
        pub lon: f64,
        /// Height above mean sea level, metres.
        pub hgt: f64,
        pub undulation: f32,
        pub north_vel: f64,
        pub east_vel: f64,
        pub up_vel: f64,
        pub roll: f64,
        pub pitch: f64,
        pub azimuth: f64,
        pub lat_sigma: f32,
        pub lon_sigma: f32,
        pub hgt_sigma: f32,
        pub north_vel_sigma: f32,
        pub east_vel_sigma: f32,
        pub up_vel_sigma: f32,
        pub roll_sigma: f32,
        pub pitch_sigma: f32,
        pub azimuth_sigma: f32,
        pub ext_sol_stat: Hex<u32>,
        /// Seconds since the last GNSS update.
        pub time_since_update: u16,
    }
}

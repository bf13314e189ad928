//! Inertial solutions: INSPVA, INSPVAS, INSPVAX.

use crate::novatel::enums::InsStatus;
use crate::novatel::field::log_struct;

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

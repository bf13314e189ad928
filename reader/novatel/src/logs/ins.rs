//! Inertial solutions and IMU data: INSPVA, INSPVAS, INSPVAX, INSSTDEV, CORRIMUDATA,
//! CORRIMUDATAS, CORRIMUS, IMURATECORRIMUS, RAWIMU, RAWIMUS, RAWIMUX, RAWIMUSX; INSCONFIG; and
//! TIMESYNC.

use serde::{Serialize, Serializer};

use crate::enums::{Bool, InsStatus, PosType, TimeStatus, novatel_enum};
use crate::error::FieldError;
use crate::field::{BinReader, Field, Hex, TextReader, log_struct};

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

log_struct! {
    /// CORRIMUDATA (812), CORRIMUDATAS (813, short header) and IMURATECORRIMUS (1362, short
    /// header, at the full IMU rate): IMU increments corrected for gravity, earth rotation and
    /// estimated sensor errors, in the user output frame (vehicle frame by default). Values are
    /// accumulated over the logging interval: multiply by the logging rate (the IMU rate for
    /// IMURATECORRIMUS) for rad/s and m/s/s.
    pub struct CorrImuData {
        /// GNSS week.
        pub week: u32,
        /// Seconds into the GNSS week.
        pub seconds: f64,
        /// Rotation about the x axis, rad/sample.
        pub pitch_rate: f64,
        /// Rotation about the y axis, rad/sample.
        pub roll_rate: f64,
        /// Rotation about the z axis, rad/sample.
        pub yaw_rate: f64,
        /// Velocity increment along the x axis, m/s/sample.
        pub lateral_acc: f64,
        /// Velocity increment along the y axis, m/s/sample.
        pub longitudinal_acc: f64,
        /// Velocity increment along the z axis, m/s/sample.
        pub vertical_acc: f64,
    }
}

log_struct! {
    /// CORRIMUS (2264, short header): corrected IMU increments accumulated over the logging
    /// interval from `imu_data_count` IMU samples; multiply by IMU rate / `imu_data_count` for
    /// rad/s and m/s/s. The GNSS time is in the short header only.
    pub struct CorrImus {
        /// IMU samples accumulated into this log.
        pub imu_data_count: u32,
        /// Rotation about the x axis, rad.
        pub pitch_rate: f64,
        /// Rotation about the y axis, rad.
        pub roll_rate: f64,
        /// Rotation about the z axis, rad.
        pub yaw_rate: f64,
        /// Velocity increment along the x axis, m/s.
        pub lateral_acc: f64,
        /// Velocity increment along the y axis, m/s.
        pub longitudinal_acc: f64,
        /// Velocity increment along the z axis, m/s.
        pub vertical_acc: f64,
        /// Four bytes the manual's example prints as a decimal number (`8.168`), so a float;
        /// NovAtel's driver calls them reserved.
        pub reserved1: f32,
        pub reserved2: u32,
    }
}

log_struct! {
    /// RAWIMU (268) and RAWIMUS (325, short header): raw IMU increments in the IMU body frame.
    /// The six counts are the IMU's own signed integers, not scaled: the scale factors depend on
    /// the IMU type (see the manual's "Raw IMU Scale Factors" table).
    pub struct RawImu {
        /// GNSS week.
        pub week: u32,
        /// Seconds into the GNSS week.
        pub seconds: f64,
        /// IMU status bits, whose meaning depends on the IMU type.
        pub imu_status: ImuStatus,
        /// Z velocity increment, raw counts.
        pub z_accel: i32,
        /// Negative of the Y velocity increment, raw counts.
        pub neg_y_accel: i32,
        /// X velocity increment, raw counts.
        pub x_accel: i32,
        /// Z angle increment, raw counts.
        pub z_gyro: i32,
        /// Negative of the Y angle increment, raw counts.
        pub neg_y_gyro: i32,
        /// X angle increment, raw counts.
        pub x_gyro: i32,
    }
}

log_struct! {
    /// RAWIMUX (1461) and RAWIMUSX (1462, short header): RAWIMU with the IMU information that
    /// post-processing needs. The six counts are raw signed integers, not scaled: the scale
    /// factors depend on `imu_type`.
    pub struct RawImuX {
        /// Bit 0: an IMU error was detected; bit 1: the data is encrypted.
        pub imu_info: Hex<u8>,
        /// IMU type number (the manual's IMU Type table).
        pub imu_type: u8,
        /// GNSS week.
        pub gnss_week: u16,
        /// Seconds into the GNSS week.
        pub gnss_week_seconds: f64,
        /// IMU status bits, whose meaning depends on the IMU type.
        pub imu_status: ImuStatus,
        /// Z velocity increment, raw counts.
        pub z_accel: i32,
        /// Negative of the Y velocity increment, raw counts.
        pub neg_y_accel: i32,
        /// X velocity increment, raw counts.
        pub x_accel: i32,
        /// Z angle increment, raw counts.
        pub z_gyro: i32,
        /// Negative of the Y angle increment, raw counts.
        pub neg_y_gyro: i32,
        /// X angle increment, raw counts.
        pub x_gyro: i32,
    }
}

log_struct! {
    /// INSSTDEV (2051): standard deviations of the INS position, velocity and attitude.
    pub struct InsStdev {
        /// Metres.
        pub lat_sigma: f32,
        /// Metres.
        pub lon_sigma: f32,
        /// Metres.
        pub hgt_sigma: f32,
        /// m/s.
        pub north_vel_sigma: f32,
        /// m/s.
        pub east_vel_sigma: f32,
        /// m/s.
        pub up_vel_sigma: f32,
        /// Degrees.
        pub roll_sigma: f32,
        /// Degrees.
        pub pitch_sigma: f32,
        /// Degrees.
        pub azimuth_sigma: f32,
        pub ext_sol_stat: Hex<u32>,
        /// Seconds since the last ZUPT or position update.
        pub time_since_update: u16,
        pub reserved1: u16,
        /// Printed in hexadecimal in the manual's example.
        pub reserved2: Hex<u32>,
        pub reserved3: u32,
    }
}

log_struct! {
    /// TIMESYNC (492): GPS reference time of the most recent 1PPS, for ADJUST1PPS between
    /// receivers.
    pub struct TimeSync {
        /// GPS reference week.
        pub week: u32,
        /// Milliseconds into the week.
        pub ms: u32,
        pub time_status: BodyTimeStatus,
    }
}

log_struct! {
    /// INSCONFIG (1945): the INS configuration, with its translations (lever arms) and
    /// rotations. Layout of NovAtel's decoder database (novatel_edie `database.json`, INSCONFIG
    /// definition 48036): fixed fields, then two counted arrays of [`InsOffsetEntry`].
    pub struct InsConfig {
        pub imu_type: ImuType,
        /// IMU axes mapping (frame mapping) number.
        pub mapping: u8,
        /// Initial alignment velocity, tenths of m/s.
        pub scaled_alignment_vel: u8,
        /// Heave filter window, s.
        pub heave_window: u16,
        pub ins_profile: InsProfile,
        /// Enabled INS updates, bit mask (printed in hexadecimal).
        pub enabled_updates: Hex<u32>,
        pub alignment_mode: AlignmentMode,
        pub rel_ins_output: RelInsOutput,
        /// Relative INS output is from the master (`TRUE`) or the rover.
        pub rel_from_master: Bool,
        /// INS receiver status word (printed in hexadecimal).
        pub ins_rx_status: Hex<u32>,
        /// INS seed enabled.
        pub ins_seed: u8,
        /// INS seed injection option.
        pub ins_seed_injection_option: u8,
        /// INS grade mode.
        pub ins_grade_mode: u16,
        pub reserved2: u32,
        /// INS logistics word (printed in hexadecimal).
        pub ins_logistics: Hex<u32>,
        pub reserved4: u32,
        pub reserved5: u32,
        pub reserved6: u32,
        pub reserved7: u32,
        /// Translations: lever arms and other offsets, metres.
        pub translations: Vec<InsOffsetEntry>,
        /// Rotations, degrees.
        pub rotations: Vec<InsOffsetEntry>,
    }
}

log_struct! {
    /// One INSCONFIG translation or rotation.
    pub struct InsOffsetEntry {
        pub offset_type: InsOffset,
        pub input_frame: InsOffsetFrame,
        /// X, Y, Z offsets (metres for translations, degrees for rotations).
        pub offset: Vector3,
        /// Standard deviations of `offset`.
        pub offset_stdev: Vector3,
        pub source_status: SourceStatus,
    }
}

log_struct! {
    /// Three `Float`s (a `Float[3]` field).
    pub struct Vector3 {
        pub x: f32,
        pub y: f32,
        pub z: f32,
    }
}

novatel_enum! {
    /// IMU model (INSCONFIG). Values from NovAtel's decoder database (enum `IMUType`).
    pub struct ImuType(u32) {
        UNKNOWN = 0,
        HG1700_AG11 = 1,
        HG1700_AG12 = 2,
        HG1700_AG13 = 3,
        HG1700_AG17 = 4,
        HG1900_CA29 = 5,
        BAE_MEMS = 6,
        MICRO_IRU = 7,
        LN200 = 8,
        LN200_400HZ = 9,
        DEPRECATED = 10,
        HG1700_AG58 = 11,
        HG1700_AG62 = 12,
        IMAR_FSAS = 13,
        IGI_64_037HZ = 14,
        SEATEX_MRU5 = 15,
        KVH_COTS = 16,
        GLADIATOR_LANDMARK20 = 17,
        LN200_AMRAAM = 18,
        LITEF_LCI1 = 19,
        HG1930_AA99 = 20,
        MICROIRS = 21,
        GENERIC = 22,
        IMAR_FSAS_400HZ = 23,
        GLADIATOR_LANDMARK30 = 24,
        GLADIATOR_LANDMARK40 = 25,
        ISA100C = 26,
        HG1900_CA50 = 27,
        HG1930_CA50 = 28,
        TAMAM_90V = 29,
        ADIS16485 = 30,
        ADIS16488 = 31,
        STIM300 = 32,
        KVH_1750 = 33,
        ISA100 = 34,
        LCI100C = 35,
        LCI100C_500HZ = 36,
        IMAR_FR = 37,
        ISA100_400HZ = 38,
        ISA100C_400HZ = 39,
        HG1700_AG71 = 40,
        EPSON_G320 = 41,
        EPSON_G362P = 42,
        ADIS16445 = 43,
        ADIS16460 = 44,
        KVH_1725 = 45,
        KVH_1775 = 46,
        LODESTAR = 47,
        HG9900 = 48,
        BOSCH_MM7 = 49,
        BOSCH_SMI130 = 50,
        EPSON_V340 = 51,
        LITEF_MICROIMU = 52,
        GENERIC_LOW = 53,
        ADIS16490 = 54,
        INVENSENSE_ICM20602 = 55,
        STIM300D = 56,
        INVENSENSE_IAM20680 = 57,
        HG4930_AN01 = 58,
        GENERIC_TYPEA = 59,
        ADIS16495 = 60,
        EPSON_G370 = 61,
        EPSON_G320_200HZ = 62,
        ST_ASM330LHH = 63,
        GENERIC_TYPEB = 64,
        GENERIC_TYPEC = 65,
        GENERIC_TYPED = 66,
        GENERIC_TYPEE = 67,
        HG4930_AN04 = 68,
        HG4930_AN04_400HZ = 69,
        LITEF_MICROIMU_400HZ = 70,
        LITEF_MICROIMUD_400HZ = 71,
        HG4930_CN31 = 72,
        HG4930_CA31 = 73,
        TAC450_360 = 76,
        TAC450_340 = 77,
        ADIS16576 = 78,
        IMU_UNKNOWN = 32768,
        IMU_HG1700_AG11 = 32769,
        IMU_HG1700_AG17 = 32772,
        IMU_HG1900_CA29 = 32773,
        IMU_LN200 = 32776,
        IMU_LN200_400HZ = 32777,
        IMU_HG1700_AG58 = 32779,
        IMU_HG1700_AG62 = 32780,
        IMU_IMAR_FSAS = 32781,
        IMU_KVH_COTS = 32784,
        IMU_LN200_AMRAAM = 32786,
        IMU_HG1930_AA99 = 32788,
        IMU_MICROIRS = 32789,
        IMU_GENERIC = 32790,
        IMU_IMAR_FSAS_400HZ = 32791,
        IMU_ISA100C = 32794,
        IMU_HG1900_CA50 = 32795,
        IMU_HG1930_CA50 = 32796,
        IMU_TAMAM_90V = 32797,
        IMU_ADIS16488 = 32799,
        IMU_STIM300 = 32800,
        IMU_KVH_1750 = 32801,
        IMU_ISA100 = 32802,
        IMU_LCI100C = 32803,
        IMU_LCI100C_500HZ = 32804,
        IMU_IMAR_FR = 32805,
        IMU_ISA100_400HZ = 32806,
        IMU_ISA100C_400HZ = 32807,
        IMU_HG1700_AG71 = 32808,
        IMU_EPSON_G320 = 32809,
        IMU_EPSON_G362P = 32810,
        IMU_ADIS16445 = 32811,
        IMU_ADIS16460 = 32812,
        IMU_LODESTAR = 32815,
        IMU_BOSCH_MM7 = 32817,
        IMU_BOSCH_SMI130 = 32818,
        IMU_EPSON_V340 = 32819,
        IMU_LITEF_MICROIMU = 32820,
        IMU_GENERIC_LOW = 32821,
        IMU_TAC450_360 = 32822,
        IMU_TAC450_340 = 32823,
    }
}

novatel_enum! {
    /// INS profile (INSCONFIG). Values from NovAtel's decoder database (enum `INSProfile`).
    pub struct InsProfile(u32) {
        DEFAULT = 0,
        LAND = 1,
        MARINE = 2,
        FIXEDWING = 3,
        FOOT = 4,
        VTOL = 5,
        RAIL = 6,
        AGRICULTURE = 7,
        LAND_PLUS = 33,
        MARINE_PLUS = 34,
        LAND_BASIC = 65,
        MARINE_BASIC = 66,
        FIXEDWING_BASIC = 67,
        FOOT_BASIC = 68,
        VTOL_BASIC = 69,
        RAIL_BASIC = 70,
    }
}

novatel_enum! {
    /// INS alignment mode (INSCONFIG). Values from NovAtel's decoder database (enum `AlignmentMode`).
    pub struct AlignmentMode(u32) {
        UNAIDED = 0,
        AIDED_STATIC = 1,
        AIDED_TRANSFER = 2,
        AUTOMATIC = 3,
        STATIC = 4,
        KINEMATIC = 5,
    }
}

novatel_enum! {
    /// Relative INS output frame (INSCONFIG). Values from NovAtel's decoder database (enum `RelINSOutput`).
    pub struct RelInsOutput(u32) {
        INVALID = 0,
        ROVER = 1,
        MASTER = 2,
        ECEF = 3,
        LOCALLEVEL = 4,
    }
}

novatel_enum! {
    /// Kind of an INSCONFIG translation or rotation. Values from NovAtel's decoder database (enum `INSOffset`).
    pub struct InsOffset(u32) {
        INVALID = 0,
        ANT1 = 1,
        ANT2 = 2,
        EXTERNAL = 3,
        USER = 4,
        MARK1 = 5,
        MARK2 = 6,
        GIMBAL = 7,
        ALIGN = 8,
        MARK3 = 9,
        MARK4 = 10,
        RBV = 11,
        RBM = 12,
        ENCLOSURE = 13,
        DMI = 14,
        EXTERNAL2 = 15,
        EXTERNAL3 = 16,
        EXTERNAL4 = 17,
        GPR = 18,
        USERVEL = 19,
        USERPOS = 20,
    }
}

novatel_enum! {
    /// Frame an INSCONFIG offset was entered in. Values from NovAtel's decoder database (enum `INSOffsetFrame`).
    pub struct InsOffsetFrame(u32) {
        IMUBODY = 0,
        VEHICLE = 1,
        UNKNOWN = 2,
    }
}

novatel_enum! {
    /// Where an INSCONFIG offset came from. Values from NovAtel's decoder database (enum `SourceStatus`).
    pub struct SourceStatus(u32) {
        NONE = 0,
        FROM_NVM = 1,
        CALIBRATING = 2,
        CALIBRATED = 3,
        FROM_COMMAND = 4,
        RESET = 5,
        FROM_DUAL_ANT = 6,
        INS_CONVERGING = 7,
        INSUFFICIENT_SPEED = 8,
        HIGH_ROTATION = 9,
    }
}

/// The IMU status field of the RAWIMU logs: four bytes in wire order, printed in text as four
/// two-digit hexadecimal numbers in the same order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct ImuStatus(pub [u8; 4]);

impl Serialize for ImuStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let [a, b, c, d] = self.0;
        s.serialize_str(&format!("{a:02x}{b:02x}{c:02x}{d:02x}"))
    }
}

impl Field for ImuStatus {
    const BINARY_LEN: usize = 4;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        r.take().map(ImuStatus)
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let token = r.token()?;
        let bytes = token.as_bytes();
        let mut out = [0; 4];
        if bytes.len() != 8 {
            return Err(r.invalid(token, "eight hexadecimal digits"));
        }
        for (i, pair) in bytes.chunks(2).enumerate() {
            let pair = std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok());
            out[i] = pair.ok_or_else(|| r.invalid(token, "eight hexadecimal digits"))?;
        }
        Ok(ImuStatus(out))
    }
}

/// A GPS reference time status carried in a log body, where it is a 4-byte enum (the header's
/// is one byte). Values keep their number; names are those of [`TimeStatus`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct BodyTimeStatus(pub u32);

impl BodyTimeStatus {
    /// The status as the header type, when it fits in one byte.
    pub fn time_status(self) -> Option<TimeStatus> {
        u8::try_from(self.0).ok().map(TimeStatus)
    }

    /// NovAtel's name of this value, if it is a known one.
    pub fn name(self) -> Option<&'static str> {
        self.time_status().and_then(TimeStatus::name)
    }
}

impl Serialize for BodyTimeStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(name) => s.serialize_str(name),
            None => s.serialize_u32(self.0),
        }
    }
}

impl Field for BodyTimeStatus {
    const BINARY_LEN: usize = 4;
    fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
        u32::read_binary(r).map(BodyTimeStatus)
    }
    fn write_binary(&self, out: &mut Vec<u8>) {
        self.0.write_binary(out);
    }
    fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
        let token = r.token()?;
        TimeStatus::from_name(token)
            .map(|t| u32::from(t.0))
            .or_else(|| token.parse().ok())
            .map(BodyTimeStatus)
            .ok_or_else(|| r.invalid(token, "a time status"))
    }
}

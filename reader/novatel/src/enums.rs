//! NovAtel enumerations. Each is a newtype over its wire integer, so a value the table does not
//! know (newer firmware) is kept as its number instead of failing the decode; known values have
//! their NovAtel name, which text logs print and JSON shows.

use serde::{Serialize, Serializer};

use super::error::FieldError;
use super::field::{BinReader, Field, TextReader};

macro_rules! novatel_enum {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($repr:ty) {
            $( $variant:ident = $value:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(test, derive(proptest_derive::Arbitrary))]
        pub struct $name(pub $repr);

        #[allow(non_upper_case_globals)]
        impl $name {
            $( pub const $variant: Self = Self($value); )*

            /// NovAtel's name for this value, if it is a known one.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($variant)), )*
                    _ => None,
                }
            }

            /// The value NovAtel calls `name`.
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( stringify!($variant) => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, "{}", self.0),
                }
            }
        }

        /// The name when known, otherwise the number.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(name) => s.serialize_str(name),
                    None => self.0.serialize(s),
                }
            }
        }

        impl Field for $name {
            const BINARY_LEN: usize = std::mem::size_of::<$repr>();
            fn read_binary(r: &mut BinReader<'_>) -> Result<Self, FieldError> {
                Ok(Self(<$repr>::from_le_bytes(r.take()?)))
            }
            fn write_binary(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.0.to_le_bytes());
            }
            /// Text logs print the name, or the number for values without one.
            fn read_text(r: &mut TextReader<'_>) -> Result<Self, FieldError> {
                let token = r.token()?;
                Self::from_name(token)
                    .or_else(|| token.parse().ok().map(Self))
                    .ok_or_else(|| r.invalid(token, concat!("a ", stringify!($name), " value")))
            }
        }
    };
}

novatel_enum! {
    /// Quality of the receiver's GPS reference time (header field).
    pub struct TimeStatus(u8) {
        UNKNOWN = 20,
        APPROXIMATEADJUSTING = 40,
        APPROXIMATE = 60,
        COARSEADJUSTING = 80,
        COARSE = 100,
        COARSESTEERING = 120,
        FREEWHEELING = 130,
        FINEADJUSTING = 140,
        FINE = 160,
        FINEBACKUPSTEERING = 170,
        FINESTEERING = 180,
        SATTIME = 200,
        EXTERN = 220,
        EXACT = 240,
    }
}

novatel_enum! {
    /// Solution status of position, velocity and heading logs.
    pub struct SolStatus(u32) {
        SOL_COMPUTED = 0,
        INSUFFICIENT_OBS = 1,
        NO_CONVERGENCE = 2,
        SINGULARITY = 3,
        COV_TRACE = 4,
        TEST_DIST = 5,
        COLD_START = 6,
        V_H_LIMIT = 7,
        VARIANCE = 8,
        RESIDUALS = 9,
        DELTA_POS = 10,
        NEGATIVE_VAR = 11,
        OLD_SOLUTION = 12,
        INTEGRITY_WARNING = 13,
        INS_INACTIVE = 14,
        INS_ALIGNING = 15,
        INS_BAD = 16,
        IMU_UNPLUGGED = 17,
        PENDING = 18,
        INVALID_FIX = 19,
        UNAUTHORIZED = 20,
        ANTENNA_WARNING = 21,
        INVALID_RATE = 22,
        INS_AIDED = 23,
    }
}

novatel_enum! {
    /// Position or velocity type: how the solution was computed (fix type).
    pub struct PosType(u32) {
        NONE = 0,
        FIXEDPOS = 1,
        FIXEDHEIGHT = 2,
        FIXEDVEL = 3,
        FLOATCONV = 4,
        WIDELANE = 5,
        NARROWLANE = 6,
        DOPPLER_VELOCITY = 8,
        SINGLE = 16,
        PSRDIFF = 17,
        WAAS = 18,
        PROPAGATED = 19,
        OMNISTAR = 20,
        L1_FLOAT = 32,
        IONOFREE_FLOAT = 33,
        NARROW_FLOAT = 34,
        L1L2_FLOAT = 35,
        L1L2_INT = 46,
        L1L2_INT_VERIFIED = 47,
        L1_INT = 48,
        WIDE_INT = 49,
        NARROW_INT = 50,
        RTK_DIRECT_INS = 51,
        INS_SBAS = 52,
        INS_PSRSP = 53,
        INS_PSRDIFF = 54,
        INS_RTKFLOAT = 55,
        INS_RTKFIXED = 56,
        INS_OMNISTAR = 57,
        INS_OMNISTAR_HP = 58,
        INS_OMNISTAR_XP = 59,
        OMNISTAR_HP = 64,
        OMNISTAR_XP = 65,
        CDGPS = 66,
        EXT_CONSTRAINED = 67,
        PPP_CONVERGING = 68,
        PPP = 69,
        OPERATIONAL = 70,
        WARNING = 71,
        OUT_OF_BOUNDS = 72,
        INS_PPP_CONVERGING = 73,
        INS_PPP = 74,
        PPP_PLUS = 75,
        INS_PPP_PLUS = 76,
        PPP_BASIC_CONVERGING = 77,
        PPP_BASIC = 78,
        INS_PPP_BASIC_CONVERGING = 79,
        INS_PPP_BASIC = 80,
    }
}

novatel_enum! {
    /// Datum of a position.
    pub struct Datum(u32) {
        ADIND = 1, ARC50 = 2, ARC60 = 3, AGD66 = 4, AGD84 = 5, BUKIT = 6, ASTRO = 7, CHATM = 8,
        CARTH = 9, CAPE = 10, DJAKA = 11, EGYPT = 12, ED50 = 13, ED79 = 14, GUNSG = 15,
        GEO49 = 16, GRB36 = 17, GUAM = 18, HAWAII = 19, KAUAI = 20, MAUI = 21, OAHU = 22,
        HERAT = 23, HJORS = 24, HONGK = 25, HUTZU = 26, INDIA = 27, IRE65 = 28, KERTA = 29,
        KANDA = 30, LIBER = 31, LUZON = 32, MINDA = 33, MERCH = 34, NAHR = 35, NAD83 = 36,
        CANADA = 37, ALASKA = 38, NAD27 = 39, CARIBB = 40, MEXICO = 41, CAMER = 42, MINNA = 43,
        OMAN = 44, PUERTO = 45, QORNO = 46, ROME = 47, CHUA = 48, SAM56 = 49, SAM69 = 50,
        CAMPO = 51, SACOR = 52, YACAR = 53, TANAN = 54, TIMBA = 55, TOKYO = 56, TRIST = 57,
        VITI = 58, WAK60 = 59, WGS72 = 60, WGS84 = 61, ZANDE = 62, USER = 63, CSRS = 64,
        ADIM = 65, ARSM = 66, ENW = 67, HTN = 68, INDB = 69, INDI = 70, IRL = 71, LUZA = 72,
        LUZB = 73, NAHC = 74, NASP = 75, OGBM = 76, OHAA = 77, OHAB = 78, OHAC = 79, OHAD = 80,
        OHIA = 81, OHIB = 82, OHIC = 83, OHID = 84, TIL = 85, TOYM = 86, NAD83OMNI = 87, PE90 = 88,
    }
}

novatel_enum! {
    /// Status of the inertial solution.
    pub struct InsStatus(u32) {
        INS_INACTIVE = 0,
        INS_ALIGNING = 1,
        INS_HIGH_VARIANCE = 2,
        INS_SOLUTION_GOOD = 3,
        INS_TEST_ALIGNING = 4,
        INS_TEST_SOLUTION_GOOD = 5,
        INS_SOLUTION_FREE = 6,
        INS_ALIGNMENT_COMPLETE = 7,
        DETERMINING_ORIENTATION = 8,
        WAITING_INITIALPOS = 9,
        WAITING_AZIMUTH = 10,
        INITIALIZING_BIASES = 11,
        MOTION_DETECT = 12,
        TIMEOUT = 13,
        WAITING_ALIGNMENTORIENTATION = 14,
    }
}

novatel_enum! {
    /// `TRUE`/`FALSE` stored as a 4-byte enum.
    pub struct Bool(u32) {
        FALSE = 0,
        TRUE = 1,
    }
}

novatel_enum! {
    /// GNSS constellation as SATVIS2 and BESTSATS number them (the tracking status word and
    /// PSRDOP2 each use their own numbering).
    pub struct SatelliteSystem(u32) {
        GPS = 0,
        GLONASS = 1,
        SBAS = 2,
        GALILEO = 5,
        BEIDOU = 6,
        QZSS = 7,
        LBAND = 8,
        NAVIC = 9,
    }
}

novatel_enum! {
    /// The system a PSRDOP2 time DOP refers to.
    pub struct TimingSystem(u32) {
        GPS = 0,
        GLONASS = 1,
        GALILEO = 2,
        BEIDOU = 3,
        NAVIC = 4,
        EXTERNAL = 98,
        AUTO = 99,
        NONE = 100,
    }
}

novatel_enum! {
    /// Whether a satellite was used in a solution, or why not (BESTSATS).
    pub struct ObservationStatus(u32) {
        GOOD = 0,
        BADHEALTH = 1,
        OLDEPHEMERIS = 2,
        ELEVATIONERROR = 6,
        MISCLOSURE = 7,
        NODIFFCORR = 8,
        NOEPHEMERIS = 9,
        INVALIDIODE = 10,
        LOCKEDOUT = 11,
        LOWPOWER = 12,
        OBSL2 = 13,
        UNKNOWN = 15,
        NOIONOCORR = 16,
        NOTUSED = 17,
        OBSL1 = 18,
        OBSE1 = 19,
        OBSL5 = 20,
        OBSE5 = 21,
        OBSB2 = 22,
        OBSB1 = 23,
        OBSB3 = 24,
        NOSIGNALMATCH = 25,
        SUPPLEMENTARY = 26,
        OBSE6 = 27,
        OBSL6 = 28,
        NA = 99,
        BAD_INTEGRITY = 100,
        LOSSOFLOCK = 101,
        NOAMBIGUITY = 102,
    }
}

novatel_enum! {
    /// State of the receiver clock model (TIME).
    pub struct ClockStatus(u32) {
        VALID = 0,
        CONVERGING = 1,
        ITERATING = 2,
        INVALID = 3,
        ERROR = 4,
    }
}

novatel_enum! {
    /// Whether the UTC time in TIME is known.
    pub struct UtcStatus(u32) {
        INVALID = 0,
        VALID = 1,
        WARNING = 2,
    }
}

novatel_enum! {
    /// Kind of a VERSION component.
    pub struct ComponentType(u32) {
        UNKNOWN = 0,
        GPSCARD = 1,
        CONTROLLER = 2,
        ENCLOSURE = 3,
        IBOARD = 4,
        L5_FPGA = 5,
        IMUCARD = 7,
        USERINFO = 8,
        OEM6FPGA = 12,
        GPSCARD2 = 13,
        BLUETOOTH = 14,
        WIFI = 15,
        CELLULAR = 16,
        EXTENSION = 17,
        RADIO = 18,
        WWW_CONTENT = 19,
        REGULATORY = 20,
        OEM7FPGA = 21,
        APPLICATION = 22,
        PACKAGE = 23,
        NETBOOT = 24,
        DEFAULT_CONFIG = 25,
        WHEELSENSOR = 26,
        EMBEDDED_AUTH = 27,
        HWCONFIG = 28,
        LUA_SCRIPTS = 29,
        DB_HEIGHTMODEL = 981_073_920,
        DB_USERAPP = 981_073_921,
        DB_L5FPGA = 981_073_923,
        DB_USERAPPAUTO = 981_073_925,
        DB_OEMVFPGA = 981_073_926,
        DB_OEMVINTARM = 981_073_927,
        DB_WWWISO = 981_073_928,
        CRASH_DUMP = 981_073_929,
        DB_LUA_SCRIPTS = 981_073_930,
    }
}
pub(crate) use novatel_enum;

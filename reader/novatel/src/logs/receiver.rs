//! Receiver state: RXSTATUS, RXSTATUSEVENT, TIME, HWMONITOR, RXHWLEVELS, VERSION, ITDETECTSTATUS.

use serde::{Serialize, Serializer};

use crate::enums::{ClockStatus, ComponentType, UtcStatus, novatel_enum};
use crate::error::FieldError;
use crate::field::{BinReader, Field, Hex, Text, TextReader, log_struct};

log_struct! {
    /// RXSTATUS (93): receiver error word and status words. OEMV receivers send four status words
    /// (receiver, AUX1-3), OEM7 five (with AUX4); the body carries the count.
    pub struct RxStatus {
        pub error: Hex<u32>,
        pub status: Vec<StatusWord>,
    }
}

log_struct! {
    /// One status word of RXSTATUS with its priority, set and clear masks.
    pub struct StatusWord {
        pub word: Hex<u32>,
        pub priority: Hex<u32>,
        pub set: Hex<u32>,
        pub clear: Hex<u32>,
    }
}

log_struct! {
    /// TIME (101): receiver clock offset and UTC.
    pub struct Time {
        pub clock_status: ClockStatus,
        /// Receiver clock minus GPS time, seconds.
        pub offset: f64,
        pub offset_std: f64,
        /// GPS time minus UTC, seconds.
        pub utc_offset: f64,
        pub utc_year: u32,
        pub utc_month: u8,
        pub utc_day: u8,
        pub utc_hour: u8,
        pub utc_min: u8,
        /// Milliseconds into the minute.
        pub utc_ms: u32,
        pub utc_status: UtcStatus,
    }
}

log_struct! {
    /// HWMONITOR (963): receiver hardware readings.
    pub struct HwMonitor {
        pub measurements: Vec<HwMeasurement>,
    }
}

log_struct! {
    /// One HWMONITOR reading: a temperature (°C), current (A) or voltage (V).
    pub struct HwMeasurement {
        pub reading: f32,
        /// Bits 0-7: boundary limit status; bits 8-15: reading type.
        pub status: Hex<u32>,
    }
}

impl HwMeasurement {
    /// What was measured (bits 8-15 of the status), by NovAtel's reading type code.
    pub fn reading_type(&self) -> u8 {
        (self.status.0 >> 8) as u8
    }

    /// 0 within limits, 1/2 under the lower warning/error limit, 3/4 over the upper ones.
    pub fn limit_status(&self) -> u8 {
        self.status.0 as u8
    }
}

log_struct! {
    /// VERSION (37): hardware and software versions of the receiver's components.
    pub struct Version {
        pub components: Vec<Component>,
    }
}

log_struct! {
    /// One VERSION component.
    pub struct Component {
        pub kind: ComponentType,
        pub model: Text<16>,
        pub psn: Text<16>,
        pub hw_version: Text<16>,
        pub sw_version: Text<16>,
        pub boot_version: Text<16>,
        pub comp_date: Text<12>,
        pub comp_time: Text<12>,
    }
}

log_struct! {
    /// RXSTATUSEVENT (94): a bit of the error word or of a status word changed.
    pub struct RxStatusEvent {
        /// The word the bit belongs to.
        pub word: EventWord,
        /// Bit position in that word, 0-31.
        pub bitposition: u32,
        pub event: EventType,
        pub description: Text<32>,
    }
}

novatel_enum! {
    /// The word an RXSTATUSEVENT refers to.
    pub struct EventWord(u32) {
        ERROR = 0,
        STATUS = 1,
        AUX1 = 2,
        AUX2 = 3,
        AUX3 = 4,
        AUX4 = 5,
    }
}

novatel_enum! {
    /// Whether an RXSTATUSEVENT bit was set or cleared (or its event updated).
    pub struct EventType(u32) {
        CLEAR = 0,
        SET = 1,
        UPDATE = 2,
    }
}

log_struct! {
    /// RXHWLEVELS (195, OEMV): receiver hardware readings.
    pub struct RxHwLevels {
        /// Board temperature, °C.
        pub temp: f32,
        /// Approximate internal antenna current, A.
        pub ant_current: f32,
        /// CPU core voltage, V.
        pub core_volt: f32,
        /// Supply voltage, V.
        pub supply_volt: f32,
        /// 5 V RF supply voltage, V.
        pub rf_volt: f32,
        /// Internal LNA voltage, V.
        pub int_lna_volt: f32,
        /// General purpose analog input, V.
        pub gpai: f32,
        pub reserved1: f32,
        pub reserved2: f32,
        /// LNA voltage at the receiver's antenna output, V.
        pub lna_volt: f32,
    }
}

log_struct! {
    /// ITDETECTSTATUS (2065): the interferences detected on every RF path where interference
    /// detection is enabled. Layout of NovAtel's decoder database (ITDETECTSTATUS definition
    /// 32731).
    pub struct ItDetectStatus {
        pub interferences: Vec<Interference>,
    }
}

log_struct! {
    /// One detected interference.
    pub struct Interference {
        pub rf_path: RfPath,
        pub method: InterferenceDetectMethod,
        /// SPECTRUMANALYSIS: centre frequency, MHz; STATISTICANALYSIS: reserved.
        pub parameter1: f32,
        /// SPECTRUMANALYSIS: bandwidth, MHz; STATISTICANALYSIS: reserved.
        pub parameter2: f32,
        /// SPECTRUMANALYSIS: estimated power of the interference, dBm; STATISTICANALYSIS:
        /// reserved.
        pub parameter3: f32,
        /// SPECTRUMANALYSIS: power spectral density of the interference, dBm/Hz.
        pub parameter4: f32,
        pub severity1: Hex<u32>,
        pub severity2: Hex<u32>,
        pub reserved: Hex<u32>,
    }
}

novatel_enum! {
    /// RF path of an interference (NovAtel's `RFInputFrequency`).
    pub struct RfPath(u32) {
        NONE = 0,
        DEFAULT = 1,
        L1 = 2,
        L2 = 3,
        LBAND = 4,
        L5 = 5,
    }
}

novatel_enum! {
    /// How an interference was detected. The name `STATISTICANALYSIS` is the one receivers print
    /// (the manual's field table spells it `STATISTICALANALYSIS`).
    pub struct InterferenceDetectMethod(u32) {
        SPECTRUMANALYSIS = 0,
        STATISTICANALYSIS = 1,
    }
}

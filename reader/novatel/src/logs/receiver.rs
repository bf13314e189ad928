//! Receiver state: RXSTATUS, TIME, HWMONITOR, VERSION.

use crate::enums::{ClockStatus, ComponentType, UtcStatus};
use crate::field::{Hex, Text, log_struct};

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

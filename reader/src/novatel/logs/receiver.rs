//! Receiver state: RXSTATUS, TIME, HWMONITOR, VERSION.

use crate::novatel::field::{Hex, log_struct};

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

//! Decoded log bodies, one module per family, and the table that ties message ids to them.

pub mod ins;
pub mod position;
pub mod range;
pub mod receiver;
pub mod satellites;

use serde::Serialize;

use super::error::FieldError;
use super::field::{BinReader, Field, TextReader};

pub use ins::{InsPva, InsPvax};
pub use position::{Heading2, Position, Utm, Velocity, Xyz, ZoneLetter};
pub use range::{
    CompressedObservation, Constellation, Observation, Range, RangeCmp, TrackingStatus,
};
pub use receiver::{Component, HwMeasurement, HwMonitor, RxStatus, StatusWord, Time, Version};
pub use satellites::{
    BestSats, PsrDop2, SatVis2, SatelliteId, SatelliteUse, SystemTdop, VisibleSatellite,
};

macro_rules! logs {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) = $id:literal ),* $(,)?) => {
        /// A log body this library decodes. Logs without a decoder stay available as header and
        /// raw body.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[cfg_attr(test, derive(proptest_derive::Arbitrary))]
        #[serde(untagged)]
        pub enum Log {
            $( $(#[$doc])* $variant($ty), )*
        }

        impl Log {
            /// Message ids that have a decoder.
            pub const IDS: &'static [u16] = &[$($id),*];

            /// The message id of this log.
            pub fn id(&self) -> u16 {
                match self {
                    $( Log::$variant(_) => $id, )*
                }
            }

            /// Decodes a binary body; `None` when message `id` has no decoder.
            pub fn read_binary(id: u16, body: &[u8]) -> Option<Result<Log, FieldError>> {
                let r = &mut BinReader::new(body);
                match id {
                    $( $id => Some(<$ty as Field>::read_binary(r).map(Log::$variant)), )*
                    _ => None,
                }
            }

            /// Decodes the fields of an ASCII or abbreviated ASCII body; `None` when message `id`
            /// has no decoder.
            pub fn read_text(id: u16, r: &mut TextReader<'_>) -> Option<Result<Log, FieldError>> {
                match id {
                    $( $id => Some(<$ty as Field>::read_text(r).map(Log::$variant)), )*
                    _ => None,
                }
            }

            /// Appends the binary body.
            pub fn write_binary(&self, out: &mut Vec<u8>) {
                match self {
                    $( Log::$variant(body) => body.write_binary(out), )*
                }
            }
        }
    };
}

logs! {
    Version(Version) = 37,
    BestPos(Position) = 42,
    Range(Range) = 43,
    PsrPos(Position) = 47,
    RxStatus(RxStatus) = 93,
    BestVel(Velocity) = 99,
    Time(Time) = 101,
    RangeCmp(RangeCmp) = 140,
    BestXyz(Xyz) = 241,
    PsrXyz(Xyz) = 243,
    InsPva(InsPva) = 507,
    InsPvas(InsPva) = 508,
    BestUtm(Utm) = 726,
    HwMonitor(HwMonitor) = 963,
    SatVis2(SatVis2) = 1043,
    PsrDop2(PsrDop2) = 1163,
    BestSats(BestSats) = 1194,
    Heading2(Heading2) = 1335,
    InsPvax(InsPvax) = 1465,
}

impl Log {
    /// NovAtel's name of this log.
    pub fn name(&self) -> &'static str {
        super::ids::name(self.id()).unwrap_or("UNKNOWN")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Log;
    use crate::{Event, Format, Header, decode, encode, frames};

    proptest! {
        /// decode(encode(x)) == x for every log, in long and short binary frames. Values are
        /// compared through `Debug`, which tells every two floats apart except NaNs, and the
        /// frame bytes must come out identical when encoded again.
        #[test]
        fn binary_round_trip(log in any::<Log>(), week in any::<u16>(), ms in any::<u32>(), short in any::<bool>()) {
            let header = if short { Header::short_binary(&log, week, ms) } else { Header::binary(&log, week, ms) };
            let mut bytes = Vec::new();
            if encode(&header, &log, &mut bytes).is_err() {
                // Only a short header's 255-byte limit can be exceeded by these logs.
                prop_assert!(short);
                return Ok(());
            }
            let events: Vec<_> = frames(&bytes).collect();
            let [Event::Frame(frame)] = events.as_slice() else {
                return Err(TestCaseError::fail(format!("not one frame: {events:?}")));
            };
            prop_assert_eq!(frame.format, if short { Format::ShortBinary } else { Format::Binary });
            let message = decode(frame).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&message.header, &header);
            let decoded = message.log.expect("every Log variant has a decoder");
            prop_assert_eq!(format!("{decoded:?}"), format!("{log:?}"));
            let mut again = Vec::new();
            encode(&header, &decoded, &mut again).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(again, bytes);
        }
    }
}

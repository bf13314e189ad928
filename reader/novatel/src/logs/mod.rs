//! Decoded log bodies, one module per family, and the table that ties message ids to them.

pub mod config;
pub mod ephemeris;
pub mod ins;
pub mod position;
pub mod range;
pub mod receiver;
pub mod satellites;

use serde::Serialize;

use super::error::FieldError;
use super::field::{BinReader, Field, TextReader};

pub use config::{
    EmbeddedBody, Hold, LogList, LogListEntry, LogTrigger, LoggedMessage, PortAddress, RxConfig,
    ValidModel, ValidModels, VarString,
};
pub use ephemeris::{
    BdsClock, BdsEphemeris, BdsIono, GalClock, GalFnavEphemeris, GalInavEphemeris, GalIono,
    GalileoOrbit, GloEphemeris, GpsEphemeris, HexBytes, IonUtc, QzssEphemeris, RawEphem,
    RawSbasFrame,
};
pub use ins::{
    AlignmentMode, BodyTimeStatus, CorrImuData, CorrImus, ImuStatus, ImuType, InsConfig, InsOffset,
    InsOffsetEntry, InsOffsetFrame, InsProfile, InsPva, InsPvax, InsStdev, RawImu, RawImuX,
    RelInsOutput, SourceStatus, TimeSync, Vector3,
};
pub use position::{
    Baseline, DualAntennaHeading, Heading2, MatchedXyz, Position, Utm, Velocity, Xyz, ZoneLetter,
};
pub use range::{
    CompressedObservation, Constellation, Observation, Range, RangeCmp, TrackingStatus,
};
pub use receiver::{
    Component, EventType, EventWord, HwMeasurement, HwMonitor, Interference,
    InterferenceDetectMethod, ItDetectStatus, RfPath, RxHwLevels, RxStatus, RxStatusEvent,
    StatusWord, Time, Version,
};
pub use satellites::{
    BestSats, PsrDop, PsrDop2, SatVis, SatVis2, SatVisEntry, SatelliteId, SatelliteUse, SystemTdop,
    TrackChannel, TrackStat, VisibleSatellite,
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
    // Observations (range.rs).
    Range(Range) = 43,
    RangeCmp(RangeCmp) = 140,
    // Positions, velocities, baselines and headings (position.rs).
    BestPos(Position) = 42,
    PsrPos(Position) = 47,
    MatchedPos(Position) = 96,
    BestVel(Velocity) = 99,
    PsrVel(Velocity) = 100,
    RtkPos(Position) = 141,
    RtkVel(Velocity) = 216,
    BestXyz(Xyz) = 241,
    MatchedXyz(MatchedXyz) = 242,
    PsrXyz(Xyz) = 243,
    RtkXyz(Xyz) = 244,
    BslnXyz(Baseline) = 686,
    BestUtm(Utm) = 726,
    Heading2(Heading2) = 1335,
    BestGnssPos(Position) = 1429,
    BestGnssVel(Velocity) = 1430,
    PppPos(Position) = 1538,
    DualAntennaHeading(DualAntennaHeading) = 2042,
    // INS and IMU (ins.rs).
    RawImu(RawImu) = 268,
    RawImus(RawImu) = 325,
    TimeSync(TimeSync) = 492,
    InsPva(InsPva) = 507,
    InsPvas(InsPva) = 508,
    CorrImuData(CorrImuData) = 812,
    CorrImuDatas(CorrImuData) = 813,
    ImuRateCorrImus(CorrImuData) = 1362,
    RawImuX(RawImuX) = 1461,
    RawImuSx(RawImuX) = 1462,
    InsPvax(InsPvax) = 1465,
    InsConfig(InsConfig) = 1945,
    InsStdev(InsStdev) = 2051,
    CorrImus(CorrImus) = 2264,
    // Satellites and tracking (satellites.rs).
    SatVis(SatVis) = 48,
    TrackStat(TrackStat) = 83,
    PsrDop(PsrDop) = 174,
    SatVis2(SatVis2) = 1043,
    PsrDop2(PsrDop2) = 1163,
    RtkDop2(PsrDop2) = 1172,
    BestSats(BestSats) = 1194,
    // Receiver state and configuration (receiver.rs, config.rs).
    LogList(LogList) = 5,
    Version(Version) = 37,
    RxStatus(RxStatus) = 93,
    RxStatusEvent(RxStatusEvent) = 94,
    Time(Time) = 101,
    RxConfig(RxConfig) = 128,
    RxHwLevels(RxHwLevels) = 195,
    ValidModels(ValidModels) = 206,
    HwMonitor(HwMonitor) = 963,
    ItDetectStatus(ItDetectStatus) = 2065,
    // Ephemerides, ionosphere, clocks and raw navigation data (ephemeris.rs).
    GpsEphem(GpsEphemeris) = 7,
    IonUtc(IonUtc) = 8,
    RawEphem(RawEphem) = 41,
    GloEphemeris(GloEphemeris) = 723,
    RawSbasFrame(RawSbasFrame) = 973,
    GalClock(GalClock) = 1121,
    GalIono(GalIono) = 1127,
    GalInavEphemeris(GalInavEphemeris) = 1309,
    GalFnavEphemeris(GalFnavEphemeris) = 1310,
    QzssEphemeris(QzssEphemeris) = 1336,
    QzssIonUtc(IonUtc) = 1347,
    BdsIono(BdsIono) = 1590,
    BdsClock(BdsClock) = 1607,
    BdsEphemeris(BdsEphemeris) = 1696,
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

//! The NovAtel formats and nothing else: framing of binary, short binary, ASCII, short ASCII,
//! abbreviated ASCII and NMEA, checksums, headers, log bodies, encoding, and a simulated receiver
//! that produces valid logs. No IO happens here: the reader's sources and the Kafka producer, and
//! the streamer, sit beside this crate.

pub mod crc;
mod decode;
mod encode;
pub mod enums;
mod error;
pub(crate) mod field;
mod frame;
mod framer;
pub mod header;
pub mod ids;
pub mod logs;
mod scan;
pub mod simulate;
pub mod time;

pub use decode::{Message, decode};
pub use encode::encode;
pub use error::{DecodeError, EncodeError, FieldError};
pub use field::{Hex, Text};
pub use frame::{Event, Format, Frame, RejectReason, Rejected};
pub use framer::{Framer, Frames, Stats, frames};
pub use header::Header;
pub use logs::Log;
pub use scan::{MAX_BODY_LEN, MAX_TEXT_FRAME_LEN};

//! The NovAtel formats and nothing else: framing, checksums, headers, log bodies, encoding.
//! No IO happens here; sources and sinks sit beside this module.

pub mod crc;
mod decode;
mod encode;
pub mod enums;
mod error;
pub(crate) mod field;
mod framer;
pub mod header;
pub mod ids;
pub mod logs;
mod scan;
pub mod time;

pub use decode::{Message, decode};
pub use encode::encode;
pub use error::{DecodeError, EncodeError, FieldError};
pub use field::{Hex, Text};
pub use framer::{Event, Format, Frame, Framer, Frames, RejectReason, Rejected, Stats, frames};
pub use header::Header;
pub use logs::Log;
pub use scan::{MAX_BODY_LEN, MAX_TEXT_FRAME_LEN};

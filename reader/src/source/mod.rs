//! Where bytes come from: a receiver's serial or TCP port (reconnecting when it goes away),
//! recordings, or the simulated receiver. Sources only move bytes; the pipeline frames them.

pub mod link;
mod reconnect;
pub mod replay;
pub mod serial;
pub mod simulated;
pub mod tcp;

use std::path::PathBuf;
use std::sync::Arc;

use thiserror::Error;

pub use link::Link;
pub use reconnect::Reconnecting;
pub use replay::Replay;
pub use serial::SerialPort;
pub use simulated::Simulated;
pub use tcp::TcpPort;

/// What a source put in the buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chunk {
    /// This many bytes of the current stream.
    Data(usize),
    /// A new stream starts (a file, or a connection made again): a frame cut by the end of the
    /// previous stream is truncated, not joined to this one.
    Stream(StreamInfo),
    /// Nothing more will come.
    End,
}

/// About a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamInfo {
    /// The receiver's id unless the user set one: the device, address or file name.
    pub receiver_id: String,
    /// Bytes in the stream, when known (files).
    pub size: Option<u64>,
}

/// Problems a source cannot get past, each saying what to do.
#[derive(Debug, Error)]
pub enum SourceError {
    #[error(
        "serial device {path} does not exist; check the path (ls /dev/serial/by-id/) and that the \
         receiver is plugged in and powered"
    )]
    DeviceNotFound { path: PathBuf },
    #[error("permission denied opening {path}; {}", join_advice(.group.as_deref()))]
    PermissionDenied { path: PathBuf, group: Option<String> },
    #[error("cannot open {what}")]
    Open {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {what}")]
    Read {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

fn join_advice(group: Option<&str>) -> String {
    match group {
        Some(group) => format!(
            "it belongs to group {group}: add the user to it (sudo usermod -aG {group} $USER) and log in again"
        ),
        None => "give the user read and write access to it (usually by joining its group, such as dialout)".into(),
    }
}

/// Any source, so the pipeline needs no trait objects.
pub enum Source {
    Serial(Reconnecting<SerialPort>),
    Tcp(Reconnecting<TcpPort>),
    Replay(Replay),
    Simulated(Simulated),
}

impl Source {
    /// Fills (part of) `buf`, or says a stream starts or everything ended.
    pub async fn next(&mut self, buf: &mut [u8]) -> Result<Chunk, SourceError> {
        match self {
            Source::Serial(s) => s.next(buf).await,
            Source::Tcp(s) => s.next(buf).await,
            Source::Replay(s) => s.next(buf).await,
            Source::Simulated(s) => s.next(buf).await,
        }
    }

    /// The kind of source, as the HTTP API's status names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Serial(_) => "serial",
            Source::Tcp(_) => "tcp",
            Source::Replay(_) => "replay",
            Source::Simulated(_) => "simulated",
        }
    }

    /// What is read: the device, the address, the recordings or the simulated receiver's id.
    pub fn describe(&self) -> String {
        match self {
            Source::Serial(s) => s.describe(),
            Source::Tcp(s) => s.describe(),
            Source::Replay(s) => s.describe(),
            Source::Simulated(s) => s.describe(),
        }
    }

    /// A live receiver's connection state and console.
    pub fn link(&self) -> Option<Arc<Link>> {
        match self {
            Source::Serial(s) => Some(s.link()),
            Source::Tcp(s) => Some(s.link()),
            Source::Replay(_) | Source::Simulated(_) => None,
        }
    }

    /// A live receiver cannot be paused: when Kafka cannot keep up its frames are buffered, then
    /// dropped and counted, instead of waited for.
    pub fn is_live(&self) -> bool {
        matches!(self, Source::Serial(_) | Source::Tcp(_))
    }
}

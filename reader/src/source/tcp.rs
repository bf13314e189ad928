//! A receiver's Ethernet (ICOM) port, or anything else that serves its output over TCP.

use std::time::Duration;

use tokio::net::TcpStream;

use super::SourceError;
use super::reconnect::{ConnectError, Connector};

/// A `host:port` and how long silence may last before the connection is taken for dead (a
/// network that drops silently never closes the socket).
#[derive(Clone, Debug)]
pub struct TcpPort {
    pub address: String,
    pub idle_timeout: Duration,
}

impl Connector for TcpPort {
    type Stream = TcpStream;

    fn describe(&self) -> String {
        self.address.clone()
    }

    async fn connect(&self) -> Result<TcpStream, ConnectError> {
        let stream = TcpStream::connect(&self.address).await.map_err(|source| {
            ConnectError::Retry(SourceError::Open { what: self.address.clone(), source })
        })?;
        // Receiver commands are small: send them at once.
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    fn idle_timeout(&self) -> Option<Duration> {
        Some(self.idle_timeout)
    }
}

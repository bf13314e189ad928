//! Keeping a connection to a receiver: reconnect with backoff whenever it goes away; and write
//! the command lines of the HTTP API to it while it is up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics::{Counter, Gauge, counter, gauge};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::link::{Command, Connection, Link};
use super::{Chunk, SourceError, StreamInfo};
use crate::metrics as m;

/// Opens a connection to a receiver.
pub trait Connector {
    type Stream: AsyncRead + AsyncWrite + Unpin + Send;

    /// What is connected to, for messages: the device path or address.
    fn describe(&self) -> String;

    /// One attempt. `Err(Fatal)` stops retrying (the user has to change something).
    fn connect(&self) -> impl Future<Output = Result<Self::Stream, ConnectError>> + Send;

    /// Silence after which the connection is taken for dead.
    fn idle_timeout(&self) -> Option<Duration> {
        None
    }
}

/// Why a connection attempt failed.
#[derive(Debug)]
pub enum ConnectError {
    /// Worth trying again (device missing, connection refused).
    Retry(SourceError),
    /// Trying again will not help (permission denied).
    Fatal(SourceError),
}

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// A source that reconnects: after the first successful connection, losing the receiver is
/// logged and retried forever with exponential backoff, without restarting anything. Before it,
/// attempts stop after `start_timeout`, so a wrong device or address is reported.
pub struct Reconnecting<C: Connector> {
    connector: C,
    receiver_id: String,
    commands: Vec<String>,
    start_timeout: Duration,
    stream: Option<C::Stream>,
    ever_connected: bool,
    link: Arc<Link>,
    console: mpsc::Receiver<Command>,
    connected: Gauge,
    reconnects: Counter,
}

/// What the connection gave while it was up.
enum Event {
    Read(std::io::Result<usize>),
    Command(Command),
}

impl<C: Connector> Reconnecting<C> {
    /// `commands` are sent to the receiver, one per line, on every connect.
    pub fn new(connector: C, commands: Vec<String>, start_timeout: Duration) -> Self {
        let receiver_id = connector.describe();
        let (link, console) = Link::new();
        Reconnecting {
            connector,
            receiver_id,
            commands,
            start_timeout,
            stream: None,
            ever_connected: false,
            link: Arc::new(link),
            console,
            connected: gauge!(m::SOURCE_CONNECTED),
            reconnects: counter!(m::SOURCE_RECONNECTS),
        }
    }

    /// The connection's state and console, for the HTTP API.
    pub fn link(&self) -> Arc<Link> {
        Arc::clone(&self.link)
    }

    /// What is connected to: the device path or address.
    pub fn describe(&self) -> String {
        self.connector.describe()
    }

    pub async fn next(&mut self, buf: &mut [u8]) -> Result<Chunk, SourceError> {
        loop {
            let what = self.connector.describe();
            let Some(stream) = &mut self.stream else {
                let mut stream = self.connect().await?;
                if let Err(error) = send_commands(&mut stream, &self.commands).await {
                    warn!(%what, %error, "could not send the receiver commands; reconnecting");
                    continue;
                }
                self.stream = Some(stream);
                self.connected.set(1.0);
                self.link.set(Connection::Connected);
                return Ok(Chunk::Stream(StreamInfo {
                    receiver_id: self.receiver_id.clone(),
                    size: None,
                }));
            };
            let idle = self.connector.idle_timeout();
            let event = tokio::select! {
                read = read_some(stream, buf, idle) => Event::Read(read),
                Some(command) = self.console.recv() => Event::Command(command),
            };
            let read = match event {
                Event::Read(read) => read,
                // Nobody waits for it any more (its caller gave up): not sent.
                Event::Command(command) if command.written.is_closed() => continue,
                Event::Command(command) => {
                    let written = send_commands(stream, std::slice::from_ref(&command.line)).await;
                    let failed = written.as_ref().err().map(|e| e.to_string());
                    let _ = command.written.send(written);
                    match failed {
                        None => continue,
                        Some(error) => Err(std::io::Error::other(error)),
                    }
                }
            };
            match read {
                Ok(0) => warn!(%what, "receiver connection closed; reconnecting"),
                Ok(n) => return Ok(Chunk::Data(n)),
                Err(error) => warn!(%what, %error, "receiver connection lost; reconnecting"),
            }
            self.stream = None;
            self.connected.set(0.0);
            self.link.set(Connection::Reconnecting);
        }
    }

    async fn connect(&mut self) -> Result<C::Stream, SourceError> {
        let what = self.connector.describe();
        let started = Instant::now();
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 0u64;
        loop {
            attempt += 1;
            match self.connector.connect().await {
                Ok(stream) => {
                    if self.ever_connected {
                        self.reconnects.increment(1);
                        info!(%what, attempt, after = ?started.elapsed(), "receiver connected again");
                    } else {
                        info!(%what, "receiver connected");
                    }
                    self.ever_connected = true;
                    return Ok(stream);
                }
                Err(ConnectError::Fatal(error)) => return Err(error),
                Err(ConnectError::Retry(error)) => {
                    if !self.ever_connected && started.elapsed() >= self.start_timeout {
                        return Err(error);
                    }
                    if attempt == 1 {
                        warn!(%what, %error, "cannot connect to the receiver; retrying");
                    } else {
                        debug!(%what, %error, attempt, "cannot connect to the receiver");
                    }
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}

/// Reads what comes, or fails after `idle` of silence.
async fn read_some(
    stream: &mut (impl AsyncRead + Unpin),
    buf: &mut [u8],
    idle: Option<Duration>,
) -> std::io::Result<usize> {
    let Some(limit) = idle else {
        return stream.read(buf).await;
    };
    match tokio::time::timeout(limit, stream.read(buf)).await {
        Ok(read) => read,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("nothing received for {limit:?}"),
        )),
    }
}

/// Sends each command on its own line, with a pause for the receiver to take it in.
async fn send_commands(
    stream: &mut (impl AsyncWrite + Unpin),
    commands: &[String],
) -> std::io::Result<()> {
    for command in commands {
        stream.write_all(command.as_bytes()).await?;
        stream.write_all(b"\r\n").await?;
        stream.flush().await?;
        debug!(command, "sent to the receiver");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

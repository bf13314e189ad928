//! What the HTTP API sees of a live receiver's connection: whether it is up, and its console. A
//! command line goes to the receiver through the source that holds the connection; the reply
//! (`<OK`, `<ERROR:...`) comes back among the bytes between frames, which the pipeline offers
//! here while a command waits.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};

/// The state of a receiver's connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Not connected yet.
    Connecting,
    Connected,
    /// Lost, being made again.
    Reconnecting,
}

impl Connection {
    pub fn as_str(self) -> &'static str {
        match self {
            Connection::Connecting => "connecting",
            Connection::Connected => "connected",
            Connection::Reconnecting => "reconnecting",
        }
    }
}

/// A command line for the receiver, and where to say whether it was written.
pub struct Command {
    pub line: String,
    pub written: oneshot::Sender<std::io::Result<()>>,
}

/// Why a command got no reply.
#[derive(Debug, Error)]
pub enum CommandError {
    #[error("the receiver is not connected ({0}); try again once it is")]
    NotConnected(&'static str),
    #[error("the command could not be written to the receiver; the connection is being made again")]
    Write(#[source] std::io::Error),
    #[error("the receiver did not answer within {0:?}")]
    NoReply(Duration),
}

/// Shared by the source (which writes commands and keeps the state), the pipeline (which offers
/// the bytes between frames) and the HTTP API (which asks).
pub struct Link {
    state: AtomicU8,
    commands: mpsc::Sender<Command>,
    /// One command at a time: its reply is the next one the receiver sends.
    turn: tokio::sync::Mutex<()>,
    /// Set while a command waits for its reply, so that the pipeline looks at the bytes between
    /// frames only then.
    awaiting: AtomicBool,
    reply: Mutex<Option<oneshot::Sender<String>>>,
}

impl Link {
    /// A link, and the end of it the source reads commands from.
    pub fn new() -> (Self, mpsc::Receiver<Command>) {
        let (commands, receiver) = mpsc::channel(1);
        let link = Link {
            state: AtomicU8::new(Connection::Connecting as u8),
            commands,
            turn: tokio::sync::Mutex::new(()),
            awaiting: AtomicBool::new(false),
            reply: Mutex::new(None),
        };
        (link, receiver)
    }

    pub fn connection(&self) -> Connection {
        match self.state.load(Ordering::Relaxed) {
            0 => Connection::Connecting,
            1 => Connection::Connected,
            _ => Connection::Reconnecting,
        }
    }

    pub(super) fn set(&self, connection: Connection) {
        self.state.store(connection as u8, Ordering::Relaxed);
    }

    /// Sends `line` to the receiver and returns its reply, the line that starts with `<OK` or
    /// `<ERROR`.
    pub async fn command(&self, line: &str, timeout: Duration) -> Result<String, CommandError> {
        let _turn = self.turn.lock().await;
        let connection = self.connection();
        if connection != Connection::Connected {
            return Err(CommandError::NotConnected(connection.as_str()));
        }
        let (reply_tx, reply_rx) = oneshot::channel();
        *self.reply.lock().unwrap_or_else(|p| p.into_inner()) = Some(reply_tx);
        self.awaiting.store(true, Ordering::Release);
        let exchange = async {
            let (written_tx, written_rx) = oneshot::channel();
            let command = Command { line: line.to_owned(), written: written_tx };
            if self.commands.send(command).await.is_err() {
                return Err(CommandError::NotConnected("stopped"));
            }
            match written_rx.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => return Err(CommandError::Write(error)),
                Err(_) => return Err(CommandError::NotConnected("stopped")),
            }
            reply_rx.await.map_err(|_| CommandError::NotConnected("stopped"))
        };
        let outcome = tokio::time::timeout(timeout, exchange).await;
        self.awaiting.store(false, Ordering::Release);
        self.reply.lock().unwrap_or_else(|p| p.into_inner()).take();
        outcome.unwrap_or(Err(CommandError::NoReply(timeout)))
    }

    /// Bytes the framer found between frames: a reply in them goes to the waiting command.
    pub fn offer(&self, unframed: &[u8]) {
        if !self.awaiting.load(Ordering::Acquire) {
            return;
        }
        let Some(reply) = reply(unframed) else {
            return;
        };
        if let Some(waiting) = self.reply.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = waiting.send(reply);
        }
    }
}

/// The first reply in `bytes`: from `<OK` or `<ERROR` to the end of its line (a prompt such as
/// `[COM1]` may follow it directly).
fn reply(bytes: &[u8]) -> Option<String> {
    let start = [b"<OK".as_slice(), b"<ERROR"]
        .iter()
        .filter_map(|word| bytes.windows(word.len()).position(|w| w == *word))
        .min()?;
    let rest = &bytes[start..];
    let end = rest.iter().position(|&b| matches!(b, b'\r' | b'\n' | b'[')).unwrap_or(rest.len());
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_its_line() {
        assert_eq!(reply(b"<OK\r\n[COM1]").as_deref(), Some("<OK"));
        assert_eq!(
            reply(b"[COM1]<ERROR:Invalid Message\r\n[COM1]").as_deref(),
            Some("<ERROR:Invalid Message")
        );
        assert_eq!(reply(b"<ERROR:Invalid Message").as_deref(), Some("<ERROR:Invalid Message"));
        assert_eq!(reply(b"[COM1]"), None);
        assert_eq!(reply(b"log bestposb\r\n"), None);
    }
}

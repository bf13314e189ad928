//! Recordings, one after the other, optionally again and again.

use std::path::{Path, PathBuf};

use tokio::fs::File;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::{Chunk, SourceError, StreamInfo};

/// Files replayed in order (`-` is standard input); with `repeat`, from the start again when the
/// last one ends.
pub struct Replay {
    files: Vec<PathBuf>,
    repeat: bool,
    next: usize,
    current: Option<(String, Box<dyn AsyncRead + Unpin + Send>)>,
}

impl Replay {
    pub fn new(files: Vec<PathBuf>, repeat: bool) -> Self {
        Replay { files, repeat, next: 0, current: None }
    }

    /// The recordings, comma-separated.
    pub fn describe(&self) -> String {
        self.files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(",")
    }

    /// Checks every file can be opened, so that a typo is reported before anything starts.
    pub fn check(&self) -> Result<(), SourceError> {
        for path in self.files.iter().filter(|p| !is_stdin(p)) {
            std::fs::File::open(path).map_err(|source| SourceError::Open {
                what: format!("recording {}", path.display()),
                source,
            })?;
        }
        Ok(())
    }

    /// Total bytes of the files, if none is standard input.
    pub fn total_bytes(&self) -> Option<u64> {
        self.files
            .iter()
            .map(|p| if is_stdin(p) { None } else { std::fs::metadata(p).ok().map(|m| m.len()) })
            .sum()
    }

    pub async fn next(&mut self, buf: &mut [u8]) -> Result<Chunk, SourceError> {
        loop {
            let Some((name, reader)) = &mut self.current else {
                if self.next == self.files.len() {
                    if !self.repeat || self.files.is_empty() {
                        return Ok(Chunk::End);
                    }
                    self.next = 0;
                }
                let path = self.files[self.next].clone();
                self.next += 1;
                let (name, reader, size) = open(&path).await?;
                self.current = Some((name.clone(), reader));
                return Ok(Chunk::Stream(StreamInfo { receiver_id: name, size }));
            };
            match reader.read(buf).await {
                Ok(0) => self.current = None,
                Ok(n) => return Ok(Chunk::Data(n)),
                Err(source) => return Err(SourceError::Read { what: name.clone(), source }),
            }
        }
    }
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

type Opened = (String, Box<dyn AsyncRead + Unpin + Send>, Option<u64>);

/// The stream's name (the file name, or `stdin`), a reader and its size.
async fn open(path: &Path) -> Result<Opened, SourceError> {
    if is_stdin(path) {
        return Ok(("stdin".to_owned(), Box::new(tokio::io::stdin()), None));
    }
    let what = || format!("recording {}", path.display());
    let file =
        File::open(path).await.map_err(|source| SourceError::Open { what: what(), source })?;
    let size = file.metadata().await.ok().map(|m| m.len());
    let name = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    Ok((name, Box::new(file), size))
}

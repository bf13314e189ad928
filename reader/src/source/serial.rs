//! A receiver on a serial port (8 data bits, no parity, 1 stop bit).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use tokio_serial::{DataBits, FlowControl, Parity, SerialPortBuilderExt, SerialStream, StopBits};

use super::SourceError;
use super::reconnect::{ConnectError, Connector};

/// Baud rates NovAtel receivers support.
pub const BAUD_RATES: [u32; 11] =
    [300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115_200, 230_400, 921_600];

/// A serial device and its speed.
#[derive(Clone, Debug)]
pub struct SerialPort {
    pub device: PathBuf,
    pub baud: u32,
}

impl Connector for SerialPort {
    type Stream = SerialStream;

    fn describe(&self) -> String {
        self.device.display().to_string()
    }

    async fn connect(&self) -> Result<SerialStream, ConnectError> {
        tokio_serial::new(self.device.to_string_lossy(), self.baud)
            .data_bits(DataBits::Eight)
            .parity(Parity::None)
            .stop_bits(StopBits::One)
            .flow_control(FlowControl::None)
            .open_native_async()
            .map_err(|error| classify(&self.device, error))
    }
}

fn classify(device: &Path, error: tokio_serial::Error) -> ConnectError {
    use std::io::ErrorKind;
    match error.kind {
        tokio_serial::ErrorKind::Io(ErrorKind::NotFound) => {
            ConnectError::Retry(SourceError::DeviceNotFound { path: device.to_owned() })
        }
        tokio_serial::ErrorKind::Io(ErrorKind::PermissionDenied) => {
            let group = owning_group(device);
            ConnectError::Fatal(SourceError::PermissionDenied { path: device.to_owned(), group })
        }
        tokio_serial::ErrorKind::NoDevice => ConnectError::Retry(SourceError::Open {
            what: format!("{} (is another program using it?)", device.display()),
            source: error.into(),
        }),
        _ => ConnectError::Retry(SourceError::Open {
            what: device.display().to_string(),
            source: error.into(),
        }),
    }
}

/// The name of the group that owns `path`, from /etc/group.
fn owning_group(path: &Path) -> Option<String> {
    let gid = std::fs::metadata(path).ok()?.gid();
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        let id: u32 = fields.nth(1)?.parse().ok()?;
        (id == gid).then(|| name.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_denied_names_the_group_to_join() {
        let denied = tokio_serial::Error::new(
            tokio_serial::ErrorKind::Io(std::io::ErrorKind::PermissionDenied),
            "Permission denied",
        );
        let ConnectError::Fatal(error) = classify(Path::new("/etc/passwd"), denied) else {
            panic!("permission denied must not be retried");
        };
        assert_eq!(
            error.to_string(),
            "permission denied opening /etc/passwd; it belongs to group root: add the user to it (sudo \
             usermod -aG root $USER) and log in again"
        );
        let missing =
            tokio_serial::Error::new(tokio_serial::ErrorKind::Io(std::io::ErrorKind::NotFound), "");
        assert!(matches!(
            classify(Path::new("/dev/x"), missing),
            ConnectError::Retry(SourceError::DeviceNotFound { .. })
        ));
    }

    #[test]
    fn group_of_a_file() {
        // /etc/passwd belongs to root's group on Debian.
        assert_eq!(owning_group(Path::new("/etc/passwd")).as_deref(), Some("root"));
        assert_eq!(owning_group(Path::new("/nonexistent")), None);
    }
}

//! `novatel-reader serial`: a receiver on a serial port to Kafka.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgMatches, Command};

use super::produce::{self, Job, RunError};
use crate::config::{Common, CommonArgs, Resolver, invalid, parse_duration};
use crate::pipeline::ProgressMode;
use crate::source::serial::BAUD_RATES;
use crate::source::{Reconnecting, SerialPort, Source};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/usb-NovAtel_...; the user needs
    /// read and write access (usually the `dialout` group).
    #[arg(long, env = "SERIAL_DEVICE")]
    pub serial_device: Option<PathBuf>,

    /// Baud rate (8 data bits, no parity, 1 stop bit), as set on the receiver's port
    /// (SERIALCONFIG). [default: 115200]
    #[arg(long, env = "SERIAL_BAUD")]
    pub serial_baud: Option<u32>,

    /// Command sent to the receiver on every connect, e.g. "LOG BESTPOSB ONTIME 0.05"; repeat the
    /// flag for several; SERIAL_COMMANDS takes a `;`-separated list.
    #[arg(long = "serial-command", env = "SERIAL_COMMANDS", value_delimiter = ';')]
    pub serial_commands: Vec<String>,

    /// How long to keep trying to open the device at start; once it has been open, a lost device
    /// is retried forever. [default: 30s]
    #[arg(long, env = "SERIAL_CONNECT_TIMEOUT")]
    pub serial_connect_timeout: Option<String>,
}

pub async fn run(args: Args, matches: &ArgMatches, command: &Command) -> Result<(), RunError> {
    let r = Resolver::new(matches, command, args.common.config.clone())?;
    let common = Common::resolve(&args.common, &r)?;
    let file = &r.file.serial;
    let device =
        r.get("serial_device", args.serial_device.clone(), file.device.clone(), PathBuf::new());
    if device.value.as_os_str().is_empty() {
        return Err(RunError::Usage(
            "no serial device: set --serial-device (SERIAL_DEVICE) or serial.device".into(),
        ));
    }
    let baud = r.get("serial_baud", args.serial_baud, file.baud, 115_200);
    if !BAUD_RATES.contains(&baud.value) {
        let rates = BAUD_RATES.map(|b| b.to_string()).join(", ");
        return Err(invalid(
            "serial.baud",
            &baud.value.to_string(),
            &format!("use one of {rates}"),
        )
        .into());
    }
    let given_commands = (!args.serial_commands.is_empty()).then(|| args.serial_commands.clone());
    let commands = r.get("serial_commands", given_commands, file.commands.clone(), vec![]);
    let timeout =
        r.get("serial_connect_timeout", args.serial_connect_timeout.clone(), None, "30s".into());
    let connect_timeout: Duration = parse_duration("serial.connect_timeout", &timeout.value)?;
    let own = vec![
        (
            "serial.device".to_owned(),
            format!("{:?}", device.value.display().to_string()),
            device.origin.clone(),
        ),
        ("serial.baud".to_owned(), baud.value.to_string(), baud.origin.clone()),
        ("serial.commands".to_owned(), format!("{:?}", commands.value), commands.origin.clone()),
        (
            "serial.connect_timeout".to_owned(),
            format!("{connect_timeout:?}"),
            timeout.origin.clone(),
        ),
    ];
    if !produce::start(&common, own) {
        return Ok(());
    }
    let port = SerialPort { device: device.value, baud: baud.value };
    let source = Source::Serial(Reconnecting::new(port, commands.value, connect_timeout));
    let job = Job { source, speed: None, progress: ProgressMode::Auto, total_bytes: None };
    produce::run(common, &args.common, vec![job]).await
}

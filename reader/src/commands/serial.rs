//! `novatel-reader serial`: a receiver on a serial port to Kafka.

use std::path::PathBuf;
use std::time::Duration;

use gnss_common::settings::duration;

use super::produce::{self, Job, Run, RunError};
use crate::settings::ProducerArgs;
use crate::source::serial::BAUD_RATES;
use crate::source::{Reconnecting, SerialPort, Source};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub producer: ProducerArgs,

    /// Serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/usb-NovAtel_...; the user needs
    /// read and write access (usually the `dialout` group).
    #[arg(long, env = "SERIAL_DEVICE")]
    pub serial_device: Option<PathBuf>,

    /// Baud rate (8 data bits, no parity, 1 stop bit), as set on the receiver's port
    /// (SERIALCONFIG).
    #[arg(long, env = "SERIAL_BAUD", default_value = "115200", value_parser = baud)]
    pub serial_baud: u32,

    /// Command sent to the receiver on every connect, e.g. "LOG BESTPOSB ONTIME 0.05"; repeat the
    /// flag for several; SERIAL_COMMANDS takes a `;`-separated list.
    #[arg(long = "serial-command", env = "SERIAL_COMMANDS", value_delimiter = ';')]
    pub serial_commands: Vec<String>,

    /// How long to keep trying to open the device at start; once it has been open, a lost device
    /// is retried forever.
    #[arg(long, env = "SERIAL_CONNECT_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub serial_connect_timeout: Duration,
}

fn baud(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(rate) if BAUD_RATES.contains(&rate) => Ok(rate),
        _ => Err(format!("use one of {}", BAUD_RATES.map(|b| b.to_string()).join(", "))),
    }
}

pub async fn run(args: &Args, run: Run<'_>) -> Result<(), RunError> {
    let Some(device) = args.serial_device.clone() else {
        return Err(RunError::Usage(
            "no serial device: set --serial-device (SERIAL_DEVICE) or serial.device".into(),
        ));
    };
    if !run.start(&args.producer) {
        return Ok(());
    }
    let port = SerialPort { device, baud: args.serial_baud };
    let commands = args.serial_commands.clone();
    let source = Source::Serial(Reconnecting::new(port, commands, args.serial_connect_timeout));
    let job = Job::live(source, &args.producer);
    produce::run(run, &args.producer, vec![job]).await
}

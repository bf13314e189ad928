//! `novatel-reader tcp`: a receiver's Ethernet (ICOM) port to Kafka.

use std::time::Duration;

use gnss_common::settings::duration;

use super::produce::{self, Job, Run, RunError};
use crate::settings::ProducerArgs;
use crate::source::{Reconnecting, Source, TcpPort};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub producer: ProducerArgs,

    /// The receiver's port as host:port, e.g. 192.168.1.10:3001 (ICOM1).
    #[arg(long, env = "TCP_ADDRESS")]
    pub tcp_address: Option<String>,

    /// Command sent to the receiver on every connect; repeat the flag for several; TCP_COMMANDS
    /// takes a `;`-separated list.
    #[arg(long = "tcp-command", env = "TCP_COMMANDS", value_delimiter = ';')]
    pub tcp_commands: Vec<String>,

    /// Silence after which the connection is taken for dead and made again.
    #[arg(long, env = "TCP_IDLE_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub tcp_idle_timeout: Duration,

    /// How long to keep trying to connect at start; once connected, a lost connection is retried
    /// forever.
    #[arg(long, env = "TCP_CONNECT_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub tcp_connect_timeout: Duration,
}

pub async fn run(args: &Args, run: Run<'_>) -> Result<(), RunError> {
    let address = args.tcp_address.clone().unwrap_or_default();
    if !address.contains(':') {
        return Err(RunError::Usage(format!(
            "no receiver address `{address}`: set --tcp-address (TCP_ADDRESS) or tcp.address to \
             host:port"
        )));
    }
    if !run.start(&args.producer) {
        return Ok(());
    }
    let port = TcpPort { address, idle_timeout: args.tcp_idle_timeout };
    let commands = args.tcp_commands.clone();
    let source = Source::Tcp(Reconnecting::new(port, commands, args.tcp_connect_timeout));
    let job = Job::live(source, &args.producer);
    produce::run(run, &args.producer, vec![job]).await
}

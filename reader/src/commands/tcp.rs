//! `novatel-reader tcp`: a receiver's Ethernet (ICOM) port to Kafka.

use clap::{ArgMatches, Command};

use super::produce::{self, Job, RunError};
use crate::config::{Common, CommonArgs, Resolver, parse_duration};
use crate::pipeline::ProgressMode;
use crate::source::{Reconnecting, Source, TcpPort};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,

    /// The receiver's port as host:port, e.g. 192.168.1.10:3001 (ICOM1).
    #[arg(long, env = "TCP_ADDRESS")]
    pub tcp_address: Option<String>,

    /// Command sent to the receiver on every connect; repeat the flag for several; TCP_COMMANDS
    /// takes a `;`-separated list.
    #[arg(long = "tcp-command", env = "TCP_COMMANDS", value_delimiter = ';')]
    pub tcp_commands: Vec<String>,

    /// Silence after which the connection is taken for dead and made again. [default: 30s]
    #[arg(long, env = "TCP_IDLE_TIMEOUT")]
    pub tcp_idle_timeout: Option<String>,

    /// How long to keep trying to connect at start; once connected, a lost connection is retried
    /// forever. [default: 30s]
    #[arg(long, env = "TCP_CONNECT_TIMEOUT")]
    pub tcp_connect_timeout: Option<String>,
}

pub async fn run(args: Args, matches: &ArgMatches, command: &Command) -> Result<(), RunError> {
    let r = Resolver::new(matches, command, args.common.config.clone())?;
    let common = Common::resolve(&args.common, &r)?;
    let file = &r.file.tcp;
    let address =
        r.get("tcp_address", args.tcp_address.clone(), file.address.clone(), String::new());
    if !address.value.contains(':') {
        return Err(RunError::Usage(format!(
            "no receiver address `{}`: set --tcp-address (TCP_ADDRESS) or tcp.address to host:port",
            address.value
        )));
    }
    let given_commands = (!args.tcp_commands.is_empty()).then(|| args.tcp_commands.clone());
    let commands = r.get("tcp_commands", given_commands, file.commands.clone(), vec![]);
    let idle = r.get("tcp_idle_timeout", args.tcp_idle_timeout.clone(), None, "30s".into());
    let idle_timeout = parse_duration("tcp.idle_timeout", &idle.value)?;
    let start = r.get("tcp_connect_timeout", args.tcp_connect_timeout.clone(), None, "30s".into());
    let connect_timeout = parse_duration("tcp.connect_timeout", &start.value)?;
    let own = vec![
        ("tcp.address".to_owned(), format!("{:?}", address.value), address.origin.clone()),
        ("tcp.commands".to_owned(), format!("{:?}", commands.value), commands.origin.clone()),
        ("tcp.idle_timeout".to_owned(), format!("{idle_timeout:?}"), idle.origin.clone()),
        ("tcp.connect_timeout".to_owned(), format!("{connect_timeout:?}"), start.origin.clone()),
    ];
    if !produce::start(&common, own) {
        return Ok(());
    }
    let port = TcpPort { address: address.value, idle_timeout };
    let source = Source::Tcp(Reconnecting::new(port, commands.value, connect_timeout));
    let job = Job { source, speed: None, progress: ProgressMode::Auto, total_bytes: None };
    produce::run(common, &args.common, vec![job]).await
}

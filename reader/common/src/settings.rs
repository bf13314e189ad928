//! Settings, declared once. Each setting of both binaries is one clap argument: its doc comment is
//! the help, `env` its environment variable, `default_value` its default and `value_parser` its
//! validation. From that one declaration it is
//!
//! - a flag: `--kafka-brokers`;
//! - an environment variable: `KAFKA_BROKERS`;
//! - a key of the TOML file given with `--config`: `kafka.brokers` (the argument's id up to its
//!   first `_` is the section, the rest the key).
//!
//! The flag wins over the variable, the variable over the file, the file over the default. A file
//! value is checked by the same parser as a flag's. An argument without an environment variable
//! (`--print-config`, `--migrate-only`) is an action of the command line, not a setting, and has no
//! key; nor has `--config` itself. A setting of `KEY=VALUE` pairs (`-X`, `value_name =
//! "KEY=VALUE"`) is a table in the file, merged with the command line's pairs key by key.
//!
//! [`Settings::describe`] prints every setting with where its value came from, as TOML that
//! `--config` reads back (secrets commented out, never shown).

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command, FromArgMatches};
use thiserror::Error;

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    CommandLine,
    Environment(String),
    ConfigFile,
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine => f.write_str("command line"),
            Origin::Environment(name) => write!(f, "environment {name}"),
            Origin::ConfigFile => f.write_str("config file"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A setting that is wrong, found before anything is started (exit status 2).
#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("cannot read config file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "config file {path}: `{key}` is not a setting of {command}; `{command} --print-config` \
         lists them"
    )]
    Unknown { path: PathBuf, key: String, command: String },
    #[error("invalid {key} {shown}: {reason} (set by {spelling})")]
    Invalid { key: String, shown: String, reason: String, spelling: String },
}

/// Why settings could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// A command line clap refuses, `--help` or `--version`: [`clap::Error::exit`] prints it and
    /// exits with the right status.
    #[error(transparent)]
    Usage(clap::Error),
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

/// Settings whose flag, variable and file are all unset fall back to these variables: compose
/// names the brokers `KAFKA_HOST`.
const FALLBACK_VARIABLES: [(&str, &str); 1] = [("kafka_brokers", "KAFKA_HOST")];

/// The parsed command line `A`, with the file and the fallbacks applied, and where each value came
/// from.
#[derive(Debug)]
pub struct Settings<A> {
    pub args: A,
    /// The path of the (sub)command run, e.g. `novatel-reader replay`.
    name: String,
    /// The (sub)command run, and its matches.
    command: Command,
    matches: ArgMatches,
    file: Option<PathBuf>,
    origins: HashMap<String, Origin>,
    /// Per `KEY=VALUE` setting: the merged pairs, by key.
    pairs: HashMap<String, BTreeMap<String, (String, Origin)>>,
}

impl<A: FromArgMatches> Settings<A> {
    /// Parses `argv` (program name first) with `command`, reads the TOML file its `--config`
    /// names, and resolves every setting.
    pub fn load(command: Command, argv: Vec<OsString>) -> Result<Self, LoadError> {
        let plain =
            command.clone().try_get_matches_from(&argv).map_err(|e| refused(&command, e))?;
        let (leaf, leaf_matches, name) = leaf_of(&command, &plain);
        let file = leaf_matches.try_get_one::<PathBuf>("config").ok().flatten().cloned();
        let table = match &file {
            Some(path) => read(path)?,
            None => toml::Table::new(),
        };
        let keys = all_keys(&command);
        let mut unknown = flatten(&table).into_iter().filter(|key| !keys.contains_key(key));
        if let (Some(path), Some(key)) = (&file, unknown.next()) {
            return Err(SettingsError::Unknown { path: path.clone(), key, command: name }.into());
        }

        // Settings neither the command line nor the environment set: from the file, or from
        // their fallback variable, given as flags.
        let mut origins = HashMap::new();
        let mut extra: Vec<OsString> = Vec::new();
        for arg in leaf.get_arguments().filter(|a| is_setting(a) && !is_pairs(a)) {
            let id = arg.get_id().as_str();
            if is_given(leaf_matches, id) {
                continue;
            }
            let key = key_of(id);
            let fallback = FALLBACK_VARIABLES.iter().find(|(i, _)| *i == id).map(|(_, v)| *v);
            let (value, origin) = match (lookup(&table, &key), fallback) {
                (Some(value), _) => (value.clone(), Origin::ConfigFile),
                (None, Some(var)) => match std::env::var_os(var) {
                    Some(value) => {
                        (toml::Value::String(lossy(&value)), Origin::Environment(var.into()))
                    }
                    None => continue,
                },
                (None, None) => continue,
            };
            extra.extend(as_arguments(arg, &value).map_err(|reason| SettingsError::Invalid {
                key: key.clone(),
                shown: shown(arg, &value.to_string()),
                reason,
                spelling: spelling_of(&origin, &file),
            })?);
            origins.insert(id.to_owned(), origin);
        }
        let matches = if extra.is_empty() {
            plain.clone()
        } else {
            let end = argv.iter().position(|a| a == "--").unwrap_or(argv.len());
            let argv: Vec<OsString> = argv[..end]
                .iter()
                .cloned()
                .chain(extra)
                .chain(argv[end..].iter().cloned())
                .collect();
            // A value from the file that its setting's parser refuses: said as from the file.
            let refused_from = |error| match refused(&command, error) {
                LoadError::Settings(SettingsError::Invalid { key, shown, reason, spelling }) => {
                    let spelling = origins
                        .get(&key.replacen('.', "_", 1))
                        .map_or(spelling, |origin| spelling_of(origin, &file));
                    LoadError::Settings(SettingsError::Invalid { key, shown, reason, spelling })
                }
                other => other,
            };
            command.clone().try_get_matches_from(argv).map_err(refused_from)?
        };
        // What the command line and the environment gave, from the matches before any flag was
        // added; the pairs, which were not.
        let mut pairs = HashMap::new();
        for arg in leaf.get_arguments().filter(|a| is_setting(a)) {
            let id = arg.get_id().as_str();
            let given = origin_given(arg, leaf_matches);
            if let Some(origin) = &given {
                origins.insert(id.to_owned(), origin.clone());
            }
            if is_pairs(arg) {
                let merged = merge_pairs(arg, &table, leaf_matches, given, &file)?;
                pairs.insert(id.to_owned(), merged);
            }
        }
        let args = A::from_arg_matches(&matches).map_err(LoadError::Usage)?;
        let (leaf, leaf_matches, _) = leaf_of(&command, &matches);
        Ok(Settings {
            args,
            name,
            command: leaf.clone(),
            matches: leaf_matches.clone(),
            file,
            origins,
            pairs,
        })
    }

    /// Where the value of the setting with this id came from.
    pub fn origin(&self, id: &str) -> Origin {
        self.origins.get(id).cloned().unwrap_or(Origin::Default)
    }

    /// Marks a setting as set from elsewhere (a password read from the file a setting names).
    pub fn set_origin(&mut self, id: &str, origin: Origin) {
        self.origins.insert(id.to_owned(), origin);
    }

    /// The merged `KEY=VALUE` pairs of a setting, by key.
    pub fn pairs(&self, id: &str) -> Vec<(String, String)> {
        self.pairs
            .get(id)
            .map(|p| p.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Every setting, its value and where it came from, as TOML that `--config` reads back.
    /// Secrets are commented out and shown as `****`.
    pub fn describe(&self) -> String {
        let mut lines: Vec<(String, String)> = Vec::new();
        let config = self.file.as_ref().map_or("none".to_owned(), |p| p.display().to_string());
        for arg in self.command.get_arguments().filter(|a| is_setting(a)) {
            let id = arg.get_id().as_str();
            let key = key_of(id);
            let secret = arg.is_hide_env_values_set();
            if is_pairs(arg) {
                for (name, (value, origin)) in self.pairs.get(id).into_iter().flatten() {
                    let line = format!("{key}.{} = {}", toml_key(name), toml_string(value));
                    let line = if secret && is_secret(name) { hidden(&key, name) } else { line };
                    lines.push((line, origin.to_string()));
                }
                continue;
            }
            let origin = self.origin(id);
            let values: Vec<String> = self
                .matches
                .get_raw(id)
                .map(|values| values.map(lossy).collect())
                .unwrap_or_default();
            let line = if secret {
                match origin {
                    Origin::Default => format!("# {key} = (not set)"),
                    _ => format!("# {key} = \"****\""),
                }
            } else if matches!(arg.get_action(), ArgAction::SetTrue) {
                format!("{key} = {}", self.matches.get_flag(id))
            } else if matches!(arg.get_action(), ArgAction::Append) {
                let items: Vec<String> = values.iter().map(|v| toml_value(v)).collect();
                format!("{key} = [{}]", items.join(", "))
            } else {
                match values.first() {
                    Some(value) => format!("{key} = {}", toml_value(value)),
                    None => format!("# {key} = (not set)"),
                }
            };
            lines.push((line, origin.to_string()));
        }
        let width = lines.iter().map(|(line, _)| line.len()).max().unwrap_or(0);
        let mut out = format!(
            "# {}: every setting and where its value came from (config file: {config});\n\
             # as a file for --config, the same settings again\n",
            self.name
        );
        for (line, origin) in lines {
            out.push_str(&format!("{line:<width$}  # {origin}\n"));
        }
        out
    }
}

/// Whether a librdkafka property (or any `KEY=VALUE` key) holds a secret that must not be printed
/// or logged.
pub fn is_secret(key: &str) -> bool {
    ["password", "secret", "jaas", "key.pem", "private"].iter().any(|s| key.contains(s))
}

/// A `KEY=VALUE` pair's parser: the pair itself, checked. The value is not shown in the error: it
/// may be a secret, or the part of one after a comma.
pub fn key_value(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        Some((key, _)) if !key.trim().is_empty() => Ok(text.to_owned()),
        _ => Err("expected key=value, e.g. -X acks=all; -X and KAFKA_PROPERTIES split at commas: \
                  put a value that holds one in the config file's [kafka.properties]"
            .to_owned()),
    }
}

/// A duration's parser: `30s`, `500ms`, `2m`.
pub fn duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e}; write e.g. 30s or 500ms"))
}

/// The key of a setting in the file: its id with the first `_` made a `.`.
fn key_of(id: &str) -> String {
    id.replacen('_', ".", 1)
}

/// A setting, rather than an action of the command line or `--config` itself.
fn is_setting(arg: &Arg) -> bool {
    arg.get_env().is_some() && arg.get_id() != "config"
}

fn is_pairs(arg: &Arg) -> bool {
    arg.get_value_names().is_some_and(|names| names.iter().any(|n| n.as_str() == "KEY=VALUE"))
}

fn is_given(matches: &ArgMatches, id: &str) -> bool {
    matches!(matches.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
}

/// Where a value given on the command line or in the environment came from.
fn origin_given(arg: &Arg, matches: &ArgMatches) -> Option<Origin> {
    match matches.value_source(arg.get_id().as_str())? {
        ValueSource::CommandLine => Some(Origin::CommandLine),
        ValueSource::EnvVariable => {
            Some(Origin::Environment(arg.get_env().map(lossy).unwrap_or_default()))
        }
        _ => None,
    }
}

/// The subcommand that runs, its matches, and its name with its parents'.
fn leaf_of<'a>(
    command: &'a Command,
    matches: &'a ArgMatches,
) -> (&'a Command, &'a ArgMatches, String) {
    let (mut command, mut matches, mut name) = (command, matches, command.get_name().to_owned());
    while let Some((sub, sub_matches)) = matches.subcommand() {
        match command.find_subcommand(sub) {
            Some(found) => {
                name = format!("{name} {sub}");
                (command, matches) = (found, sub_matches);
            }
            None => break,
        }
    }
    (command, matches, name)
}

/// Every key a file may hold for `command` and its subcommands (a file may set several
/// subcommands' settings), with whether it is a table of pairs.
fn all_keys(command: &Command) -> HashMap<String, bool> {
    let mut keys: HashMap<String, bool> = command
        .get_arguments()
        .filter(|a| is_setting(a))
        .map(|a| (key_of(a.get_id().as_str()), is_pairs(a)))
        .collect();
    for sub in command.get_subcommands() {
        keys.extend(all_keys(sub));
    }
    keys
}

fn read(path: &Path) -> Result<toml::Table, SettingsError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| SettingsError::Read { path: path.to_owned(), source })?;
    text.parse::<toml::Table>()
        .map_err(|e| SettingsError::Parse { path: path.to_owned(), message: e.to_string() })
}

/// The keys of a file: `section.key`, or `key` outside a section (a table of pairs such as
/// `[kafka.properties]` is one key).
fn flatten(table: &toml::Table) -> Vec<String> {
    let mut keys = Vec::new();
    for (name, value) in table {
        match value.as_table() {
            Some(section) => keys.extend(section.keys().map(|key| format!("{name}.{key}"))),
            None => keys.push(name.clone()),
        }
    }
    keys
}

fn lookup<'a>(table: &'a toml::Table, key: &str) -> Option<&'a toml::Value> {
    match key.split_once('.') {
        Some((section, key)) => table.get(section)?.as_table()?.get(key),
        None => table.get(key),
    }
}

/// A file value as the command-line arguments that give it; why not, if it cannot be one.
fn as_arguments(arg: &Arg, value: &toml::Value) -> Result<Vec<OsString>, String> {
    let flag = |text: String| -> OsString {
        match arg.get_long() {
            Some(long) => format!("--{long}={text}").into(),
            None => text.into(),
        }
    };
    if matches!(arg.get_action(), ArgAction::SetTrue) {
        return match (value, arg.get_long()) {
            (toml::Value::Boolean(true), Some(long)) => Ok(vec![format!("--{long}").into()]),
            (toml::Value::Boolean(false), _) => Ok(vec![]),
            _ => Err("expected true or false".into()),
        };
    }
    let scalar = |value: &toml::Value| match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Datetime(d) => Ok(d.to_string()),
        _ => Err("expected a value, or a list of values".to_owned()),
    };
    match value {
        toml::Value::Array(items) if matches!(arg.get_action(), ArgAction::Append) => {
            items.iter().map(|item| scalar(item).map(flag)).collect()
        }
        toml::Value::Array(_) => Err("expected one value, not a list".into()),
        value => Ok(vec![flag(scalar(value)?)]),
    }
}

/// How a value is shown in an error: not at all for a secret, a URL without its credentials.
fn shown(arg: &Arg, value: &str) -> String {
    if arg.is_hide_env_values_set() {
        "(not shown: it may hold a secret)".to_owned()
    } else {
        format!("`{}`", with_credentials_hidden(value).unwrap_or_else(|| value.to_owned()))
    }
}

/// `url` with its user and password replaced by `****`, if it has any (`http://u:p@host`).
pub fn with_credentials_hidden(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let at = authority.rfind('@')?;
    let scheme = if scheme.is_empty() { String::new() } else { format!("{scheme}://") };
    Some(format!("{scheme}****@{}", &rest[at + 1..]))
}

/// Where a value that is refused was set.
fn spelling_of(origin: &Origin, file: &Option<PathBuf>) -> String {
    match (origin, file) {
        (Origin::ConfigFile, Some(path)) => format!("config file {}", path.display()),
        (origin, _) => origin.to_string(),
    }
}

/// A `KEY=VALUE` setting's pairs: the file's table, then the command line's or the environment's
/// pairs over it, key by key.
fn merge_pairs(
    arg: &Arg,
    table: &toml::Table,
    matches: &ArgMatches,
    given: Option<Origin>,
    file: &Option<PathBuf>,
) -> Result<BTreeMap<String, (String, Origin)>, SettingsError> {
    let key = key_of(arg.get_id().as_str());
    let mut pairs = BTreeMap::new();
    if let Some(value) = lookup(table, &key) {
        let invalid = |reason: &str| SettingsError::Invalid {
            key: key.clone(),
            shown: "(not shown)".into(),
            reason: reason.to_owned(),
            spelling: spelling_of(&Origin::ConfigFile, file),
        };
        let entries = value.as_table().ok_or_else(|| invalid("expected a table of key = value"))?;
        for (name, value) in entries {
            let value = value.as_str().ok_or_else(|| invalid("expected text values"))?;
            pairs.insert(name.clone(), (value.to_owned(), Origin::ConfigFile));
        }
    }
    if let Some(origin) = given {
        for pair in matches.get_raw(arg.get_id().as_str()).into_iter().flatten() {
            let pair = lossy(pair);
            if let Some((name, value)) = pair.split_once('=') {
                pairs.insert(name.trim().to_owned(), (value.to_owned(), origin.clone()));
            }
        }
    }
    Ok(pairs)
}

/// clap's refusal of a value, said as the other setting errors are: the key, the three spellings
/// and why; anything else (an unknown flag, `--help`) as clap says it.
fn refused(command: &Command, error: clap::Error) -> LoadError {
    if !matches!(error.kind(), ErrorKind::ValueValidation | ErrorKind::InvalidValue) {
        return LoadError::Usage(error);
    }
    let Some(ContextValue::String(shown_arg)) = error.get(ContextKind::InvalidArg) else {
        return LoadError::Usage(error);
    };
    let Some(arg) = find_arg(command, shown_arg) else { return LoadError::Usage(error) };
    let value = match error.get(ContextKind::InvalidValue) {
        Some(ContextValue::String(value)) => value.clone(),
        _ => String::new(),
    };
    let reason = match std::error::Error::source(&error) {
        Some(source) => source.to_string(),
        None => match error.get(ContextKind::ValidValue) {
            Some(ContextValue::Strings(valid)) => format!("expected one of {}", valid.join(", ")),
            _ => error.kind().to_string(),
        },
    };
    let key = key_of(arg.get_id().as_str());
    let shown = shown(arg, &value);
    let flag = arg.get_long().map_or(String::new(), |long| format!("--{long}, "));
    let env = arg.get_env().map(lossy).unwrap_or_default();
    let spelling = format!("{flag}{env} or {key} in the config file");
    LoadError::Settings(SettingsError::Invalid { key, shown, reason, spelling })
}

/// The argument clap shows as `shown` (`--kafka-start <KAFKA_START>`, `[REPLAY_FILES]...`), in
/// `command` or a subcommand.
fn find_arg<'a>(command: &'a Command, shown: &str) -> Option<&'a Arg> {
    let first = shown.split_whitespace().next().unwrap_or_default();
    let found = command.get_arguments().find(|arg| match arg.get_long() {
        Some(long) => first == format!("--{long}"),
        None => arg
            .get_value_names()
            .is_some_and(|names| names.iter().any(|n| first.contains(n.as_str()))),
    });
    found.or_else(|| command.get_subcommands().find_map(|sub| find_arg(sub, shown)))
}

fn lossy(text: &std::ffi::OsStr) -> String {
    text.to_string_lossy().into_owned()
}

/// A value as TOML: a number written as TOML writes it as it is, anything else as a string
/// (which the file reads back the same: every value is parsed from text).
fn toml_value(text: &str) -> String {
    let number = text.parse::<i64>().is_ok_and(|i| i.to_string() == text)
        || (text.contains('.') && text.parse::<f64>().is_ok_and(|f| f.to_string() == text));
    if number { text.to_owned() } else { toml_string(text) }
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A key as TOML: bare if it can be, quoted otherwise (`"sasl.password"`).
fn toml_key(name: &str) -> String {
    let bare = !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare { name.to_owned() } else { toml_string(name) }
}

/// A secret pair, commented out: `# kafka.properties.sasl.password = "****"`.
fn hidden(key: &str, name: &str) -> String {
    format!("# {key}.{name} = \"****\"")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use clap::{CommandFactory, Parser};

    use super::*;
    use crate::kafka::KafkaArgs;
    use crate::telemetry::TelemetryArgs;

    /// A binary with the shared settings, a few of its own, and actions.
    #[derive(Debug, Parser)]
    #[command(name = "test")]
    struct Test {
        #[arg(long, env = "TEST_CONFIG_FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        kafka: KafkaArgs,
        #[command(flatten)]
        telemetry: TelemetryArgs,
        /// A duration.
        #[arg(long, env = "TEST_BATCH_MAX_AGE", default_value = "250ms", value_parser = duration)]
        batch_max_age: Duration,
        /// A count.
        #[arg(long, env = "TEST_BATCH_MAX_FRAMES", default_value = "100")]
        batch_max_frames: u32,
        /// A list.
        #[arg(long = "filter-name", env = "TEST_FILTER_NAMES", value_delimiter = ',')]
        filter_names: Vec<String>,
        /// A switch.
        #[arg(long, env = "TEST_REPLAY_LOOP")]
        replay_loop: bool,
        /// A secret.
        #[arg(long, env = "TEST_DB_PASSWORD", hide_env_values = true)]
        db_password: Option<String>,
        /// An action.
        #[arg(long)]
        print_config: bool,
    }

    /// A config file of its own per call: tests run in parallel.
    fn file(text: &str) -> PathBuf {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("settings-test-{}-{n}.toml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn load(args: &[&str], config: Option<&str>) -> Result<Settings<Test>, LoadError> {
        let mut argv: Vec<OsString> =
            std::iter::once("test").chain(args.iter().copied()).map(Into::into).collect();
        if let Some(text) = config {
            argv.push("--config".into());
            argv.push(file(text).into());
        }
        Settings::load(Test::command(), argv)
    }

    #[test]
    fn command_line_beats_file_beats_default() {
        let file = "[kafka]\nbrokers = \"file:9092\"\ntopic = \"from.file\"\n\
                    [batch]\nmax_frames = 5000\n[filter]\nnames = [\"BESTPOS\", \"RANGE\"]\n\
                    [replay]\nloop = true\n";
        let s = load(&["--kafka-brokers", "cli:9092"], Some(file)).unwrap();
        assert_eq!(s.args.kafka.kafka_brokers, "cli:9092");
        assert_eq!(s.origin("kafka_brokers"), Origin::CommandLine);
        assert_eq!(s.args.kafka.kafka_topic, "from.file");
        assert_eq!(s.origin("kafka_topic"), Origin::ConfigFile);
        assert_eq!(s.args.batch_max_frames, 5000);
        assert_eq!(s.args.filter_names, ["BESTPOS", "RANGE"]);
        assert!(s.args.replay_loop);
        assert_eq!(s.args.batch_max_age, Duration::from_millis(250));
        assert_eq!(s.origin("batch_max_age"), Origin::Default);
        assert_eq!(s.args.telemetry.metrics_listen.0, Some("127.0.0.1:9187".parse().unwrap()));
    }

    #[test]
    fn properties_merge_per_key_and_secrets_are_masked() {
        let file = "[kafka.properties]\n\"sasl.password\" = \"hunter2\"\n\"acks\" = \"all\"\n\
                    \"sasl.jaas.config\" = \"a,b\"\n";
        let s = load(&["-X", "acks=1", "-X", "linger.ms=5"], Some(file)).unwrap();
        let pairs: BTreeMap<String, String> = s.pairs("kafka_properties").into_iter().collect();
        let expected = [
            ("acks", "1"),
            ("linger.ms", "5"),
            ("sasl.jaas.config", "a,b"),
            ("sasl.password", "hunter2"),
        ];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_owned(), v.to_owned())).into());
        let text = s.describe();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("# kafka.properties.sasl.password = \"****\""), "{text}");
        assert!(text.contains("kafka.properties.acks = \"1\""), "{text}");
    }

    #[test]
    fn what_print_config_prints_the_file_reads_back_the_same() {
        let file = "[kafka]\ntopic = \"from.file\"\n[batch]\nmax_age = \"2s\"\n\
                    [kafka.properties]\nacks = \"all\"\n\"sasl.password\" = \"hunter2\"\n";
        let first = load(
            &[
                "--filter-name",
                "BESTPOS,RANGE",
                "--replay-loop",
                "--db-password",
                "x",
                "--log-format",
                "json",
            ],
            Some(file),
        )
        .unwrap();
        let printed = first.describe();
        for line in [
            "kafka.topic = \"from.file\"",
            "batch.max_age = \"2s\"",
            "batch.max_frames = 100",
            "filter.names = [\"BESTPOS\", \"RANGE\"]",
            "replay.loop = true",
            "metrics.listen = \"127.0.0.1:9187\"",
            "# db.password = \"****\"",
        ] {
            assert!(printed.contains(line), "{line} in:\n{printed}");
        }
        assert!(!printed.contains("print.config") && !printed.contains("\nconfig"), "{printed}");
        // The printed settings as the only source: every value the same, the secrets left out.
        let again = load(&[], Some(&printed)).unwrap();
        assert_eq!(again.args.kafka.kafka_topic, "from.file");
        assert_eq!(again.args.batch_max_age, Duration::from_secs(2));
        assert_eq!(again.args.filter_names, first.args.filter_names);
        assert!(again.args.replay_loop);
        assert_eq!(again.args.telemetry.log_format, first.args.telemetry.log_format);
        assert_eq!(again.pairs("kafka_properties"), [("acks".to_owned(), "all".to_owned())]);
        assert_eq!(again.args.db_password, None);
    }

    #[test]
    fn errors_say_what_to_write() {
        let error =
            |args: &[&str], config: Option<&str>| load(args, config).unwrap_err().to_string();
        assert_eq!(
            error(&["--kafka-topic", "bad topic"], None),
            "invalid kafka.topic `bad topic`: use letters, digits, '.', '_' and '-' (set by \
             --kafka-topic, KAFKA_TOPIC or kafka.topic in the config file)"
        );
        let e = error(&["--metrics-listen", "9187"], None);
        assert!(e.contains("expected ip:port") && e.contains("metrics.listen"), "{e}");
        let e = error(&[], Some("[kafka]\nbrokerz = \"x\"\n"));
        assert!(e.contains("`kafka.brokerz` is not a setting of test"), "{e}");
        let e = error(&[], Some("[batch]\nmax_frames = \"many\"\n"));
        assert!(e.contains("invalid batch.max_frames `many`") && e.contains("config file"), "{e}");
        let e = error(&[], Some("[replay]\nloop = \"yes\"\n"));
        assert!(e.contains("replay.loop") && e.contains("true or false"), "{e}");
        let e = error(&[], Some("not toml ="));
        assert!(e.contains("is not valid TOML"), "{e}");
        let e = error(&["-X", "sasl.password:hunter2"], None);
        assert!(e.contains("kafka.properties") && e.contains("key=value"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        let e = error(&["--kafka-brokers", "http://u:hunter2@host:9092,"], None);
        assert!(e.contains("http://****@host:9092,") && !e.contains("hunter2"), "{e}");
    }
}

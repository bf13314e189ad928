//! The deployment in `compose/`, checked without Docker: what compose.yml, .env.example, the
//! Dockerfiles, the ClickHouse and Keeper configuration, Prometheus and Grafana provisioning say
//! must agree with each other and with the binaries' command lines. Nothing here runs a
//! container; a failure names the file to fix.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::path::{Component, Path, PathBuf};

use clap::{Command, CommandFactory};
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlLoader};

/// The profiles: prod, testing, prod at scale.
const PROFILES: [&str; 3] = ["default", "base", "cluster"];
/// Services of the prod profile (`default`), of the testing profile (`base`) and of the cluster
/// profile (`cluster`).
const PROD: [&str; 7] =
    ["kafka", "kafka-init", "clickhouse", "reader", "streamer", "grafana", "prometheus"];
const TESTING: [&str; 3] = ["clickhouse", "grafana", "streamer"];
const CLUSTER: [&str; 15] = [
    "kafka-1",
    "kafka-2",
    "kafka-3",
    "kafka-cluster-init",
    "clickhouse-keeper-1",
    "clickhouse-keeper-2",
    "clickhouse-keeper-3",
    "clickhouse-s1r1",
    "clickhouse-s1r2",
    "clickhouse-s2r1",
    "clickhouse-s2r2",
    "reader-cluster",
    "streamer-cluster",
    "grafana-cluster",
    "prometheus",
];
/// The cluster profile's replication: copies of each partition, and how many must be in sync
/// for a write.
const CLUSTER_REPLICATION: (u32, u32) = (3, 2);
/// The topics brokers create themselves: the variables of their replication factor and minimum
/// in-sync replicas, with Kafka's defaults.
const BROKER_TOPICS: [(&str, u32, &str, u32); 4] = [
    ("KAFKA_DEFAULT_REPLICATION_FACTOR", 1, "KAFKA_MIN_INSYNC_REPLICAS", 1),
    ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", 3, "KAFKA_MIN_INSYNC_REPLICAS", 1),
    ("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", 3, "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", 2),
    (
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
        3,
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR",
        2,
    ),
];
/// The images' ClickHouse ports, HTTP and native, where the config does not set them.
const CLICKHOUSE_HTTP_PORT: u16 = 8123;
const CLICKHOUSE_TCP_PORT: u16 = 9000;
/// The services built from our Dockerfiles, with the crate each one builds.
const BUILT: [(&str, &str); 2] = [("reader", "reader"), ("streamer", "streamer")];
/// Datasources Grafana itself provides, which dashboards may name without provisioning them.
const GRAFANA_BUILTIN: [&str; 4] = ["grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --"];

// ---- files

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_owned()
}

fn compose_dir() -> PathBuf {
    repo().join("compose")
}

/// A path relative to compose/ (where compose resolves them), `..` resolved.
fn in_compose(relative: &str) -> PathBuf {
    let mut path = PathBuf::new();
    for part in compose_dir().join(relative).components() {
        match part {
            Component::ParentDir => _ = path.pop(),
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    path
}

/// A path as messages show it: relative to the repository.
fn shown(path: &Path) -> String {
    path.strip_prefix(repo()).unwrap_or(path).display().to_string()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", shown(path)))
}

/// A YAML file's first document, merge keys applied (the loader replaces aliases itself).
fn yaml(path: &Path) -> Yaml {
    let docs = YamlLoader::load_from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", shown(path)));
    merged(docs.into_iter().next().unwrap_or_else(|| panic!("{} is empty", shown(path))))
}

/// `y` with its merge keys (`<<: *anchor`, `<<: [*a, *b]`) applied as compose applies them: a
/// mapping's own keys win over the merged mappings', and earlier merged mappings over later ones.
fn merged(y: Yaml) -> Yaml {
    match y {
        Yaml::Array(items) => Yaml::Array(items.into_iter().map(merged).collect()),
        Yaml::Hash(hash) => {
            let mut own = Hash::new();
            let mut inherited = vec![];
            for (key, value) in hash {
                match (key.as_str(), value) {
                    (Some("<<"), Yaml::Array(sources)) => inherited.extend(sources),
                    (Some("<<"), source) => inherited.push(source),
                    (_, value) => _ = own.insert(key, merged(value)),
                }
            }
            for source in inherited {
                for (key, value) in merged(source).into_hash().unwrap_or_default() {
                    if !own.contains_key(&key) {
                        own.insert(key, value);
                    }
                }
            }
            Yaml::Hash(own)
        }
        other => other,
    }
}

/// The files of `dir` whose name ends with `suffix`, sorted; none if `dir` does not exist.
fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let Ok(listing) = fs::read_dir(dir) else { return vec![] };
    let mut found: Vec<PathBuf> = listing
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.file_name().and_then(OsStr::to_str).is_some_and(|n| n.ends_with(suffix)))
        .collect();
    found.sort();
    found
}

// ---- YAML values

/// A scalar as text (`9187`, `true` and `"x"` alike); `None` for anything else.
fn scalar(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list of scalars, or a single scalar as a list of one; empty when absent.
fn strings(y: &Yaml) -> Vec<String> {
    match y {
        Yaml::Array(items) => items.iter().filter_map(scalar).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

fn entries(y: &Yaml) -> Vec<(String, &Yaml)> {
    y.as_hash()
        .map(|h| h.iter().filter_map(|(k, v)| Some((scalar(k)?, v))).collect())
        .unwrap_or_default()
}

// ---- compose.yml

fn compose_path() -> PathBuf {
    compose_dir().join("compose.yml")
}

fn compose() -> Yaml {
    yaml(&compose_path())
}

fn services(doc: &Yaml) -> Vec<(String, &Yaml)> {
    entries(&doc["services"])
}

fn service<'a>(doc: &'a Yaml, name: &str) -> &'a Yaml {
    let s = &doc["services"][name];
    assert!(!s.is_badvalue(), "compose/compose.yml has no service `{name}`");
    s
}

fn profiles(service: &Yaml) -> BTreeSet<String> {
    strings(&service["profiles"]).into_iter().collect()
}

/// The services `docker compose` runs with COMPOSE_PROFILES=`profile` (a service without profiles
/// runs in every one).
fn active(doc: &Yaml, profile: &str) -> BTreeSet<String> {
    services(doc)
        .into_iter()
        .filter(|(_, s)| {
            let p = profiles(s);
            p.is_empty() || p.contains(profile)
        })
        .map(|(name, _)| name)
        .collect()
}

/// A service's `depends_on`, in either form (list, or map with conditions), and whether each is
/// required (compose's default) or `required: false`.
fn dependencies(service: &Yaml) -> Vec<(String, bool)> {
    let depends_on = &service["depends_on"];
    if depends_on.is_array() {
        return strings(depends_on).into_iter().map(|name| (name, true)).collect();
    }
    let map = entries(depends_on).into_iter();
    map.map(|(name, options)| (name, options["required"].as_bool() != Some(false))).collect()
}

/// The environment of a service, in either of compose's forms (map, or `KEY=value` list).
fn environment(service: &Yaml) -> BTreeMap<String, String> {
    let env = &service["environment"];
    if let Some(list) = env.as_vec() {
        return list
            .iter()
            .filter_map(scalar)
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (kv, String::new()),
            })
            .collect();
    }
    entries(env).into_iter().map(|(k, v)| (k, scalar(v).unwrap_or_default())).collect()
}

fn env_value(doc: &Yaml, service_name: &str, key: &str) -> String {
    environment(service(doc, service_name)).remove(key).unwrap_or_else(|| {
        panic!("compose/compose.yml: service `{service_name}` does not set {key}")
    })
}

/// A service's environment as it runs when .env sets nothing.
fn environment_as_run(service: &Yaml) -> BTreeMap<String, String> {
    environment(service).into_iter().map(|(k, v)| (k, with_defaults(&v))).collect()
}

/// The names other containers reach a service by: its own and its network aliases.
fn names(doc: &Yaml, service_name: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::from([service_name.to_owned()]);
    for (_, network) in entries(&service(doc, service_name)["networks"]) {
        names.extend(strings(&network["aliases"]));
    }
    names
}

/// The services of `profile` that run an image of `repository` (`clickhouse/clickhouse-server`).
fn running(doc: &Yaml, profile: &str, repository: &str) -> Vec<String> {
    let of = |name: &String| {
        let image = scalar(&service(doc, name)["image"]).map(|i| with_defaults(&i));
        image.is_some_and(|i| i.rsplit_once(':').is_some_and(|(r, _)| r == repository))
    };
    active(doc, profile).into_iter().filter(of).collect()
}

/// The services built from the Dockerfile `service_name` is built from (`reader` and the cluster
/// profile's `reader-cluster`).
fn built_like(doc: &Yaml, service_name: &str) -> Vec<String> {
    let dockerfile = dockerfile_of(doc, service_name);
    let built = services(doc).into_iter().filter(|(_, s)| !s["build"].is_badvalue());
    built.map(|(name, _)| name).filter(|name| dockerfile_of(doc, name) == dockerfile).collect()
}

/// The services of `profile` built like `service_name`.
fn built_in(doc: &Yaml, profile: &str, service_name: &str) -> Vec<String> {
    let running = active(doc, profile);
    built_like(doc, service_name).into_iter().filter(|name| running.contains(name)).collect()
}

/// The values following `flag` in a service's command, defaults applied.
fn options(service: &Yaml, flag: &str) -> Vec<String> {
    let command = strings(&service["command"]);
    let after = command.iter().zip(command.iter().skip(1));
    after.filter(|(f, _)| *f == flag).map(|(_, value)| with_defaults(value)).collect()
}

/// `${VAR:-default}` and `${VAR-default}` replaced by their default, other `${VAR}` by nothing:
/// the value compose uses when .env sets nothing.
fn with_defaults(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map(|e| start + e).expect("a closing brace");
        let inner = &rest[start + 2..end];
        let default = inner.split_once(":-").or_else(|| inner.split_once('-')).map(|(_, d)| d);
        out.push_str(default.unwrap_or(""));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// `text` without its comment lines (YAML, Dockerfile and .env comments all start with `#`).
fn without_comments(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.trim_start().starts_with('#'))
}

/// The variables compose interpolates in `text` (`${VAR}`, `${VAR:-x}`, `$VAR`; `$$` is a
/// literal dollar), with the defaults each is given. Comment lines are left out.
fn variables(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in without_comments(text) {
        let mut rest = line;
        while let Some(at) = rest.find('$') {
            let after = &rest[at + 1..];
            if let Some(escaped) = after.strip_prefix('$') {
                rest = escaped;
                continue;
            }
            let braced = after.strip_prefix('{');
            let body = braced.unwrap_or(after);
            let len = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
            let name = &body[..len.unwrap_or(body.len())];
            let mut skip = name.len();
            if !name.is_empty() {
                let defaults = found.entry(name.to_owned()).or_default();
                if braced.is_some() {
                    let close = body.find('}').expect("a closing brace");
                    let inner = &body[..close];
                    if let Some((_, default)) =
                        inner.split_once(":-").or_else(|| inner.split_once('-'))
                    {
                        defaults.insert(default.to_owned());
                    }
                    skip = close + 1;
                }
            }
            rest = &body[skip..];
        }
    }
    found
}

/// Bind mounts (short syntax) of a service: host path with defaults applied, container path.
fn bind_mounts(service: &Yaml) -> Vec<(String, String)> {
    strings(&service["volumes"])
        .iter()
        .map(|v| with_defaults(v))
        .filter(|v| v.starts_with('.') || v.starts_with('/'))
        .map(|v| {
            let mut parts = v.split(':');
            (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned())
        })
        .collect()
}

/// Where a service mounts the host directory `host` (relative to compose/).
fn mount_target(doc: &Yaml, service_name: &str, host: &str) -> String {
    bind_mounts(service(doc, service_name))
        .into_iter()
        .find(|(source, _)| in_compose(source) == in_compose(host))
        .map(|(_, target)| target)
        .unwrap_or_else(|| {
            panic!("compose/compose.yml: service `{service_name}` does not mount {host}")
        })
}

/// The port of a METRICS_LISTEN value, which must listen on every interface.
fn metrics_port(doc: &Yaml, service_name: &str) -> u16 {
    let listen = env_value(doc, service_name, "METRICS_LISTEN");
    let port = listen.strip_prefix("0.0.0.0:").and_then(|p| p.parse().ok());
    port.unwrap_or_else(|| {
        panic!(
            "compose/compose.yml: `{service_name}` has METRICS_LISTEN={listen}; use 0.0.0.0:PORT \
             so that Prometheus and the health check reach it"
        )
    })
}

// ---- what the binaries read

/// Every environment variable of a clap command and its subcommands.
fn clap_env_names(command: &Command) -> BTreeSet<String> {
    let own = command.get_arguments().filter_map(|a| a.get_env());
    let mut names: BTreeSet<String> = own.map(|e| e.to_string_lossy().into_owned()).collect();
    for sub in command.get_subcommands() {
        names.extend(clap_env_names(sub));
    }
    names
}

fn assert_source_contains(path: &str, needle: &str, why: &str) {
    assert!(
        read(&repo().join(path)).contains(needle),
        "{path} no longer contains `{needle}` ({why}): update the list of variables the binaries \
         read outside clap in streamer/tests/compose.rs"
    );
}

/// Variables both binaries read outside their clap definitions, checked against the code.
fn read_outside_clap() -> BTreeSet<String> {
    assert_source_contains(
        "reader/common/src/settings.rs",
        "(\"kafka_brokers\", \"KAFKA_HOST\")",
        "KAFKA_HOST",
    );
    assert_source_contains(
        "reader/common/src/telemetry.rs",
        "EnvFilter::try_from_default_env",
        "RUST_LOG, tracing's default variable",
    );
    assert_source_contains("reader/src/commands/mod.rs", "Settings::load(", "KAFKA_HOST");
    assert_source_contains("streamer/src/settings.rs", "Settings::<Args>::load(", "KAFKA_HOST");
    assert_source_contains("streamer/src/main.rs", "telemetry::init_tracing(", "RUST_LOG");
    ["KAFKA_HOST", "RUST_LOG"].map(String::from).into()
}

fn reader_env_names() -> BTreeSet<String> {
    let mut names = clap_env_names(&novatel_reader::commands::Cli::command());
    names.extend(read_outside_clap());
    names
}

fn streamer_env_names() -> BTreeSet<String> {
    let mut names = clap_env_names(&gnss_streamer::settings::Args::command());
    names.extend(read_outside_clap());
    names
}

// ---- Dockerfiles

/// A Dockerfile's instructions (continuations joined, comments dropped), split into stages.
fn stages(text: &str) -> Vec<Vec<(String, String)>> {
    let mut joined = String::new();
    for line in without_comments(text) {
        match line.trim_end().strip_suffix('\\') {
            Some(continued) => joined.push_str(continued),
            None => {
                joined.push_str(line);
                joined.push('\n');
            }
        }
    }
    let mut stages: Vec<Vec<(String, String)>> = vec![];
    for line in joined.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (keyword, args) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let keyword = keyword.to_ascii_uppercase();
        if keyword == "FROM" {
            stages.push(vec![]);
        }
        if let Some(stage) = stages.last_mut() {
            stage.push((keyword, args.trim().to_owned()));
        }
    }
    stages
}

fn instruction<'a>(stage: &'a [(String, String)], keyword: &str) -> Option<&'a str> {
    stage.iter().rev().find(|(k, _)| k == keyword).map(|(_, args)| args.as_str())
}

/// `name = "..."` values of the sections called `header` in a Cargo.toml.
fn toml_names(text: &str, header: &str) -> Vec<String> {
    let mut names = vec![];
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == header;
        } else if inside && let Some(value) = line.strip_prefix("name = ") {
            names.push(value.trim_matches('"').to_owned());
        }
    }
    names
}

fn dockerfile_of(doc: &Yaml, service_name: &str) -> PathBuf {
    let build = &service(doc, service_name)["build"];
    let context = scalar(&build["context"]).unwrap_or_else(|| ".".into());
    let dockerfile = scalar(&build["dockerfile"]).unwrap_or_else(|| "Dockerfile".into());
    in_compose(&format!("{context}/{dockerfile}"))
}

// ---- Grafana

fn provisioning(kind: &str) -> Vec<PathBuf> {
    files(&compose_dir().join("grafana/provisioning").join(kind), ".yml")
}

/// Every value under `key` in a JSON document, at any depth.
fn values_under<'a>(value: &'a serde_json::Value, key: &str, out: &mut Vec<&'a serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == key {
                    out.push(v);
                }
                values_under(v, key, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| values_under(v, key, out)),
        _ => {}
    }
}

/// The datasources a dashboard uses: `"datasource": {"uid": ...}` or `"datasource": "..."`.
fn datasource_refs(dashboard: &serde_json::Value) -> Vec<&str> {
    let mut found = vec![];
    values_under(dashboard, "datasource", &mut found);
    found.into_iter().filter_map(|v| v.as_str().or_else(|| v["uid"].as_str())).collect()
}

/// Tables a dashboard's SQL names with a database in front (`gnss.frames`).
fn qualified_tables<'a>(dashboard: &'a serde_json::Value, database: &str) -> Vec<&'a str> {
    let mut sql = vec![];
    values_under(dashboard, "rawSql", &mut sql);
    let words = sql.into_iter().filter_map(|v| v.as_str()).flat_map(|s| s.split(['(', ' ', '\n']));
    words.filter(|w| w.strip_prefix(database).is_some_and(|t| t.starts_with('.'))).collect()
}

// ---- Kafka

/// The Kafka nodes of `profile` with `role` (`broker`, `controller`) in their
/// KAFKA_PROCESS_ROLES, with their environment as they run.
fn kafka_nodes(doc: &Yaml, profile: &str, role: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let nodes = active(doc, profile).into_iter().map(|n| {
        let env = environment_as_run(service(doc, &n));
        (n, env)
    });
    let has_role = |env: &BTreeMap<String, String>| {
        env.get("KAFKA_PROCESS_ROLES").is_some_and(|r| r.split(',').any(|r| r.trim() == role))
    };
    nodes.filter(|(_, env)| has_role(env)).collect()
}

/// A node's setting `key` as a number; `default` (Kafka's) when it sets none.
fn kafka_number(name: &str, env: &BTreeMap<String, String>, key: &str, default: u32) -> u32 {
    env.get(key).map_or(default, |v| {
        v.parse().unwrap_or_else(|_| panic!("`{name}` sets {key}={v}, which is not a number"))
    })
}

/// A node's `NAME://host:port` list (KAFKA_LISTENERS, KAFKA_ADVERTISED_LISTENERS): the
/// `host:port` of listener `listener`.
fn listener(name: &str, env: &BTreeMap<String, String>, key: &str, listener: &str) -> String {
    let list = env.get(key).map(String::as_str).unwrap_or_default();
    let prefix = format!("{listener}://");
    let found = list.split(',').find_map(|l| l.trim().strip_prefix(&prefix));
    found
        .unwrap_or_else(|| panic!("`{name}`'s {key} has no {listener} listener: {list}"))
        .to_owned()
}

/// The port of a listener's `host:port`.
fn port_of(address: &str) -> u16 {
    let port = address.rsplit_once(':').and_then(|(_, p)| p.parse().ok());
    port.unwrap_or_else(|| panic!("`{address}` has no port"))
}

/// The service of `profile` that creates the frames topic (`kafka-topics.sh ... --create`).
fn topic_creator(doc: &Yaml, profile: &str) -> String {
    let creates = |name: &String| {
        let s = service(doc, name);
        let run = [strings(&s["entrypoint"]), strings(&s["command"])].concat();
        run.iter().any(|a| a.ends_with("kafka-topics.sh")) && run.iter().any(|a| a == "--create")
    };
    let found: Vec<String> = active(doc, profile).into_iter().filter(creates).collect();
    match found.as_slice() {
        [one] => one.clone(),
        other => panic!("profile `{profile}` must create the topic in one service, not {other:?}"),
    }
}

// ---- ClickHouse and Keeper configuration

/// `text` without its `<!-- -->` comments.
fn without_xml_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("-->").expect("a comment's end");
        rest = &rest[start + end + 3..];
    }
    out.push_str(rest);
    out
}

/// Every `<tag ...>content</tag>` and `<tag .../>` of `xml`, as its attributes and content.
/// Enough for the configuration files here, none of which nests an element in one of its name.
fn xml_elements<'a>(xml: &'a str, tag: &str) -> Vec<(&'a str, &'a str)> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut found = vec![];
    let mut rest = xml;
    while let Some(at) = rest.find(&open) {
        let after = &rest[at + open.len()..];
        let end = after.find('>').unwrap_or_else(|| panic!("<{tag} is not closed"));
        let (attributes, body) = (&after[..end], &after[end + 1..]);
        if !(attributes.is_empty() || attributes.starts_with([' ', '\n', '/'])) {
            rest = after; // another tag that starts with this one's name
        } else if let Some(attributes) = attributes.strip_suffix('/') {
            found.push((attributes, ""));
            rest = body;
        } else {
            let stop = body.find(&close).unwrap_or_else(|| panic!("<{tag}> has no {close}"));
            found.push((attributes, &body[..stop]));
            rest = &body[stop + close.len()..];
        }
    }
    found
}

/// The text of the first `<tag>` of `xml`, trimmed; for `<tag from_env="VAR"/>`, VAR's value in
/// `env` (the container's environment, which ClickHouse substitutes).
fn xml_text(xml: &str, tag: &str, env: &BTreeMap<String, String>) -> Option<String> {
    let (attributes, content) = *xml_elements(xml, tag).first()?;
    match attributes.split_once("from_env=\"") {
        Some((_, var)) => env.get(var.split('"').next()?).cloned(),
        None => Some(content.trim().to_owned()),
    }
}

/// The contents of the first `<tag>` of `xml`; empty if there is none.
fn xml_first<'a>(xml: &'a str, tag: &str) -> &'a str {
    xml_elements(xml, tag).first().map_or("", |(_, content)| content)
}

/// Each `<item>` of the first `<list>` of `xml` (`zookeeper`'s `node`s), as its `fields`' texts.
fn xml_rows(
    xml: &str,
    list: &str,
    item: &str,
    fields: &[&str],
    env: &BTreeMap<String, String>,
) -> BTreeSet<Vec<String>> {
    let row =
        |content| fields.iter().map(|f| xml_text(content, f, env).unwrap_or_default()).collect();
    xml_elements(xml_first(xml, list), item).into_iter().map(|(_, content)| row(content)).collect()
}

/// A port a server's `config` sets with `<tag>`, or `default`, the image's.
fn config_port(config: &str, tag: &str, default: u16) -> u16 {
    xml_text(config, tag, &BTreeMap::new()).map_or(default, |p| {
        p.parse().unwrap_or_else(|_| panic!("<{tag}>{p}</{tag}> is not a port"))
    })
}

/// What a service's server reads of the XML files it mounts under `dir` (ClickHouse's config.d,
/// Keeper's config file): their text, comments removed, one after the other.
fn mounted_config(doc: &Yaml, service_name: &str, dir: &str) -> String {
    let mounts = bind_mounts(service(doc, service_name)).into_iter();
    let xml = mounts.filter(|(source, target)| target.starts_with(dir) && source.ends_with(".xml"));
    xml.map(|(source, _)| without_xml_comments(&read(&in_compose(&source)))).collect()
}

fn clickhouse_config(doc: &Yaml, node: &str) -> String {
    mounted_config(doc, node, "/etc/clickhouse-server/config.d/")
}

/// The `<keeper_server>` section a Keeper node mounts.
fn keeper_config(doc: &Yaml, keeper: &str) -> String {
    let config = mounted_config(doc, keeper, "/etc/clickhouse-keeper/");
    let server = xml_first(&config, "keeper_server");
    assert!(!server.is_empty(), "`{keeper}` mounts no <keeper_server> configuration");
    server.to_owned()
}

/// The shards of the cluster `cluster` in a node's `remote_servers`: each shard's replicas, as
/// host and native port.
fn remote_servers(config: &str, cluster: &str, node: &str) -> Vec<Vec<(String, u16)>> {
    let found = xml_elements(xml_first(config, "remote_servers"), cluster).into_iter().next();
    let (_, cluster_xml) = found.unwrap_or_else(|| {
        panic!("the remote_servers `{node}` mounts define no cluster `{cluster}`")
    });
    let none = BTreeMap::new();
    let shards = xml_elements(cluster_xml, "shard").into_iter().map(|(_, shard)| {
        assert_eq!(
            xml_text(shard, "internal_replication", &none).as_deref(),
            Some("true"),
            "cluster `{cluster}` (mounted by `{node}`): every shard needs \
             <internal_replication>true</internal_replication> (replicated tables)"
        );
        let replicas = xml_elements(shard, "replica").into_iter().map(|(_, replica)| {
            let host = xml_text(replica, "host", &none).expect("a replica's <host>");
            (host, config_port(replica, "port", CLICKHOUSE_TCP_PORT))
        });
        replicas.collect()
    });
    shards.collect()
}

// ---- the checks

#[test]
fn images_are_pinned_or_built_from_our_dockerfiles() {
    let doc = compose();
    assert!(!services(&doc).is_empty(), "compose/compose.yml defines no services");
    for (name, s) in services(&doc) {
        let image = scalar(&s["image"]).map(|i| with_defaults(&i));
        if !s["build"].is_badvalue() {
            let dockerfile = dockerfile_of(&doc, &name);
            assert!(
                dockerfile.starts_with(compose_dir()) && dockerfile.is_file(),
                "service `{name}` builds from {}, which is not one of compose/*.Dockerfile",
                shown(&dockerfile)
            );
        }
        let Some(image) = image else {
            assert!(!s["build"].is_badvalue(), "service `{name}` has neither image nor build");
            continue;
        };
        let tag = image.rsplit('/').next().and_then(|last| last.split_once(':')).map(|(_, t)| t);
        assert!(
            image.contains("@sha256:") || tag.is_some_and(|t| !t.is_empty() && t != "latest"),
            "service `{name}` uses image `{image}`: pin a version tag (not `latest`)"
        );
    }
}

#[test]
fn each_profile_runs_its_services_and_every_service_they_depend_on() {
    let doc = compose();
    let prod = active(&doc, "default");
    for name in PROD {
        assert!(prod.contains(name), "service `{name}` is not in the prod profile `default`");
    }
    let testing = active(&doc, "base");
    let expected: BTreeSet<String> = TESTING.map(String::from).into();
    assert_eq!(
        testing, expected,
        "the testing profile `base` must run exactly {TESTING:?}: nothing that runs a broker or \
         produces to prod's"
    );
    for name in &testing {
        let s = service(&doc, name);
        let image = scalar(&s["image"]).unwrap_or_default();
        assert!(!image.starts_with("apache/kafka"), "`{name}` runs a broker in testing");
        assert!(
            s["build"].is_badvalue() || !dockerfile_of(&doc, name).ends_with("reader.Dockerfile"),
            "`{name}` runs the reader in testing"
        );
    }
    let cluster: BTreeSet<String> = CLUSTER.map(String::from).into();
    assert_eq!(
        active(&doc, "cluster"),
        cluster,
        "the cluster profile must run exactly {CLUSTER:?}"
    );
    for profile in PROFILES {
        let running = active(&doc, profile);
        for name in &running {
            for (dependency, required) in dependencies(service(&doc, name)) {
                assert!(
                    running.contains(&dependency) || !required,
                    "in profile `{profile}`, `{name}` depends on `{dependency}`, which does not \
                     run there: add the profile to `{dependency}` or mark the dependency \
                     `required: false`"
                );
            }
        }
    }
}

#[test]
fn kafka_nodes_form_one_quorum_and_the_topics_fit_the_brokers() {
    let doc = compose();
    let mut checked = vec![];
    for profile in PROFILES {
        let brokers = kafka_nodes(&doc, profile, "broker");
        if brokers.is_empty() {
            continue;
        }
        checked.push(profile);
        let controllers = kafka_nodes(&doc, profile, "controller");
        let voters: BTreeSet<String> = controllers
            .iter()
            .map(|(name, env)| {
                let id = kafka_number(name, env, "KAFKA_NODE_ID", 0);
                let port = port_of(&listener(name, env, "KAFKA_LISTENERS", "CONTROLLER"));
                format!("{id}@{name}:{port}")
            })
            .collect();
        let nodes: BTreeMap<&String, &BTreeMap<String, String>> =
            brokers.iter().chain(&controllers).map(|(name, env)| (name, env)).collect();
        let ids: BTreeSet<u32> =
            nodes.iter().map(|(name, env)| kafka_number(name, env, "KAFKA_NODE_ID", 0)).collect();
        assert_eq!(ids.len(), nodes.len(), "profile `{profile}`: a KAFKA_NODE_ID per Kafka node");
        let mut clients_reach = BTreeSet::new();
        let n = u32::try_from(brokers.len()).expect("a few brokers");
        for (name, env) in nodes {
            let listed = env.get("KAFKA_CONTROLLER_QUORUM_VOTERS").map(String::as_str);
            let listed: BTreeSet<String> =
                listed.unwrap_or_default().split(',').map(|v| v.trim().to_owned()).collect();
            assert_eq!(
                listed, voters,
                "profile `{profile}`: `{name}`'s KAFKA_CONTROLLER_QUORUM_VOTERS must list every \
                 controller of the profile, as id@service:port of its CONTROLLER listener"
            );
        }
        for (name, env) in &brokers {
            // Containers of the project use the listener brokers replicate over.
            let inside = env.get("KAFKA_INTER_BROKER_LISTENER_NAME").cloned().unwrap_or_default();
            let advertised = listener(name, env, "KAFKA_ADVERTISED_LISTENERS", &inside);
            let host = advertised.rsplit_once(':').map_or("", |(host, _)| host);
            let port = port_of(&listener(name, env, "KAFKA_LISTENERS", &inside));
            assert!(
                names(&doc, name).contains(host) && port_of(&advertised) == port,
                "`{name}` advertises {inside} as {advertised}, not as its name and port {port}"
            );
            clients_reach.insert(advertised);
            for (rf_key, rf_default, isr_key, isr_default) in BROKER_TOPICS {
                let rf = kafka_number(name, env, rf_key, rf_default);
                let isr = kafka_number(name, env, isr_key, isr_default);
                assert!(
                    rf <= n && isr <= rf,
                    "profile `{profile}`: `{name}` has {rf_key}={rf} and {isr_key}={isr}, with \
                     {n} brokers: a topic cannot have more replicas than brokers, nor need more \
                     in sync than it has"
                );
                if profile == "cluster" {
                    assert_eq!(
                        (rf, isr),
                        CLUSTER_REPLICATION,
                        "the cluster's `{name}`: {rf_key} and {isr_key} (replicas, in sync)"
                    );
                }
            }
        }

        let creator = topic_creator(&doc, profile);
        let init = service(&doc, &creator);
        let rf = options(init, "--replication-factor").concat();
        let rf: u32 =
            rf.parse().unwrap_or_else(|_| panic!("`{creator}`: --replication-factor {rf}"));
        let configs = options(init, "--config");
        let isr = configs.iter().find_map(|c| c.strip_prefix("min.insync.replicas="));
        let broker_isr = kafka_number(&brokers[0].0, &brokers[0].1, "KAFKA_MIN_INSYNC_REPLICAS", 1);
        let isr = isr.map_or(broker_isr, |i| i.parse().expect("min.insync.replicas, a number"));
        assert!(
            (1..=n).contains(&rf) && isr <= rf,
            "profile `{profile}`: `{creator}` creates the topic with replication factor {rf} and \
             min.insync.replicas {isr}, for {n} brokers"
        );
        if profile == "cluster" {
            assert_eq!(
                (rf, isr),
                CLUSTER_REPLICATION,
                "`{creator}`: the topic's --replication-factor and --config min.insync.replicas="
            );
        }
        let bootstrap: BTreeSet<String> =
            options(init, "--bootstrap-server").concat().split(',').map(str::to_owned).collect();
        assert!(
            bootstrap.is_subset(&clients_reach),
            "`{creator}` bootstraps from {bootstrap:?}; the brokers of `{profile}` are at \
             {clients_reach:?}"
        );

        for client in ["reader", "streamer"].into_iter().flat_map(|b| built_in(&doc, profile, b)) {
            let listed = with_defaults(&env_value(&doc, &client, "KAFKA_BROKERS"));
            let listed: BTreeSet<String> = listed.split(',').map(|b| b.trim().to_owned()).collect();
            assert_eq!(
                listed, clients_reach,
                "profile `{profile}`: `{client}`'s KAFKA_BROKERS must list every broker (at the \
                 address it advertises), so that it starts while any one is down"
            );
        }
    }
    assert_eq!(checked, ["default", "cluster"], "the profiles that run brokers");
}

#[test]
fn clickhouse_cluster_nodes_keeper_and_streamers_follow_remote_servers() {
    let doc = compose();
    let nodes = running(&doc, "cluster", "clickhouse/clickhouse-server");
    let keepers = running(&doc, "cluster", "clickhouse/clickhouse-keeper");
    let streamers = built_in(&doc, "cluster", "streamer");
    assert!(!streamers.is_empty() && !keepers.is_empty(), "the cluster runs streamers and Keeper");

    let keeper_port = |k: &String| xml_text(&keeper_config(&doc, k), "tcp_port", &BTreeMap::new());
    let keeper_ports: BTreeSet<Vec<String>> =
        keepers.iter().map(|k| vec![k.clone(), keeper_port(k).unwrap_or_default()]).collect();
    for keeper in &keepers {
        let config = keeper_config(&doc, keeper);
        let env = environment_as_run(service(&doc, keeper));
        let voters = xml_rows(&config, "raft_configuration", "server", &["hostname", "id"], &env);
        let hosts: BTreeSet<&String> = voters.iter().map(|v| &v[0]).collect();
        assert_eq!(hosts, keepers.iter().collect(), "`{keeper}`: raft_configuration's servers");
        let id = xml_text(&config, "server_id", &env).unwrap_or_default();
        assert!(
            voters.contains(&vec![keeper.clone(), id.clone()]),
            "`{keeper}`'s server_id ({id:?}) must be its <id> in raft_configuration"
        );
    }

    for streamer in &streamers {
        let env = environment_as_run(service(&doc, streamer));
        let setting = |key: &str| {
            env.get(key).cloned().unwrap_or_else(|| panic!("`{streamer}` does not set {key}"))
        };
        let cluster = setting("CLICKHOUSE_CLUSTER");
        let layout = remote_servers(&clickhouse_config(&doc, &nodes[0]), &cluster, &nodes[0]);
        let mut urls: Vec<Vec<String>> = vec![];
        let mut placed = BTreeSet::new();
        for (shard, replicas) in layout.iter().enumerate() {
            let mut shard_urls = vec![];
            for (host, port) in replicas {
                let node = nodes.iter().find(|n| names(&doc, n).contains(host));
                let node = node.unwrap_or_else(|| {
                    panic!("remote_servers names {host}, which is no ClickHouse node: {nodes:?}")
                });
                assert!(placed.insert(node), "`{node}` is in remote_servers twice");
                let config = clickhouse_config(&doc, node);
                let node_env = environment_as_run(service(&doc, node));
                assert_eq!(
                    remote_servers(&config, &cluster, node),
                    layout,
                    "`{node}` must mount the remote_servers `{}` mounts",
                    nodes[0]
                );
                assert_eq!(
                    *port,
                    config_port(&config, "tcp_port", CLICKHOUSE_TCP_PORT),
                    "remote_servers: {host}'s port must be the native port `{node}` serves"
                );
                let macros = xml_first(&config, "macros");
                assert_eq!(
                    [xml_text(macros, "shard", &node_env), xml_text(macros, "replica", &node_env)],
                    [Some((shard + 1).to_string()), Some(host.clone())],
                    "`{node}`'s <macros> <shard> and <replica> must be its place in \
                     remote_servers' `{cluster}`: shard {}, replica {host}",
                    shard + 1
                );
                if let Some(interserver) = xml_text(&config, "interserver_http_host", &node_env) {
                    assert_eq!(interserver, *host, "`{node}`'s interserver_http_host");
                }
                assert_eq!(
                    xml_rows(&config, "zookeeper", "node", &["host", "port"], &node_env),
                    keeper_ports,
                    "`{node}`'s <zookeeper> must list every Keeper node at its tcp_port"
                );
                let http = config_port(&config, "http_port", CLICKHOUSE_HTTP_PORT);
                shard_urls.push(format!("http://{host}:{http}"));
            }
            urls.push(shard_urls);
        }
        let left_out: Vec<&String> = nodes.iter().filter(|n| !placed.contains(n)).collect();
        assert!(left_out.is_empty(), "{left_out:?} run in the cluster but not in remote_servers");
        let shards = setting("CLICKHOUSE_SHARDS");
        let shards: Vec<Vec<String>> = shards
            .split(';')
            .map(|s| s.split(',').map(|u| u.trim().to_owned()).collect())
            .collect();
        assert_eq!(
            shards, urls,
            "`{streamer}`'s CLICKHOUSE_SHARDS must list the nodes of remote_servers' `{cluster}` \
             at their HTTP port, shards in order (`;`), each shard's replicas in order (`,`)"
        );
    }
}

#[test]
fn the_cluster_runs_prods_versions() {
    let doc = compose();
    let image = |name: &str| scalar(&service(&doc, name)["image"]).unwrap_or_default();
    let tag = |name: &str| image(name).rsplit_once(':').map(|(_, t)| t.to_owned());
    for (prod, cluster) in [
        ("kafka", kafka_nodes(&doc, "cluster", "broker").into_iter().map(|(n, _)| n).collect()),
        ("kafka", vec![topic_creator(&doc, "cluster")]),
        ("clickhouse", running(&doc, "cluster", "clickhouse/clickhouse-server")),
    ] {
        for name in cluster {
            assert_eq!(image(&name), image(prod), "`{name}` must run prod's `{prod}` image");
        }
    }
    for keeper in running(&doc, "cluster", "clickhouse/clickhouse-keeper") {
        assert_eq!(
            tag(&keeper),
            tag("clickhouse"),
            "`{keeper}`: Keeper of prod's ClickHouse version"
        );
    }
}

#[test]
fn reader_and_streamer_are_configured_with_variables_their_binaries_read() {
    let doc = compose();
    for (built, known) in [("reader", reader_env_names()), ("streamer", streamer_env_names())] {
        for name in built_like(&doc, built) {
            for key in environment(service(&doc, &name)).keys() {
                assert!(
                    known.contains(key),
                    "compose/compose.yml sets {key} on `{name}`, which its binary does not read; \
                     the names it reads: {known:?}"
                );
            }
            metrics_port(&doc, &name);
        }
    }

    let mode = strings(&service(&doc, "reader")["command"]).first().map(|c| with_defaults(c));
    let cli = novatel_reader::commands::Cli::command();
    let producing: Vec<&str> =
        cli.get_subcommands().map(Command::get_name).filter(|n| *n != "decode").collect();
    assert!(
        mode.as_deref().is_some_and(|m| producing.contains(&m)),
        "the reader's command (READER_MODE's default) is {mode:?}; use one of {producing:?}"
    );

    let sql_dir = env_value(&doc, "streamer", "SQL_DIR");
    assert_eq!(
        mount_target(&doc, "streamer", "../sql"),
        sql_dir,
        "the streamer's SQL_DIR must be where compose mounts the repository's sql/ (../sql)"
    );
}

#[test]
fn env_example_documents_every_variable_compose_reads_and_no_other() {
    let used = variables(&read(&compose_path()));
    let example = read(&compose_dir().join(".env.example"));
    let mut documented: BTreeMap<String, String> = BTreeMap::new();
    let mut previous = "";
    for line in example.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some((name, value)) = line.split_once('=')
            && !line.starts_with('#')
        {
            // A section heading (`# ---- Kafka`) is not a variable's comment.
            assert!(
                previous.starts_with('#') && !previous.starts_with("# ----"),
                "compose/.env.example: {name} has no comment above it saying what it is"
            );
            documented.insert(name.to_owned(), value.to_owned());
        }
        previous = line;
    }

    for (name, defaults) in &used {
        let value = documented.get(name).unwrap_or_else(|| {
            panic!("compose/compose.yml reads ${{{name}}}: document it in compose/.env.example")
        });
        assert!(
            defaults.len() <= 1,
            "compose/compose.yml gives ${{{name}}} different defaults: {defaults:?}"
        );
        if let Some(default) = defaults.first() {
            assert!(
                value.is_empty() || value == default,
                "compose/.env.example sets {name}={value} but compose/compose.yml's default is \
                 {default}: make them agree"
            );
        }
    }
    for name in documented.keys() {
        // COMPOSE_* are read by the docker compose command itself.
        assert!(
            used.contains_key(name) || name.starts_with("COMPOSE_"),
            "compose/.env.example documents {name}, which compose/compose.yml does not use"
        );
    }
    assert!(documented.contains_key("COMPOSE_PROFILES"), ".env.example must set COMPOSE_PROFILES");
}

#[test]
fn secrets_services_read_are_given_to_them() {
    let doc = compose();
    let defined: BTreeSet<String> = entries(&doc["secrets"]).into_iter().map(|(n, _)| n).collect();
    for (name, s) in services(&doc) {
        let given: BTreeSet<String> = strings(&s["secrets"]).into_iter().collect();
        for secret in &given {
            assert!(
                defined.contains(secret),
                "service `{name}` uses secret `{secret}`, which compose/compose.yml's top-level \
                 `secrets:` does not define"
            );
        }
        for (key, value) in environment(s) {
            if let Some(secret) = value.strip_prefix("/run/secrets/") {
                assert!(
                    given.contains(secret),
                    "service `{name}` reads {key}={value}: add `{secret}` to its `secrets:`"
                );
            }
        }
    }
}

#[test]
fn prometheus_scrapes_reader_and_streamer_on_their_metrics_ports() {
    let doc = compose();
    let path = compose_dir().join("prometheus/prometheus.yml");
    let config = yaml(&path);
    let mut targets: BTreeSet<(String, u16)> = BTreeSet::new();
    for job in config["scrape_configs"].as_vec().into_iter().flatten() {
        for stat in job["static_configs"].as_vec().into_iter().flatten() {
            for target in strings(&stat["targets"]) {
                let (host, port) = target.rsplit_once(':').expect("host:port");
                targets.insert((host.to_owned(), port.parse().expect("a port")));
            }
        }
        for dns in job["dns_sd_configs"].as_vec().into_iter().flatten() {
            let port = dns["port"].as_i64().and_then(|p| u16::try_from(p).ok()).expect("a port");
            targets.extend(strings(&dns["names"]).into_iter().map(|n| (n, port)));
        }
    }
    let mut scraped = 0;
    for profile in PROFILES {
        if running(&doc, profile, "prom/prometheus").is_empty() {
            continue;
        }
        for name in ["reader", "streamer"].into_iter().flat_map(|b| built_in(&doc, profile, b)) {
            let port = metrics_port(&doc, &name);
            let reached_as = names(&doc, &name);
            assert!(
                targets.iter().any(|(host, p)| *p == port && reached_as.contains(host)),
                "{} scrapes none of {reached_as:?} (the names of `{name}`, profile `{profile}`) \
                 on {port} (its METRICS_LISTEN); it scrapes {targets:?}",
                shown(&path),
            );
            scraped += 1;
        }
    }
    assert!(scraped >= 4, "the reader and the streamer of prod and of the cluster are scraped");
}

#[test]
fn grafana_provisions_the_datasources_and_dashboards_the_dashboards_use() {
    let doc = compose();
    let grafanas: BTreeSet<String> =
        PROFILES.into_iter().flat_map(|p| running(&doc, p, "grafana/grafana-oss")).collect();
    assert!(grafanas.len() >= 2, "prod and the cluster run Grafana: {grafanas:?}");

    let mut uids = BTreeSet::new();
    let mut datasource_names = BTreeSet::new();
    for path in provisioning("datasources") {
        let text = read(&path);
        let code: Vec<&str> = without_comments(&text).collect();
        let code = code.join("\n");
        for grafana_name in &grafanas {
            let grafana = service(&doc, grafana_name);
            let grafana_env = environment(grafana);
            let grafana_secrets: BTreeSet<String> =
                strings(&grafana["secrets"]).into_iter().collect();
            for variable in variables(&text).keys().filter(|v| !v.starts_with("__")) {
                assert!(
                    grafana_env.contains_key(variable),
                    "{} reads ${{{variable}}}, which compose.yml does not set on `{grafana_name}`",
                    shown(&path)
                );
            }
            for file in code.split("$__file{").skip(1).filter_map(|s| s.split_once('}')) {
                let secret = file.0.strip_prefix("/run/secrets/").unwrap_or(file.0);
                assert!(
                    grafana_secrets.contains(secret),
                    "{} reads {}, which is not a secret of `{grafana_name}`",
                    shown(&path),
                    file.0
                );
            }
        }
        for ds in yaml(&path)["datasources"].as_vec().into_iter().flatten() {
            uids.extend(scalar(&ds["uid"]));
            datasource_names.extend(scalar(&ds["name"]));
            if scalar(&ds["type"]).as_deref() == Some("grafana-clickhouse-datasource") {
                let host = scalar(&ds["jsonData"]["host"]).unwrap_or_default();
                let protocol = scalar(&ds["jsonData"]["protocol"]).unwrap_or_default();
                let port = scalar(&ds["jsonData"]["port"]).unwrap_or_default();
                for grafana_name in &grafanas {
                    for profile in profiles(service(&doc, grafana_name)) {
                        let servers = running(&doc, &profile, "clickhouse/clickhouse-server");
                        assert!(
                            servers.iter().any(|s| names(&doc, s).contains(&host)),
                            "{}: the ClickHouse datasource's host `{host}` is no name of a \
                             ClickHouse server of profile `{profile}` ({servers:?}), where \
                             `{grafana_name}` runs",
                            shown(&path)
                        );
                    }
                }
                assert!(
                    matches!(
                        (protocol.as_str(), port.as_str()),
                        ("http", "8123") | ("native", "9000")
                    ),
                    "{}: ClickHouse over {protocol} is on port 8123 (http) or 9000 (native), not {port}",
                    shown(&path)
                );
            }
        }
    }
    for uid in ["clickhouse", "prometheus"] {
        assert!(
            uids.contains(uid),
            "compose/grafana/provisioning/datasources/ has no datasource with uid `{uid}`, which \
             the dashboards reference"
        );
    }

    let mut paths = vec![];
    for path in provisioning("dashboards") {
        for provider in yaml(&path)["providers"].as_vec().into_iter().flatten() {
            paths.extend(scalar(&provider["options"]["path"]));
        }
    }
    for grafana_name in &grafanas {
        assert_eq!(
            paths,
            [mount_target(&doc, grafana_name, "./grafana/dashboards")],
            "the dashboards provider's path must be where `{grafana_name}` mounts \
             compose/grafana/dashboards"
        );
    }

    // Written separately from the deployment: none yet is fine.
    let database = with_defaults(&env_value(&doc, "grafana", "CLICKHOUSE_DATABASE"));
    for path in files(&compose_dir().join("grafana/dashboards"), ".json") {
        let dashboard: serde_json::Value = serde_json::from_str(&read(&path))
            .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", shown(&path)));
        for r in datasource_refs(&dashboard).into_iter().filter(|r| !r.starts_with('$')) {
            assert!(
                uids.contains(r) || datasource_names.contains(r) || GRAFANA_BUILTIN.contains(&r),
                "{} uses datasource `{r}`; the provisioned ones are {uids:?}",
                shown(&path)
            );
        }
        let qualified = qualified_tables(&dashboard, &database);
        assert!(
            qualified.is_empty(),
            "{} names {qualified:?}: leave the database out, so that the datasource's default \
             (CLICKHOUSE_DATABASE: testing and blue-green use other databases) applies",
            shown(&path)
        );
    }
}

#[test]
fn dockerfiles_build_the_crate_and_run_it_unprivileged_with_a_health_check() {
    let doc = compose();
    let workspace = read(&repo().join("Cargo.toml"));
    let rust_version = workspace
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"'))
        .expect("the workspace's rust-version");

    for (service_name, crate_dir) in BUILT {
        let path = dockerfile_of(&doc, service_name);
        let file = shown(&path);
        let stages = stages(&read(&path));
        assert!(stages.len() >= 2, "{file}: build in one stage, run from a second, smaller one");

        let manifest = read(&repo().join(crate_dir).join("Cargo.toml"));
        let package = toml_names(&manifest, "[package]").pop().expect("a package name");
        let binaries = toml_names(&manifest, "[[bin]]");
        let builder = &stages[0];
        let from = instruction(builder, "FROM").unwrap_or_default();
        assert!(
            from.starts_with(&format!("rust:{rust_version}")),
            "{file}: build with rust:{rust_version}, the workspace's rust-version, not {from}"
        );
        let build = format!("cargo build --release --locked -p {package}");
        assert!(
            builder.iter().any(|(k, args)| k == "RUN" && args.contains(&build)),
            "{file}: the builder must run `{build}`"
        );

        let runtime = stages.last().expect("a stage");
        let user = instruction(runtime, "USER").unwrap_or("root");
        assert!(
            !["root", "0", "0:0"].contains(&user),
            "{file}: the runtime stage must switch to a non-root USER"
        );
        let port = metrics_port(&doc, service_name);
        let health = instruction(runtime, "HEALTHCHECK").unwrap_or_default();
        assert!(
            health.contains(&format!(":{port}/ready")),
            "{file}: HEALTHCHECK must query /ready on port {port} (compose's METRICS_LISTEN)"
        );
        let entrypoint = instruction(runtime, "ENTRYPOINT").unwrap_or_default();
        assert!(
            binaries.iter().any(|b| entrypoint.contains(&format!("\"{b}\""))),
            "{file}: ENTRYPOINT {entrypoint:?} must run one of the crate's binaries {binaries:?}"
        );
    }

    let ignored = read(&repo().join(".dockerignore"));
    for entry in [".git", "**/target"] {
        assert!(
            ignored.lines().any(|l| l.trim() == entry),
            ".dockerignore must leave {entry} out of the build context"
        );
    }
}

/// The Debian packages the native crates of the build need, as `scripts/system-packages` lists
/// them (`crate:NAME` on their line), but the compilers, which the `rust` images have.
fn build_packages() -> BTreeSet<String> {
    let script = read(&repo().join("scripts/system-packages"));
    let list = script.split("<< 'EOF'").nth(1).and_then(|rest| rest.split_once('\n'));
    let list = list.and_then(|(_, body)| body.split("\nEOF").next());
    let list = list.expect("scripts/system-packages: the package list between << 'EOF' and EOF");
    list.lines()
        .filter(|line| line.contains("crate:"))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|package| *package != "build-essential")
        .map(str::to_owned)
        .collect()
}

#[test]
fn images_install_every_debian_package_the_build_needs() {
    let doc = compose();
    let needed = build_packages();
    assert!(needed.contains("libcurl4-openssl-dev") && needed.contains("cmake"), "{needed:?}");
    for (service_name, _) in BUILT {
        let path = dockerfile_of(&doc, service_name);
        let builder = &stages(&read(&path))[0];
        let installed: BTreeSet<String> = builder
            .iter()
            .filter(|(k, args)| k == "RUN" && args.contains("apt-get install"))
            .flat_map(|(_, args)| args.split_whitespace().map(str::to_owned))
            .collect();
        let missing: Vec<&String> = needed.difference(&installed).collect();
        assert!(
            missing.is_empty(),
            "{}: the builder does not install {missing:?}, which the build needs \
             (scripts/system-packages); the image would not build",
            shown(&path)
        );
    }
}

#[test]
fn published_ports_bind_to_loopback_unless_the_user_opens_them() {
    let doc = compose();
    let mut published = 0;
    for (name, service) in services(&doc) {
        for port in strings(&service["ports"]) {
            let default = with_defaults(&port);
            assert!(
                default.starts_with("127.0.0.1:"),
                "compose/compose.yml: service `{name}` publishes `{port}` as `{default}` by \
                 default; bind it to 127.0.0.1 and let a variable open it"
            );
            published += 1;
        }
    }
    assert!(published >= 3, "ClickHouse, Grafana and Kafka's external listener are published");
}

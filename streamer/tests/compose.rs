//! The deployment in `compose/`, checked without Docker: what compose.yml, .env.example, the
//! Dockerfiles, Prometheus and Grafana provisioning say must agree with each other and with the
//! binaries' command lines. Nothing here runs a container; a failure names the file to fix.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::fs;
use std::path::{Component, Path, PathBuf};

use clap::{Command, CommandFactory};
use yaml_rust2::{Yaml, YamlLoader};

/// Services of the prod profile (`default`) and of the testing profile (`base`).
const PROD: [&str; 7] =
    ["kafka", "kafka-init", "clickhouse", "reader", "streamer", "grafana", "prometheus"];
const TESTING: [&str; 3] = ["clickhouse", "grafana", "streamer"];
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

fn yaml(path: &Path) -> Yaml {
    let docs = YamlLoader::load_from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", shown(path)));
    docs.into_iter().next().unwrap_or_else(|| panic!("{} is empty", shown(path)))
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
fn prod_runs_everything_and_testing_only_streamer_clickhouse_grafana() {
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
    for profile in ["default", "base"] {
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
fn reader_and_streamer_are_configured_with_variables_their_binaries_read() {
    let doc = compose();
    for (name, known) in [("reader", reader_env_names()), ("streamer", streamer_env_names())] {
        for key in environment(service(&doc, name)).keys() {
            assert!(
                known.contains(key),
                "compose/compose.yml sets {key} on `{name}`, which its binary does not read; \
                 the names it reads: {known:?}"
            );
        }
        metrics_port(&doc, name);
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
    for name in ["reader", "streamer"] {
        let wanted = (name.to_owned(), metrics_port(&doc, name));
        assert!(
            targets.contains(&wanted),
            "{} does not scrape {}:{} (the service's METRICS_LISTEN); it scrapes {targets:?}",
            shown(&path),
            wanted.0,
            wanted.1
        );
    }
}

#[test]
fn grafana_provisions_the_datasources_and_dashboards_the_dashboards_use() {
    let doc = compose();
    let grafana = service(&doc, "grafana");
    let grafana_env = environment(grafana);
    let grafana_secrets: BTreeSet<String> = strings(&grafana["secrets"]).into_iter().collect();

    let mut uids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for path in provisioning("datasources") {
        let text = read(&path);
        for variable in variables(&text).keys().filter(|v| !v.starts_with("__")) {
            assert!(
                grafana_env.contains_key(variable),
                "{} reads ${{{variable}}}, which compose.yml does not set on `grafana`",
                shown(&path)
            );
        }
        let code: Vec<&str> = without_comments(&text).collect();
        for file in code.join("\n").split("$__file{").skip(1).filter_map(|s| s.split_once('}')) {
            let secret = file.0.strip_prefix("/run/secrets/").unwrap_or(file.0);
            assert!(
                grafana_secrets.contains(secret),
                "{} reads {}, which is not a secret of `grafana`",
                shown(&path),
                file.0
            );
        }
        for ds in yaml(&path)["datasources"].as_vec().into_iter().flatten() {
            uids.extend(scalar(&ds["uid"]));
            names.extend(scalar(&ds["name"]));
            if scalar(&ds["type"]).as_deref() == Some("grafana-clickhouse-datasource") {
                let host = scalar(&ds["jsonData"]["host"]).unwrap_or_default();
                let protocol = scalar(&ds["jsonData"]["protocol"]).unwrap_or_default();
                let port = scalar(&ds["jsonData"]["port"]).unwrap_or_default();
                assert!(service(&doc, &host).is_hash(), "the ClickHouse datasource's host");
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

    let mount = mount_target(&doc, "grafana", "./grafana/dashboards");
    let mut paths = vec![];
    for path in provisioning("dashboards") {
        for provider in yaml(&path)["providers"].as_vec().into_iter().flatten() {
            paths.extend(scalar(&provider["options"]["path"]));
        }
    }
    assert_eq!(
        paths,
        [mount],
        "the dashboards provider's path must be where compose mounts compose/grafana/dashboards"
    );

    // Written separately from the deployment: none yet is fine.
    let database = with_defaults(&env_value(&doc, "grafana", "CLICKHOUSE_DATABASE"));
    for path in files(&compose_dir().join("grafana/dashboards"), ".json") {
        let dashboard: serde_json::Value = serde_json::from_str(&read(&path))
            .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", shown(&path)));
        for r in datasource_refs(&dashboard).into_iter().filter(|r| !r.starts_with('$')) {
            assert!(
                uids.contains(r) || names.contains(r) || GRAFANA_BUILTIN.contains(&r),
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
            health.contains(&format!(":{port}/metrics")),
            "{file}: HEALTHCHECK must query /metrics on port {port} (compose's METRICS_LISTEN)"
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

//! The Grafana alert rules of `compose/grafana/provisioning/alerting/`: each runs the text of a
//! file of `sql/alerts/`, and each fires on data where it must and stays quiet where it must not.
//! The SQL rules run, expanded as Grafana's ClickHouse plugin expands them at an evaluation time,
//! on a real ClickHouse holding simulated receivers (with jamming episodes and single-satellite
//! fades) written by the reader and the streamer, and rows inserted for the cases the simulator
//! does not make; the PromQL rule runs in `promtool test rules`. The interference panel's
//! detection figures (`docs/dashboards.md`) come from `interference_detection_figures`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{ClickHouse, Run, Streamer, cluster, reader, wait_for_frames};
use gnss_streamer::dashboards::{Selection, expand, load};
use gnss_streamer::sink::{Connection, Sink};
use novatel::Log;
use novatel::simulate::{Config, Episode, Interference, Kind, Rates, Simulator};
use yaml_rust2::{Yaml, YamlLoader};

const TOPIC: &str = "frames";
/// 2024-06-01T12:00:00Z, the simulated receivers' first epoch.
const START_S: i64 = 1_717_243_200;
/// RANGE, BESTPOS and INSPVAS at 1 Hz: 3 frames a second a receiver.
const RATES: &str = "range=1,bestpos=1,inspvas=1,bestvel=0,rxstatus=0,time=0";
const FRAMES_PER_S: u64 = 3;

fn dir(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// One provisioned rule.
struct Rule {
    title: String,
    /// `clickhouse` or `prometheus`.
    datasource: String,
    /// The query as Grafana runs it: the file's text, `$$` read as `$`.
    query: String,
    /// The rule's range, seconds before the evaluation.
    range_s: i64,
    /// It fires when the query's value is above this.
    threshold: f64,
    /// How long the condition must hold, as Grafana and Prometheus write it.
    hold: String,
}

fn yaml() -> Yaml {
    let path = dir("compose/grafana/provisioning/alerting/gnss.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn text(y: &Yaml, what: &str) -> String {
    y.as_str().unwrap_or_else(|| panic!("{what}: not text")).to_owned()
}

fn rules() -> Vec<Rule> {
    let doc = yaml();
    assert_eq!(doc["apiVersion"].as_i64(), Some(1));
    let groups = doc["groups"].as_vec().expect("groups");
    assert_eq!(groups.len(), 1, "one group of rules");
    let mut rules = Vec::new();
    for rule in groups[0]["rules"].as_vec().expect("rules") {
        let title = text(&rule["title"], "title");
        let data = rule["data"].as_vec().unwrap_or_else(|| panic!("{title}: no data"));
        let by_ref = |r: &str| data.iter().find(|d| d["refId"].as_str() == Some(r)).unwrap();
        let (query, reduce, threshold) = (by_ref("A"), by_ref("B"), by_ref("C"));
        assert_eq!(rule["condition"].as_str(), Some("C"), "{title}");
        assert_eq!(reduce["model"]["type"].as_str(), Some("reduce"), "{title}");
        assert_eq!(reduce["model"]["expression"].as_str(), Some("A"), "{title}");
        assert_eq!(threshold["model"]["type"].as_str(), Some("threshold"), "{title}");
        assert_eq!(threshold["model"]["expression"].as_str(), Some("B"), "{title}");
        let evaluator = &threshold["model"]["conditions"][0]["evaluator"];
        assert_eq!(evaluator["type"].as_str(), Some("gt"), "{title}");
        let limit = &evaluator["params"][0];
        let datasource = text(&query["datasourceUid"], "datasourceUid");
        let model = &query["model"];
        let field = if datasource == "clickhouse" { "rawSql" } else { "expr" };
        if datasource == "clickhouse" {
            assert_eq!(model["editorType"].as_str(), Some("sql"), "{title}");
            assert_eq!(model["format"].as_i64(), Some(1), "{title}: a table");
        }
        rules.push(Rule {
            query: text(&model[field], field).replace("$$", "$"),
            range_s: query["relativeTimeRange"]["from"].as_i64().expect("range"),
            threshold: limit.as_f64().or(limit.as_i64().map(|n| n as f64)).expect("threshold"),
            hold: text(&rule["for"], "for"),
            datasource,
            title,
        });
    }
    rules
}

fn rule(title: &str) -> Rule {
    rules().into_iter().find(|r| r.title == title).unwrap_or_else(|| panic!("no rule {title}"))
}

#[test]
fn each_rule_runs_the_text_of_one_file_of_sql_alerts() {
    let rules = rules();
    let titles: Vec<&str> = rules.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Receiver silent",
            "Fix degraded",
            "Suspected interference",
            "Rejected bytes spike",
            "Consumer lag"
        ]
    );
    let sql = load(&dir("sql/alerts")).unwrap();
    let clickhouse: Vec<&Rule> = rules.iter().filter(|r| r.datasource == "clickhouse").collect();
    assert_eq!(clickhouse.len(), sql.len(), "one ClickHouse rule per .sql file");
    for query in &sql {
        let used: Vec<&&Rule> = clickhouse.iter().filter(|r| r.query == query.sql).collect();
        assert_eq!(used.len(), 1, "{}.sql is the rawSql of exactly one rule", query.name);
        assert_eq!(used[0].title, query.title, "{}.sql's title", query.name);
        // Alert rules have no dashboard variables; the plugin expands the macros.
        assert!(!query.sql.contains("${"), "{}.sql names a dashboard variable", query.name);
        expand(&query.sql, &at(START_S, 300)).unwrap_or_else(|e| panic!("{}: {e}", query.name));
    }
    let promql = std::fs::read_to_string(dir("sql/alerts/consumer_lag.promql")).unwrap();
    let lag = rule("Consumer lag");
    assert_eq!((lag.datasource.as_str(), lag.query.as_str()), ("prometheus", promql.trim()));

    // The policy sends every alert to a provisioned contact point.
    let doc = yaml();
    let contact = text(&doc["contactPoints"][0]["name"], "contact point");
    assert_eq!(doc["policies"][0]["receiver"].as_str(), Some(contact.as_str()));
}

/// The alert and the panel find interference the same way: the alert's 10 s windows are the
/// panel's, over every receiver (the panel keeps to the dashboard's).
#[test]
fn the_interference_alert_counts_the_windows_of_the_panel() {
    let windows = |path: &str| {
        let text = std::fs::read_to_string(dir(path)).unwrap().replace(
            "WHERE receiver IN (${receiver:singlequote})\n                AND time",
            "WHERE time",
        );
        let start = text.find("    SELECT\n        receiver,\n        window_s,").expect(path);
        let end = text.find("HAVING satellites >= 4").expect(path);
        text[start..end].to_owned()
    };
    assert_eq!(windows("sql/alerts/interference.sql"), windows("sql/dashboards/interference.sql"));
}

/// The rule's range ending at `to_s`, as Grafana evaluates it then.
fn at(to_s: i64, range_s: i64) -> Selection {
    Selection { from_s: to_s - range_s, to_s, interval_s: 1, receivers: Vec::new() }
}

/// Each receiver's value of a ClickHouse rule evaluated at `to_s`.
fn evaluate(ch: &ClickHouse, rule: &Rule, to_s: i64) -> BTreeMap<String, f64> {
    let sql = expand(&rule.query, &at(to_s, rule.range_s)).unwrap();
    ch.rows(&sql)
        .into_iter()
        .map(|row| (row[0].clone(), row[1].parse().unwrap_or_else(|e| panic!("{row:?}: {e}"))))
        .collect()
}

/// The receivers a ClickHouse rule fires for at `to_s`.
fn firing(ch: &ClickHouse, rule: &Rule, to_s: i64) -> Vec<String> {
    let values = evaluate(ch, rule, to_s);
    values.into_iter().filter(|(_, v)| *v > rule.threshold).map(|(r, _)| r).collect()
}

/// Produces `receivers` simulated receivers named `<prefix>-<n>` for `seconds` from
/// [`START_S`] with `interference`, as fast as possible.
fn simulate(bootstrap: &str, prefix: &str, receivers: u32, seconds: u64, interference: &str) {
    let (receivers, duration) = (receivers.to_string(), format!("{seconds}s"));
    reader(&[
        "novatel-reader",
        "simulate",
        "--receiver-id",
        prefix,
        "--simulate-receivers",
        &receivers,
        "--simulate-duration",
        &duration,
        "--simulate-rate",
        RATES,
        "--simulate-speed",
        "0",
        "--simulate-start",
        "2024-06-01T12:00:00Z",
        "--simulate-interference",
        interference,
        "--kafka-brokers",
        bootstrap,
        "--kafka-topic",
        TOPIC,
        "--metrics-listen",
        "off",
    ]);
}

/// `interference` as `--simulate-interference` takes it.
fn flag(interference: &Interference) -> String {
    let Interference { every_ms, duration_ms, depth_db, fraction } = interference;
    format!("every={every_ms}ms,duration={duration_ms}ms,depth={depth_db},fraction={fraction}")
}

/// What the simulated receivers of `runs` (prefix, receivers, interference) met, by receiver
/// id: the simulator's own schedule for each seed (receiver n has seed n).
fn truth(runs: &[(&str, u32, Interference)], seconds: u64) -> BTreeMap<String, Vec<Episode>> {
    let mut truth = BTreeMap::new();
    for (prefix, receivers, interference) in runs {
        for n in 1..=*receivers {
            let schedule = interference.schedule(u64::from(n), seconds * 1000);
            truth.insert(format!("{prefix}-{n}"), schedule);
        }
    }
    truth
}

/// Starts ClickHouse and the streamer, produces `runs` for `seconds`, and waits until every
/// frame is written.
fn pipeline(runs: &[(&str, u32, Interference)], seconds: u64) -> ClickHouse {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 3);
    let bootstrap = kafka.bootstrap_servers();
    let mut frames = 0;
    for (prefix, receivers, interference) in runs {
        simulate(&bootstrap, prefix, *receivers, seconds, &flag(interference));
        frames += u64::from(*receivers) * seconds * FRAMES_PER_S;
    }
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "alerts",
        clickhouse: &ch,
        database: "default",
        args: &[],
    };
    let mut streamer = Streamer::start(&run);
    wait_for_frames(&ch, "default", frames, &mut streamer, Duration::from_secs(300));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");
    ch
}

/// Found, missed and false alarms of the interference panel's 10 s windows against the truth.
#[derive(Debug, Default, PartialEq)]
struct Figures {
    episodes: usize,
    found: usize,
    fades: usize,
    fades_flagged: usize,
    windows: usize,
    false_alarms: usize,
}

/// The panel (`sql/dashboards/interference.sql`) at a 10 s interval over the whole run, each
/// window above the alert's threshold set against what the simulator did.
fn detection(ch: &ClickHouse, truth: &BTreeMap<String, Vec<Episode>>, seconds: i64) -> Figures {
    let panel = load(&dir("sql/dashboards")).unwrap();
    let panel = panel.iter().find(|q| q.name == "interference").unwrap();
    let threshold = rule("Suspected interference").threshold;
    let selection = Selection {
        from_s: START_S,
        to_s: START_S + seconds,
        interval_s: 10,
        receivers: truth.keys().cloned().collect(),
    };
    let rows = ch.rows(&expand(&panel.sql, &selection).unwrap());
    let mut flagged: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut figures = Figures { windows: rows.len(), ..Figures::default() };
    for row in &rows {
        let time = humantime::parse_rfc3339(&format!("{}Z", row[0].replace(' ', "T"))).unwrap();
        let since_start_ms = (time.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
            - START_S) as u64
            * 1000;
        if row[2].parse::<f64>().unwrap() > threshold {
            flagged.entry(row[1].clone()).or_default().push(since_start_ms);
        }
    }
    let overlaps = |e: &Episode, w: u64| w < e.end_ms && e.start_ms < w + 10_000;
    for (receiver, episodes) in truth {
        let windows = flagged.get(receiver).cloned().unwrap_or_default();
        for e in episodes {
            let hit = windows.iter().any(|&w| overlaps(e, w));
            match e.kind {
                Kind::Jamming => {
                    (figures.episodes, figures.found) =
                        (figures.episodes + 1, figures.found + usize::from(hit))
                }
                Kind::Fade => {
                    (figures.fades, figures.fades_flagged) =
                        (figures.fades + 1, figures.fades_flagged + usize::from(hit))
                }
            }
        }
        let jamming = |w: u64| episodes.iter().any(|e| e.kind == Kind::Jamming && overlaps(e, w));
        figures.false_alarms += windows.iter().filter(|&&w| !jamming(w)).count();
    }
    figures
}

/// Simulated receivers, two with jamming episodes every 3 minutes (30 s, 12 dB, 80 % of the
/// satellites) and their single-satellite fades, through the reader and the streamer; and rows
/// inserted for a receiver without RTK, one whose INS never became good, and rejected bytes:
/// every SQL rule fires where it must and nowhere else.
#[test]
fn every_sql_rule_fires_where_it_must_and_only_there() {
    const SECONDS: u64 = 720;
    const INTERFERENCE: Interference =
        Interference { every_ms: 180_000, duration_ms: 30_000, depth_db: 12.0, fraction: 0.8 };
    let runs = [("sim", 2, INTERFERENCE)];
    let ch = pipeline(&runs, SECONDS);
    let truth = truth(&runs, SECONDS);
    let end_s = START_S + SECONDS as i64;

    // Suspected interference: at every episode's middle, the receiver it struck; at every fade's
    // middle and before the first episode, nobody.
    let interference = rule("Suspected interference");
    for (receiver, episodes) in &truth {
        assert_eq!(episodes.iter().filter(|e| e.kind == Kind::Jamming).count(), 3);
        for e in episodes {
            let middle_s = START_S + ((e.start_ms + e.end_ms) / 2000) as i64;
            let fired = firing(&ch, &interference, middle_s);
            let expected = match e.kind {
                Kind::Jamming => vec![receiver.clone()],
                Kind::Fade => vec![],
            };
            let this: Vec<String> = fired.into_iter().filter(|r| r == receiver).collect();
            assert_eq!(this, expected, "{receiver} at {e:?}");
        }
        let before_s = START_S + (episodes[0].start_ms / 1000) as i64 - 1;
        assert!(!firing(&ch, &interference, before_s).contains(receiver), "{receiver}");
    }
    let figures = detection(&ch, &truth, SECONDS as i64);
    assert_eq!((figures.found, figures.fades_flagged, figures.false_alarms), (6, 0, 0));
    assert_eq!((figures.episodes, figures.fades), (6, 6), "{figures:?}");

    // Receiver silent: 30 s after the last frame nobody; 10 minutes after, both, for 600 s.
    let silent = rule("Receiver silent");
    assert_eq!(firing(&ch, &silent, end_s + 30), Vec::<String>::new());
    let later = evaluate(&ch, &silent, end_s + 600);
    assert_eq!(later, truth.keys().map(|r| (r.clone(), 600.0)).collect());
    assert!(later.values().all(|&s| s > silent.threshold));

    // Fix degraded: the simulated receivers have RTK and a good INS; a receiver of single-point
    // fixes and one whose INS never aligned are degraded.
    let mut values = Vec::new();
    for s in 0..300 {
        let ms = (end_s - 300 + s) * 1000;
        values.push(format!("('single-only', {ms}, 'BESTPOS', 'SINGLE')"));
        values.push(format!("('ins-aligning', {ms}, 'BESTPOS', 'NARROW_INT')"));
    }
    ch.query(&format!(
        "INSERT INTO default.positions (receiver, time_ms, log, pos_type_name) VALUES {}",
        values.join(", ")
    ));
    let ins: Vec<String> = (0..300)
        .map(|s| {
            format!("('ins-aligning', {}, 'INSPVAS', 'INS_ALIGNING')", (end_s - 300 + s) * 1000)
        })
        .collect();
    ch.query(&format!(
        "INSERT INTO default.ins (receiver, time_ms, log, ins_status_name) VALUES {}",
        ins.join(", ")
    ));
    let degraded = rule("Fix degraded");
    let values = evaluate(&ch, &degraded, end_s);
    let expected = ["ins-aligning", "sim-1", "sim-2", "single-only"];
    assert_eq!(values.keys().collect::<Vec<_>>(), expected);
    assert_eq!(firing(&ch, &degraded, end_s), ["ins-aligning", "single-only"]);

    // Rejected bytes spike: over the hour before `end_s`, a cable going bad (100 bytes a minute,
    // then 5,000 in the last 5 minutes) fires; a steady 2,000 every 5 minutes and a small blip
    // (500 bytes) do not; the simulated receivers rejected nothing.
    let mut rows = Vec::new();
    for minute in 0..60 {
        let ms = (end_s - 3600 + minute * 60 + 30) * 1000;
        let cable = if minute < 55 { 100 } else { 1000 };
        rows.push(format!("('bad-cable', {ms}, 'bad_crc', {cable})"));
        if minute % 5 == 4 {
            rows.push(format!("('steady', {ms}, 'unframed', 2000)"));
        }
        if minute == 58 {
            rows.push(format!("('blip', {ms}, 'bad_crc', 500)"));
        }
    }
    ch.query(&format!(
        "INSERT INTO default.rejected (receiver, time_ms, reason, bytes) VALUES {}",
        rows.join(", ")
    ));
    let spike = rule("Rejected bytes spike");
    let values = evaluate(&ch, &spike, end_s);
    let expected = [("bad-cable", 5000.0), ("blip", 500.0), ("steady", 0.0)];
    assert_eq!(values, expected.iter().map(|(r, v)| (r.to_string(), *v)).collect());
    assert_eq!(firing(&ch, &spike, end_s), ["bad-cable"]);
}

/// The consumer lag rule in `promtool test rules`: a lag growing past the threshold fires after
/// the rule's hold, per streamer job; a small steady lag never does.
#[test]
fn the_consumer_lag_rule_fires_on_a_lag_that_stays_high() {
    let lag = rule("Consumer lag");
    let work = std::env::temp_dir().join(format!("alerts-promtool-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let rules = format!(
        "groups:\n  - name: gnss\n    rules:\n      - alert: ConsumerLag\n        expr: {} > {}\n        \
         for: {}\n",
        lag.query, lag.threshold, lag.hold
    );
    std::fs::write(work.join("rules.yml"), rules).unwrap();
    // The prod streamer's lag grows by 50,000 a minute from 0 (above 100,000 from minute 3); the
    // testing streamer's stays at 10.
    let tests = r#"rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'streamer_consumer_lag{job="streamer", partition="0"}'
        values: '0+50000x20'
      - series: 'streamer_consumer_lag{job="streamer", partition="1"}'
        values: '0x20'
      - series: 'streamer_consumer_lag{job="streamer-testing", partition="0"}'
        values: '10x20'
    alert_rule_test:
      - eval_time: 5m
        alertname: ConsumerLag
        exp_alerts: []
      - eval_time: 9m
        alertname: ConsumerLag
        exp_alerts:
          - exp_labels:
              job: streamer
"#;
    std::fs::write(work.join("tests.yml"), tests).unwrap();
    let output = Command::new("promtool")
        .args(["test", "rules", "tests.yml"])
        .current_dir(&work)
        .output()
        .expect("promtool (scripts/system-packages installs the Debian package prometheus)");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_dir_all(&work).unwrap();
    assert!(output.status.success(), "promtool test rules:\n{said}");
    assert!(said.contains("SUCCESS"), "{said}");
}

/// A ClickHouse holding the streamer's tables, empty (its migrations applied as at its start).
fn migrated() -> ClickHouse {
    let ch = ClickHouse::start();
    let connection = Connection {
        url: ch.url(),
        database: "default".into(),
        user: "default".into(),
        password: None,
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let timeout = Duration::from_secs(30);
    runtime.block_on(Sink::connect(connection, None, &dir("sql"), timeout)).unwrap();
    ch
}

/// Writes the observations of `seconds` of RANGE at 1 Hz of a simulated receiver (seed `seed`)
/// with `interference` straight into `observations`, as the streamer writes their columns.
fn insert_observations(
    ch: &ClickHouse,
    receiver: &str,
    seed: u64,
    interference: Interference,
    seconds: u64,
) {
    let rates = Rates {
        bestpos: 0,
        bestvel: 0,
        range: 1,
        rangecmp: 0,
        inspvas: 0,
        rxstatus: 0,
        time: 0,
        satvis2: 0,
    };
    let config = Config {
        rates,
        start_unix_ms: START_S * 1000,
        seed,
        interference: Some(interference),
        ..Config::default()
    };
    let mut simulator = Simulator::new(config).unwrap();
    let mut rows = String::from(
        "INSERT INTO default.observations (receiver, time_ms, log, prn, constellation, signal, \
         cn0_dbhz) FORMAT TabSeparated\n",
    );
    while simulator.elapsed_ms() < seconds * 1000 {
        let time_ms = simulator.next_unix_ms();
        for (_, log) in simulator.next_epoch() {
            let Log::Range(range) = log else { continue };
            for o in &range.obs {
                let tracking = o.tracking();
                let (constellation, signal) =
                    (tracking.constellation().as_str(), tracking.signal_name().unwrap_or(""));
                let line = format!(
                    "{receiver}\t{time_ms}\tRANGE\t{}\t{constellation}\t{signal}\t{}\n",
                    o.prn, o.cn0
                );
                rows.push_str(&line);
            }
        }
    }
    ch.query(&rows);
}

/// The detection figures of `docs/dashboards.md`: an hour of 4 simulated receivers for each
/// depth and share of the satellites hit, jamming every 2 minutes for 20 s, and the fades between,
/// their observations written straight into ClickHouse. Prints the table; run with
/// `--run-ignored only --no-capture`.
#[test]
#[ignore = "half a minute; prints the figures of docs/dashboards.md"]
fn interference_detection_figures() {
    const SECONDS: u64 = 3600;
    const RECEIVERS: u32 = 4;
    let settings =
        [(4.0, 0.7), (6.0, 0.7), (8.0, 0.7), (10.0, 0.7), (12.0, 0.7), (12.0, 0.9), (12.0, 0.4)];
    let ch = migrated();
    println!(
        "| depth | satellites hit | episodes | found | missed | fades | fades flagged | windows | \
         false alarms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (depth, fraction) in settings {
        let prefix = format!("depth{depth}-hit{}", fraction * 100.0);
        let interference =
            Interference { every_ms: 120_000, duration_ms: 20_000, depth_db: depth, fraction };
        for n in 1..=RECEIVERS {
            insert_observations(&ch, &format!("{prefix}-{n}"), u64::from(n), interference, SECONDS);
        }
        let truth = truth(&[(&prefix, RECEIVERS, interference)], SECONDS);
        let f = detection(&ch, &truth, SECONDS as i64);
        println!(
            "| {depth} dB | {} % | {} | {} | {} | {} | {} | {} | {} |",
            fraction * 100.0,
            f.episodes,
            f.found,
            f.episodes - f.found,
            f.fades,
            f.fades_flagged,
            f.windows,
            f.false_alarms
        );
    }
}

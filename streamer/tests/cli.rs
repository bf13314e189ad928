//! The command line: settings from flags, environment and file; errors that say what to do.

mod common;

use std::process::Command;

use common::ClickHouse;

fn streamer(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_gnss-streamer"))
        .env_clear()
        .envs(env.iter().copied())
        .args(args)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

#[test]
fn settings_come_from_flags_environment_and_file_and_say_where_from() {
    let dir = std::env::temp_dir().join(format!("streamer-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("streamer.toml");
    std::fs::write(&file, "[kafka]\ngroup = \"testing\"\n[batch]\nmax_frames = 5000\n").unwrap();
    let secret = dir.join("password");
    std::fs::write(&secret, "hunter2\n").unwrap();
    let (code, out, err) = streamer(
        &["--config", file.to_str().unwrap(), "--print-config", "--batch-max-age", "250ms"],
        &[
            ("KAFKA_HOST", "broker:9092"),
            ("CLICKHOUSE_URL", "http://ch:8123"),
            ("CLICKHOUSE_PASSWORD_FILE", secret.to_str().unwrap()),
        ],
    );
    assert_eq!(code, 0, "{err}");
    for line in [
        "kafka.brokers = \"broker:9092\"",
        "kafka.group = \"testing\"",
        "clickhouse.url = \"http://ch:8123\"",
        "clickhouse.password = \"****\"",
        "batch.max_frames = 5000",
        // A duration is TOML text, so that the file reads it back (the unquoted `250ms` printed
        // before was a line the config file refused).
        "batch.max_age = \"250ms\"",
    ] {
        assert!(out.contains(line), "{line} in:\n{out}");
    }
    assert!(!out.contains("hunter2"));
    assert!(
        out.lines().any(|l| l.starts_with("clickhouse.url") && l.contains("CLICKHOUSE_URL")),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("kafka.group") && l.contains("config file")),
        "{out}"
    );

    // What was printed is a config file that gives the same settings, without flags or
    // environment: every line the same but the origin, the password file's path included.
    let printed = dir.join("printed.toml");
    std::fs::write(&printed, &out).unwrap();
    let (code, again, err) =
        streamer(&["--config", printed.to_str().unwrap(), "--print-config"], &[]);
    assert_eq!(code, 0, "{err}");
    let settings = |text: &str| -> Vec<String> {
        let lines =
            text.lines().filter(|l| !l.starts_with("# gnss-streamer") && !l.starts_with("# as a"));
        lines.map(|l| l.split("  #").next().unwrap_or(l).trim().to_owned()).collect()
    };
    assert_eq!(settings(&again), settings(&out), "{again}");
    assert!(
        again.lines().filter(|l| !l.starts_with('#')).all(|l| l.contains("# config file")),
        "{again}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_settings_exit_2_naming_the_setting() {
    let (code, _, err) = streamer(&["--kafka-start", "yesterday"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("kafka.start") && err.contains("earliest, latest or a time"), "{err}");
    let (code, _, err) = streamer(&["--clickhouse-url", "ch:8123"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("http://host:8123"), "{err}");
}

#[test]
fn an_aggregate_that_does_not_fit_its_table_is_refused_at_start() {
    let ch = ClickHouse::start();
    let sql = std::env::temp_dir().join(format!("streamer-sql-{}", std::process::id()));
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql");
    std::fs::create_dir_all(sql.join("aggregates")).unwrap();
    std::fs::create_dir_all(sql.join("clickhouse")).unwrap();
    for dir in ["clickhouse", "aggregates"] {
        for entry in std::fs::read_dir(source.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, sql.join(dir).join(path.file_name().unwrap())).unwrap();
        }
    }
    // A column the ClickHouse table does not have.
    let path = sql.join("aggregates/ins.sql");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("count(*) AS n", "count(*) AS n, 1 AS extra");
    std::fs::write(&path, text).unwrap();
    let url = ch.url();
    let args = [
        "--clickhouse-url",
        url.as_str(),
        "--sql-dir",
        sql.to_str().unwrap(),
        "--metrics-listen",
        "off",
    ];
    let (code, _, err) = streamer(&args, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("table ins_agg_input, column extra"), "{err}");

    // SQL DataFusion cannot plan names its file.
    std::fs::write(&path, "-- target: ins_agg\n-- windows: 1 second\nSELECT nope FROM ins")
        .unwrap();
    let (code, _, err) = streamer(&args, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("aggregate ins_agg") && err.contains("nope"), "{err}");
    std::fs::remove_dir_all(&sql).unwrap();
}

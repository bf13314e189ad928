//! `novatel-reader decode` as a user runs it: JSON lines on stdout, summary on stderr, exit codes.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn fixture(path: &str) -> String {
    format!("{}/../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn reader() -> Command {
    Command::new(env!("CARGO_BIN_EXE_novatel-reader"))
}

fn lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn one_json_object_per_frame_with_the_documented_keys() {
    let out = reader().args(["decode", &fixture("real/test2_rcvr1.dat")]).output().unwrap();
    assert!(out.status.success());
    let frames = lines(&out.stdout);
    assert_eq!(frames.len(), 897);
    for frame in &frames {
        for key in ["name", "id", "format", "week", "ms", "time_status", "body"] {
            assert!(frame.get(key).is_some(), "{key} missing in {frame}");
        }
    }
    let rangecmp = frames.iter().find(|f| f["name"] == "RANGECMP").unwrap();
    assert_eq!((rangecmp["id"].as_u64(), rangecmp["format"].as_str()), (Some(140), Some("binary")));
    assert_eq!(rangecmp["week"], 1761);
    assert!(rangecmp["ms"].is_u64());
    let obs = &rangecmp["body"]["obs"][0];
    let keys: Vec<&str> = obs.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "prn",
            "glofreq",
            "psr",
            "psr_sigma",
            "adr",
            "adr_sigma",
            "dopp",
            "cn0",
            "locktime",
            "tracking_status"
        ]
    );
    assert_eq!((obs["prn"].as_u64(), obs["adr"].as_f64()), (Some(4), Some(-111_560_708.203125)));
    let ephemeris = frames.iter().find(|f| f["name"] == "GPSEPHEM").unwrap();
    assert_eq!(
        (ephemeris["body"]["prn"].as_u64(), ephemeris["body"]["week"].as_u64()),
        (Some(1), Some(1761))
    );
    // Every log of this receiver has a decoder: no frame is left raw.
    assert!(frames.iter().all(|f| f["raw"].is_null() && !f["body"].is_null()));

    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(summary.contains("897 frames, 462112 bytes"), "{summary}");
    assert!(
        summary.contains("bodies decoded: 897 of 897 log frames; logs without a decoder: none"),
        "{summary}"
    );
    assert!(summary.contains("RANGECMP             binary              436"), "{summary}");
    assert!(
        summary.contains("rejected 1103 bytes: bad_crc 900, oversize 0, unframed 203, truncated 0"),
        "{summary}"
    );
}

/// A binary log without a decoder: its body printed as hexadecimal, two digits per byte.
#[test]
fn an_undecoded_binary_body_is_printed_in_hex() {
    let body = [0x00, 0x0f, 0xa5, 0xff, 0x10, 0x7e, 0x80, 0x01];
    // A long binary header (28 bytes) of message id 65000, which has no decoder.
    let mut frame = vec![0xAA, 0x44, 0x12, 28];
    frame.extend(65000u16.to_le_bytes());
    frame.extend([0, 0x20]);
    frame.extend((body.len() as u16).to_le_bytes());
    frame.extend([0, 0, 0, 180]);
    frame.extend(2000u16.to_le_bytes());
    frame.extend(1_000u32.to_le_bytes());
    frame.extend([0; 8]);
    frame.extend(body);
    let crc = novatel::crc::crc32(&frame);
    frame.extend(crc.to_le_bytes());
    let mut child = reader()
        .args(["decode", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&frame).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let frames = lines(&out.stdout);
    let [frame] = frames.as_slice() else { panic!("{frames:?}") };
    assert_eq!((frame["name"].as_str(), frame["body"].is_null()), (Some("ID65000"), true));
    assert_eq!(frame["raw"], "000fa5ff107e8001");
    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(
        summary.contains("bodies decoded: 0 of 1 log frames; logs without a decoder: ID65000 1"),
        "{summary}"
    );
}

#[test]
fn reads_standard_input_and_names_the_fields() {
    let mut child = reader()
        .args(["decode", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let data = std::fs::read(fixture("real/OneEach.GPS")).unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let frames = lines(&out.stdout);
    let bestpos =
        frames.iter().find(|f| f["name"] == "BESTPOS" && f["format"] == "binary").unwrap();
    assert_eq!(bestpos["time_status"], "FINESTEERING");
    assert_eq!(bestpos["utc"], "2012-05-10T20:38:33.000Z");
    let body = &bestpos["body"];
    assert_eq!(
        (body["sol_status"].as_str(), body["pos_type"].as_str()),
        (Some("SOL_COMPUTED"), Some("SINGLE"))
    );
    for key in [
        "lat",
        "lon",
        "hgt",
        "undulation",
        "lat_sigma",
        "lon_sigma",
        "hgt_sigma",
        "stn_id",
        "diff_age",
        "sol_age",
        "num_svs",
        "num_soln_svs",
    ] {
        assert!(body.get(key).is_some(), "{key}");
    }
    let formats: Vec<&str> = frames.iter().map(|f| f["format"].as_str().unwrap()).collect();
    assert!(formats.contains(&"abbreviated") && formats.contains(&"ascii"));
}

#[test]
fn summary_only_prints_no_frames() {
    let out =
        reader().args(["decode", "--summary-only", &fixture("real/bestpos.gps")]).output().unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("INSPVAS              short_binary         10")
    );
}

#[test]
fn a_missing_file_is_a_clear_error_and_exit_status_1() {
    let out = reader().args(["decode", "/nonexistent/capture.gps"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("novatel-reader: error: cannot open /nonexistent/capture.gps"),
        "{stderr}"
    );
}

#[test]
fn a_bad_flag_is_a_usage_error_with_exit_status_2() {
    let out = reader().args(["decode", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

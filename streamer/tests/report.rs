//! `gnss-report`'s HTML page as a browser shows it: two simulated receivers logging SATVIS2 and a
//! recording without it go through Kafka and the streamer into ClickHouse, and the page the report
//! writes is opened in headless Chromium (Debian's `chromium`, from `scripts/system-packages`).
//! Its sky plot marks each satellite the last SATVIS2 put above the horizon where its azimuth and
//! elevation say, its C/N0 chart has a line per satellite tracked, every SVG loads, and the page
//! as drawn is not blank.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::expected::Expected;
use common::{ClickHouse, Run, Streamer, cluster, fixture, replay, simulate, wait_for_frames};
use novatel::simulate::{Config, Sky};

const TOPIC: &str = "frames";
const SIM_SECONDS: u64 = 120;
/// A BESTPOS and a RANGE a second, and a SATVIS2 of each of the sky's three systems.
const SIM_RATES: &str = "bestpos=1,range=1,satvis2=1,bestvel=0,inspvas=0,rxstatus=0,time=0";
const SIM_FRAMES_PER_SECOND: u64 = 5;
const RECORDING: &str = "real/bestpos.gps";

/// A fresh directory of its own under the system's temporary one.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gnss-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Debian's `chromium` on PATH; the test fails (never passes silently) without it.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|dir| dir.join("chromium")).find(|p| p.is_file()).expect(
        "chromium is not installed: run scripts/system-packages as root (it installs Debian's \
         chromium, which this test renders the report in; CI runs it)",
    )
}

/// Runs headless Chromium on `page` with `args` (`--dump-dom`, `--screenshot=...`), a new profile
/// each time; returns its stdout.
fn headless(page: &Path, args: &[&str]) -> String {
    let profile = temp_dir("chromium-profile");
    let output = Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    std::fs::remove_dir_all(&profile).unwrap();
    assert!(
        output.status.success(),
        "chromium on {}: {}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The elements `<tag ...>` of `text` with their attributes.
fn elements(text: &str, tag: &str) -> Vec<BTreeMap<String, String>> {
    let open = format!("<{tag} ");
    text.match_indices(&open)
        .map(|(at, _)| {
            let rest = &text[at + open.len()..];
            let inside = &rest[..rest.find('>').unwrap()];
            let mut attributes = BTreeMap::new();
            let mut rest = inside;
            while let Some(eq) = rest.find("=\"") {
                let name = rest[..eq].trim().to_owned();
                let value_end = rest[eq + 2..].find('"').unwrap();
                attributes.insert(name, rest[eq + 2..eq + 2 + value_end].to_owned());
                rest = &rest[eq + 2 + value_end + 1..];
            }
            attributes
        })
        .collect()
}

/// The `<svg>...</svg>` documents of `text`.
fn svgs(text: &str) -> Vec<&str> {
    text.match_indices("<svg")
        .map(|(at, _)| &text[at..at + text[at..].find("</svg>").unwrap() + "</svg>".len()])
        .collect()
}

/// What the page shows of `receiver`: from its heading to the next.
fn section<'a>(page: &'a str, receiver: &str) -> &'a str {
    let heading = format!("<h2>Receiver {receiver}</h2>");
    let start = page.find(&heading).unwrap_or_else(|| panic!("no section of {receiver}"));
    let rest = &page[start + heading.len()..];
    &rest[..rest.find("<h2>").unwrap_or(rest.len())]
}

fn number(attributes: &BTreeMap<String, String>, name: &str) -> f64 {
    attributes[name].parse().unwrap_or_else(|e| panic!("{name} of {attributes:?}: {e}"))
}

/// A satellite's name in the report: its system's letter and PRN (GLONASS: slot).
fn name(system: &str, id: u16) -> String {
    let letter = match system {
        "GPS" => 'G',
        "GLONASS" => 'R',
        "GALILEO" => 'E',
        other => panic!("the simulator has no {other}"),
    };
    format!("{letter}{id:02}")
}

#[test]
fn the_report_in_chromium_shows_each_satellite_where_satvis2_puts_it() {
    // Before minutes of work: without a browser the test cannot end well.
    chromium();
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 1);
    let bootstrap = kafka.bootstrap_servers();
    replay(&bootstrap, TOPIC, &[fixture(RECORDING)]);
    simulate(&bootstrap, TOPIC, 2, &format!("{SIM_SECONDS}s"), SIM_RATES);
    let mut expected = Expected::default();
    expected.add(&fixture(RECORDING));
    let recorded: u64 = expected.frames.values().sum();
    let frames = recorded + 2 * SIM_SECONDS * SIM_FRAMES_PER_SECOND;
    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "report",
        clickhouse: &ch,
        database: "gnss",
        args: &[],
    };
    let mut streamer = Streamer::start(&run);
    wait_for_frames(&ch, "gnss", frames, &mut streamer, Duration::from_secs(120));
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");

    // SATVIS2 is stored as the simulator sent it: every satellite of its sky each second, and
    // the last second's positions are the sky's (sim-1 is the simulator's seed 1).
    let satellites = Config::default().satellites;
    assert_eq!(
        ch.count("SELECT count() FROM gnss.satellite_visibility WHERE receiver = 'sim-1'"),
        SIM_SECONDS * satellites as u64
    );
    let last = (SIM_SECONDS - 1) as f64;
    let mut sky: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for log in Sky::new(satellites, 1).visibility(last) {
        for sat in &log.satellites {
            let system = log.system.name().unwrap();
            sky.insert(name(system, sat.id.prn), (sat.az, sat.elev));
        }
    }
    let stored = ch.rows(
        "SELECT system_name, satellite_id, azimuth_deg, elevation_deg \
         FROM gnss.satellite_visibility WHERE receiver = 'sim-1' AND time_ms = \
         (SELECT max(time_ms) FROM gnss.satellite_visibility WHERE receiver = 'sim-1')",
    );
    assert_eq!(stored.len(), satellites);
    for row in &stored {
        let (az, el) = sky[&name(&row[0], row[1].parse().unwrap())];
        let (got_az, got_el): (f64, f64) = (row[2].parse().unwrap(), row[3].parse().unwrap());
        assert!((got_az - az).abs() < 1e-9 && (got_el - el).abs() < 1e-9, "{row:?}");
    }
    let overhead: BTreeMap<&String, &(f64, f64)> =
        sky.iter().filter(|(_, (_, el))| *el >= 0.0).collect();
    assert!(overhead.len() >= 10, "{} satellites above the horizon", overhead.len());

    let dir = temp_dir("page");
    let html = dir.join("report.html");
    let output = Command::new(env!("CARGO_BIN_EXE_gnss-report"))
        .args(["--clickhouse-url", &ch.url(), "--clickhouse-database", "gnss"])
        .args(["--sql-dir", concat!(env!("CARGO_MANIFEST_DIR"), "/../sql")])
        .arg("--html")
        .arg(&html)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    // The page as Chromium parsed it.
    let dom = headless(&html, &["--dump-dom"]);
    let sim = section(&dom, "sim-1");
    let plots: Vec<&str> = svgs(sim).into_iter().filter(|s| s.contains("class=\"sky\"")).collect();
    assert_eq!(plots.len(), 1, "one sky plot of sim-1");
    let horizon = elements(plots[0], "circle")
        .into_iter()
        .find(|c| c.get("class").is_some_and(|c| c == "horizon"))
        .expect("the horizon");
    let (cx, cy, radius) = (number(&horizon, "cx"), number(&horizon, "cy"), number(&horizon, "r"));
    let marks: BTreeMap<String, (f64, f64)> = elements(plots[0], "circle")
        .into_iter()
        .filter(|c| c.get("class").is_some_and(|c| c == "satellite"))
        .map(|c| (c["data-satellite"].clone(), (number(&c, "cx"), number(&c, "cy"))))
        .collect();
    assert_eq!(
        marks.keys().collect::<BTreeSet<_>>(),
        overhead.keys().copied().collect::<BTreeSet<_>>(),
        "a mark for each satellite above the horizon in the last SATVIS2"
    );
    for (satellite, &(x, y)) in &marks {
        let (az, el) = overhead[satellite];
        let r = radius * (90.0 - el) / 90.0;
        let (want_x, want_y) = (cx + r * az.to_radians().sin(), cy - r * az.to_radians().cos());
        // Coordinates are written to a tenth of a pixel.
        assert!(
            (x - want_x).abs() <= 0.051 && (y - want_y).abs() <= 0.051,
            "{satellite} at az {az:.1} el {el:.1}: drawn at ({x}, {y}), belongs at \
             ({want_x:.2}, {want_y:.2})"
        );
        assert!(plots[0].contains(&format!(">{satellite}</text>")), "{satellite} labelled");
    }

    // The C/N0 chart: a line per satellite RANGE tracked, each named (axes and ticks are lines
    // of two points; each satellite's has one a second).
    let tracked = ch.rows(
        "SELECT DISTINCT constellation, if(constellation = 'GLONASS', prn - 37, prn) \
         FROM gnss.observations WHERE receiver = 'sim-1'",
    );
    let tracked: BTreeSet<String> =
        tracked.iter().map(|r| name(&r[0], r[1].parse().unwrap())).collect();
    assert!(tracked.len() >= 10, "{tracked:?}");
    let cn0 = svgs(sim)
        .into_iter()
        .find(|s| s.contains("C/N0 per satellite"))
        .expect("sim-1's C/N0 per satellite chart");
    let lines = elements(cn0, "polyline")
        .into_iter()
        .filter(|l| l.get("points").is_some_and(|p| p.split_whitespace().count() > 2))
        .count();
    assert_eq!(lines, tracked.len(), "a line per satellite");
    for satellite in &tracked {
        assert!(cn0.contains(&format!("\n{satellite}\n</text>")), "{satellite} named");
    }

    // The recording has no SATVIS2: a line says so instead of an empty plot.
    let recording = section(&dom, "bestpos.gps");
    assert!(!recording.contains("class=\"sky\""), "no sky plot of bestpos.gps");
    assert!(recording.contains("No sky plot: bestpos.gps logged no SATVIS2"), "{recording}");

    // Every chart of the page loads as an SVG document of its own, without an XML error.
    let page = std::fs::read_to_string(&html).unwrap();
    let charts = svgs(&page);
    assert!(charts.len() >= 8, "{} charts", charts.len());
    for (n, svg) in charts.iter().enumerate() {
        let file = dir.join(format!("chart-{n}.svg"));
        std::fs::write(&file, svg).unwrap();
        let loaded = headless(&file, &["--dump-dom"]);
        assert!(loaded.starts_with("<svg"), "chart {n} loads as SVG: {loaded:.300}");
        assert!(!loaded.contains("parsererror"), "chart {n}: {loaded:.600}");
    }

    // The page as drawn: not blank, and each system's colour of the sky plots shows.
    let screenshot = dir.join("report.png");
    headless(
        &html,
        &[&format!("--screenshot={}", screenshot.display()), "--window-size=1280,4000"],
    );
    let decoder = png::Decoder::new(std::fs::File::open(&screenshot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = pixels[..info.buffer_size()].chunks(channels).collect();
    let drawn = pixels.iter().filter(|p| p[..3] != [255, 255, 255]).count();
    assert!(drawn * 50 > pixels.len(), "{drawn} of {} pixels drawn", pixels.len());
    let colours = [
        ("GPS", [0x1f, 0x77, 0xb4]),
        ("GLONASS", [0xd6, 0x27, 0x28]),
        ("Galileo", [0x2c, 0xa0, 0x2c]),
    ];
    for (system, rgb) in colours {
        let shown = pixels.iter().any(|p| p[..3].iter().zip(rgb).all(|(&a, b)| a.abs_diff(b) <= 2));
        assert!(shown, "{system}'s colour in the screenshot");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

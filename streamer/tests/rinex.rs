//! The RINEX 3.04 export (`gnss_streamer::rinex`, `gnss-export rinex`): `test2_rcvr1.dat` exported
//! from the recording agrees, epoch by epoch and value by value, with RTKLIB 2.4.3 b34's
//! `convbin` of it; the same recording replayed through Kafka and the streamer into ClickHouse
//! exports to the same epochs.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{ClickHouse, Run, Streamer, cluster, fixture, replay, wait_for_frames, wait_until};
use gnss_streamer::rinex::codes::{System, signal_code};
use gnss_streamer::rinex::obs::HeaderInfo;
use gnss_streamer::rinex::source::RecordingReader;
use gnss_streamer::rinex::{GpsTime, Record, Source, TimeRange, export_nav, export_obs};
use gnss_streamer::sink::Connection;
use novatel::{Log, decode, frames};

const RECORDING: &str = "real/test2_rcvr1.dat";
const RTKLIB: &str = "real/rinex/test2_rcvr1.dat.obs";
const TOPIC: &str = "frames";

/// A RINEX observation file, split: header records (label, content) and epochs (epoch line,
/// satellite lines by satellite, satellites in file order).
struct Rinex {
    header: Vec<(String, String)>,
    epochs: Vec<Epoch>,
}

struct Epoch {
    line: String,
    order: Vec<String>,
    sats: BTreeMap<String, String>,
}

fn parse(text: &str) -> Rinex {
    let mut lines = text.lines();
    let mut header = Vec::new();
    for line in lines.by_ref() {
        let label = line.get(60..).unwrap_or_default().trim_end().to_owned();
        let content = line.get(..60).unwrap_or(line).to_owned();
        let end = label == "END OF HEADER";
        header.push((label, content));
        if end {
            break;
        }
    }
    let mut epochs = Vec::new();
    while let Some(line) = lines.next() {
        assert!(line.starts_with('>'), "an epoch line: {line:?}");
        let n: usize = line[32..35].trim().parse().unwrap();
        let mut epoch = Epoch { line: line.to_owned(), order: vec![], sats: BTreeMap::new() };
        for _ in 0..n {
            let sat = lines.next().expect("a satellite line");
            epoch.order.push(sat[..3].to_owned());
            assert!(epoch.sats.insert(sat[..3].to_owned(), sat.to_owned()).is_none(), "{sat}");
        }
        epochs.push(epoch);
    }
    Rinex { header, epochs }
}

fn records<'a>(rinex: &'a Rinex, label: &str) -> Vec<&'a str> {
    rinex.header.iter().filter(|(l, _)| l == label).map(|(_, c)| c.as_str()).collect()
}

fn info() -> HeaderInfo {
    HeaderInfo {
        program: "gnss-export test".into(),
        run_by: "gnss-pipe".into(),
        date: "20260101 000000 UTC".into(),
        comments: vec!["test".into()],
        marker: "test2_rcvr1.dat".into(),
        position: None,
    }
}

fn export(source: &Source, range: TimeRange) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut out = Vec::new();
    runtime.block_on(export_obs(source, range, &info(), false, &mut out)).unwrap();
    String::from_utf8(out).unwrap()
}

fn export_navigation(source: &Source, range: TimeRange) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut out = Vec::new();
    runtime.block_on(export_nav(source, range, &info(), &mut out)).unwrap();
    String::from_utf8(out).unwrap()
}

fn from_recording(range: TimeRange) -> String {
    export(&Source::Recording(fixture(RECORDING)), range)
}

/// The 14-character values, LLI and SSI digits of a satellite line.
fn fields(line: &str) -> Vec<(&str, char, char)> {
    let body = &line[3..];
    (0..body.len() / 16)
        .map(|k| {
            let f = &body[16 * k..16 * k + 16];
            (&f[..14], f.as_bytes()[14] as char, f.as_bytes()[15] as char)
        })
        .collect()
}

#[test]
fn recording_export_agrees_with_rtklib_epoch_by_epoch() {
    let ours = from_recording(TimeRange::default());
    let theirs = std::fs::read_to_string(fixture(RTKLIB)).unwrap();
    let (ours, theirs) = (parse(&ours), parse(&theirs));

    // The header records that carry information (not program, date, comments).
    for label in [
        "RINEX VERSION / TYPE",
        "SYS / # / OBS TYPES",
        "TIME OF FIRST OBS",
        "TIME OF LAST OBS",
        "APPROX POSITION XYZ",
        "ANTENNA: DELTA H/E/N",
        "SYS / PHASE SHIFT",
        "GLONASS SLOT / FRQ #",
        "GLONASS COD/PHS/BIS",
    ] {
        assert_eq!(records(&ours, label), records(&theirs, label), "{label}");
    }
    assert_eq!(records(&ours, "MARKER NAME")[0].trim_end(), "test2_rcvr1.dat");
    assert!(records(&ours, "SYS / # / OBS TYPES")[0].starts_with("G    8 C1C L1C D1C S1C C2W"));

    assert_eq!(ours.epochs.len(), 436, "one epoch per RANGECMP with a good CRC");
    assert_eq!(ours.epochs.len(), theirs.epochs.len());
    let glonass_phase = novatel_glonass_phases();
    let types: BTreeMap<char, Vec<String>> = records(&ours, "SYS / # / OBS TYPES")
        .iter()
        .map(|r| {
            (r.chars().next().unwrap(), r[6..].split_whitespace().map(str::to_owned).collect())
        })
        .collect();
    let (mut values, mut flags, mut sats, mut glonass) = (0, 0, 0, 0);
    for (mine, rtklib) in ours.epochs.iter().zip(&theirs.epochs) {
        assert_eq!(mine.line, rtklib.line, "epoch line");
        // The same satellites; ours by system and number, RTKLIB's in receiver channel order.
        assert_eq!(mine.sats.keys().collect::<Vec<_>>(), rtklib.sats.keys().collect::<Vec<_>>());
        let mut sorted = mine.order.clone();
        sorted.sort_by_key(|s| ("GREJSCI".find(&s[..1]), s[1..].to_owned()));
        assert_eq!(mine.order, sorted, "{}", mine.line);
        let time = &mine.line[2..29];
        for (sat, line) in &mine.sats {
            let other = &rtklib.sats[sat];
            assert_eq!(line.len(), other.len(), "{time} {sat}");
            let system = sat.chars().next().unwrap();
            let ours = fields(line);
            for (k, (theirs, obs_type)) in
                fields(other).into_iter().zip(&types[&system]).enumerate()
            {
                let (value, lli, ssi) = ours[k];
                assert_eq!((lli, ssi), (theirs.1, theirs.2), "{time} {sat} {obs_type} flags");
                flags += usize::from(lli != ' ') + usize::from(ssi != ' ');
                if system == 'R' && obs_type.starts_with('L') && theirs.0.trim() == "0.000" {
                    // RTKLIB has no GLONASS wavelength without an ephemeris and writes 0.000; the
                    // export writes the phase, as NovAtel's own decompression gives it.
                    let key = (time.to_owned(), sat.clone(), obs_type[1..].to_owned());
                    assert_eq!(value, glonass_phase[&key], "{time} {sat} {obs_type}");
                    glonass += 1;
                    continue;
                }
                assert_eq!(value, theirs.0, "{time} {sat} {obs_type}");
                values += usize::from(!value.trim().is_empty());
            }
            sats += 1;
        }
    }
    eprintln!(
        "agree with RTKLIB: {} epochs, {sats} satellite records, {values} values, {flags} LLI/SSI \
         digits; {glonass} GLONASS phases (0.000 in RTKLIB's) equal to NovAtel's RANGEA",
        ours.epochs.len()
    );
    assert_eq!((values, glonass), (56_120, 6_976), "values compared");

    // RTKLIB's flags: a slip on every phase of the first epoch, half-cycle unknown on G10.
    assert_eq!(flags, 18 * 2 + 2);
}

/// NovAtel's own decompression of the recording (`test2_rcvr1_decompressed.ASC`, RANGEA): the
/// GLONASS carrier phases in RINEX's sign and format, by (epoch, satellite, code).
fn novatel_glonass_phases() -> BTreeMap<(String, String, String), String> {
    let mut phases = BTreeMap::new();
    let path = fixture("real/test2_rcvr1_decompressed.ASC");
    let mut reader = RecordingReader::open(&path).unwrap();
    while let Some(record) = reader.next_record().unwrap() {
        let Record::Obs(epoch) = record else { continue };
        let (y, mo, d, h, mi, ms) = epoch.time.calendar();
        let time =
            format!("{y:04} {mo:02} {d:02} {h:02} {mi:02} {:02}.{:03}0000", ms / 1000, ms % 1000);
        for o in &epoch.obs {
            let system = System::from_tracking(o.tracking_status);
            if system != Some(System::Glonass) {
                continue;
            }
            let code = signal_code(System::Glonass, ((o.tracking_status >> 21) & 0x1F) as u8);
            let sat = format!("R{:02}", o.prn - 37);
            let key = (time.clone(), sat, code.unwrap().to_string());
            phases.insert(key, format!("{:14.3}", -o.adr_cycles));
        }
    }
    phases
}

#[test]
fn a_range_starts_with_slips_and_ends_before_to() {
    // 2013-10-09 16:05:00 GPS is 16:04:44 UTC (16 leap seconds).
    let from = GpsTime::from_week_ms(1761, (3 * 86_400 + 16 * 3600 + 5 * 60) * 1000).unix_ms();
    let range = TimeRange { from_unix_ms: Some(from), to_unix_ms: Some(from + 60_000) };
    let rinex = parse(&from_recording(range));
    assert_eq!(rinex.epochs.len(), 60);
    assert!(rinex.epochs[0].line.starts_with("> 2013 10 09 16 05 00.0000000  0"));
    assert!(rinex.epochs[59].line.starts_with("> 2013 10 09 16 05 59.0000000  0"));
    assert_eq!(
        records(&rinex, "TIME OF FIRST OBS"),
        ["  2013    10    09    16    05   00.0000000     GPS         "]
    );
    // Every phase of the first epoch written is flagged as a slip, none of the second.
    for line in rinex.epochs[0].sats.values() {
        assert!(fields(line).iter().filter(|f| !f.0.trim().is_empty()).any(|f| f.1 == '1'));
    }
    for line in rinex.epochs[1].sats.values() {
        assert!(fields(line).iter().all(|f| f.1 == ' '), "{line}");
    }
}

#[test]
fn gnss_export_writes_observation_and_navigation_files() {
    let dir = std::env::temp_dir().join(format!("gnss-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (obs, nav) = (dir.join("out.obs"), dir.join("out.nav"));
    let output = Command::new(env!("CARGO_BIN_EXE_gnss-export"))
        .args(["rinex", "--recording"])
        .arg(fixture(RECORDING))
        .arg("--obs")
        .arg(&obs)
        .arg("--nav")
        .arg(&nav)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(&obs).unwrap();
    assert!(text.starts_with("     3.04           OBSERVATION DATA    M: Mixed"));
    assert!(text.lines().all(|l| l.len() <= 131), "no line past the 8 observables");
    assert_eq!(parse(&text).epochs.len(), 436);

    // GPSEPHEM: one `G` record of 8 lines per ephemeris (PRN, IODE, IODC, toe).
    let nav = std::fs::read_to_string(&nav).unwrap();
    assert!(nav.starts_with("     3.04           N: GNSS NAV DATA    G: GPS"));
    let body: Vec<&str> =
        nav.lines().skip_while(|l| !l.contains("END OF HEADER")).skip(1).collect();
    let mut ephemerides = Vec::new();
    let mut reader = RecordingReader::open(&fixture(RECORDING)).unwrap();
    while let Some(record) = reader.next_record().unwrap() {
        if let Record::GpsEphemeris(e) = record
            && !ephemerides.contains(&e.identity())
        {
            ephemerides.push(e.identity());
        }
    }
    assert!(!ephemerides.is_empty());
    assert_eq!(body.len(), 8 * ephemerides.len(), "{nav}");
    let mut prns: Vec<u32> = ephemerides.iter().map(|(prn, ..)| *prn).collect();
    let mut written: Vec<u32> = body.chunks(8).map(|r| r[0][1..3].parse().unwrap()).collect();
    prns.sort();
    written.sort();
    assert_eq!(written, prns);
    // In the order of their clock times (then PRNs).
    let epochs: Vec<&str> = body.chunks(8).map(|r| &r[0][4..23]).collect();
    assert!(epochs.is_sorted(), "{epochs:?}");
    for record in body.chunks(8) {
        assert!(
            record[0].starts_with('G') && record[0][3..].starts_with(" 2013 10 "),
            "{}",
            record[0]
        );
        assert_eq!(record[0].len(), 23 + 3 * 19);
        assert!(record[1..].iter().all(|l| l.starts_with("    ") && (l.len() - 4) % 19 == 0));
    }
    // Every value against NovAtel's own ASCII of the same ephemerides (#GPSEPHEMA, which
    // prints from 6 significant digits, af0, to 11), in RINEX's order and units.
    let ascii = std::fs::read(fixture("real/test2_rcvr1_decompressed.ASC")).unwrap();
    let truth: BTreeMap<(u32, u32), novatel::logs::GpsEphemeris> = frames(&ascii)
        .filter_map(|event| match event {
            novatel::Event::Frame(frame) => match decode(&frame).ok()?.log {
                Some(Log::GpsEphem(e)) => Some(((e.prn, e.iodc), e)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    for record in body.chunks(8) {
        let values: Vec<f64> = std::iter::once(&record[0][23..])
            .chain(record[1..].iter().map(|l| &l[4..]))
            .flat_map(|l| l.as_bytes().chunks(19).map(|v| std::str::from_utf8(v).unwrap()))
            .map(|v| {
                v.trim().replace('D', "E").parse::<f64>().unwrap_or_else(|e| panic!("{v}: {e}"))
            })
            .collect();
        let prn: u32 = record[0][1..3].parse().unwrap();
        let e = &truth[&(prn, values[26] as u32)];
        let expected = [
            (0, e.af0),
            (1, e.af1),
            (2, e.af2),
            (3, f64::from(e.iode1)),
            (4, e.crs),
            (5, e.delta_n),
            (6, e.m0),
            (7, e.cuc),
            (8, e.ecc),
            (9, e.cus),
            (10, e.a.sqrt()),
            (11, e.toe),
            (12, e.cic),
            (13, e.omega0),
            (14, e.cis),
            (15, e.i0),
            (16, e.crc),
            (17, e.omega),
            (18, e.omega_dot),
            (19, e.i_dot),
            (21, f64::from(e.week)),
            (24, f64::from(e.health)),
            (25, e.tgd),
            (26, f64::from(e.iodc)),
        ];
        for (at, want) in expected {
            let got = values[at];
            assert!(
                (got - want).abs() <= want.abs() * 1e-5 + 1e-20,
                "G{prn:02} value {at}: {got:e} in the file, {want:e} in NovAtel's ASCII"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn clickhouse_export_writes_the_recordings_epochs() {
    let ch = ClickHouse::start();
    let kafka = cluster(TOPIC, 1);
    let bootstrap = kafka.bootstrap_servers();
    let recording: PathBuf = fixture(RECORDING);
    let manual: PathBuf = fixture(MANUAL);
    replay(&bootstrap, TOPIC, &[recording.clone(), manual.clone()]);
    let mut expected = common::expected::Expected::default();
    expected.add(&recording);
    // The manual's examples have no expected.json: each of their frames makes a `frames` row.
    let manual_frames = frames(&std::fs::read(&manual).unwrap())
        .filter(|event| matches!(event, novatel::Event::Frame(_)))
        .count() as u64;
    assert_eq!(manual_frames, 25);

    // How many observation rows the recording decodes to.
    let mut rows = 0u64;
    let mut reader = RecordingReader::open(&recording).unwrap();
    while let Some(record) = reader.next_record().unwrap() {
        if let Record::Obs(epoch) = record {
            rows += epoch.obs.len() as u64;
        }
    }

    let run = Run {
        bootstrap: &bootstrap,
        topic: TOPIC,
        group: "rinex",
        clickhouse: &ch,
        database: "gnss",
        args: &["--batch-max-frames", "200", "--batch-max-age", "100ms"],
    };
    let mut streamer = Streamer::start(&run);
    let total = expected.total_frames() + manual_frames;
    wait_for_frames(&ch, "gnss", total, &mut streamer, Duration::from_secs(120));
    wait_until(Duration::from_secs(30), "observation rows", || {
        ch.count("SELECT count() FROM gnss.observations") == rows
    });
    // The manual's examples: 3 QZSS, 3 GLONASS, 8 Galileo, 3 BeiDou, IONUTC and QZSSIONUTC.
    wait_until(Duration::from_secs(30), "navigation rows", || {
        [
            ("gps_ephemerides", 3),
            ("glonass_ephemerides", 3),
            ("galileo_ephemerides", 8),
            ("beidou_ephemerides", 3),
            ("ionosphere_utc", 2),
        ]
        .iter()
        .all(|(table, n)| {
            ch.count(&format!(
                "SELECT count() FROM gnss.{table} WHERE receiver = 'ephemerides.ASC'"
            )) == *n
        })
    });
    let (status, log) = streamer.stop();
    assert!(status.success(), "{log}");

    let receivers = ch.rows("SELECT DISTINCT receiver FROM gnss.observations");
    assert_eq!(receivers, [["test2_rcvr1.dat".to_owned()]]);
    let connection = Connection {
        url: ch.url(),
        database: "gnss".into(),
        user: "default".into(),
        password: None,
    };
    let source = Source::ClickHouse {
        client: Box::new(connection.client().with_database("gnss")),
        receiver: "test2_rcvr1.dat".into(),
    };
    let body = |text: &str| text.split_once("END OF HEADER").unwrap().1.to_owned();
    let header = |text: &str| {
        let rinex = parse(text);
        rinex.header.iter().filter(|(l, _)| l != "PGM / RUN BY / DATE").cloned().collect::<Vec<_>>()
    };

    // The whole recording, and a minute of it.
    let first = GpsTime::from_week_ms(1761, (3 * 86_400 + 16 * 3600 + 6 * 60) * 1000).unix_ms();
    for range in [
        TimeRange::default(),
        TimeRange { from_unix_ms: Some(first), to_unix_ms: Some(first + 60_000) },
    ] {
        let from_ch = export(&source, range);
        let from_file = from_recording(range);
        assert_eq!(header(&from_ch), header(&from_file), "{range:?}");
        assert!(body(&from_ch) == body(&from_file), "{range:?}: the epochs differ");
        let epochs = parse(&from_ch).epochs.len();
        assert_eq!(epochs, if range.from_unix_ms.is_some() { 60 } else { 436 });
        eprintln!("{range:?}: {epochs} epochs identical from ClickHouse and from the recording");

        // Navigation records from `gps_ephemerides`, as from the recording's GPSEPHEM logs.
        let nav_ch = export_navigation(&source, range);
        let nav_file = export_navigation(&Source::Recording(fixture(RECORDING)), range);
        assert_eq!(nav_ch, nav_file, "{range:?}");
        let records = body(&nav_ch).lines().filter(|l| l.starts_with('G')).count();
        assert!(records > 0 || range.from_unix_ms.is_some(), "{nav_ch}");
        eprintln!("{range:?}: {records} GPS navigation records identical");
    }

    // Every system's ephemerides and the ionosphere/UTC header records, from the navigation
    // tables' rows turned back into their logs: the same file as from the recording.
    let source = Source::ClickHouse {
        client: Box::new(connection.client().with_database("gnss")),
        receiver: "ephemerides.ASC".into(),
    };
    let nav_ch = export_navigation(&source, TimeRange::default());
    let nav_file = export_navigation(&Source::Recording(manual), TimeRange::default());
    assert_eq!(nav_ch, nav_file);
    let letters: String = nav_records(&nav_ch).iter().map(|r| r.system).collect();
    assert_eq!(letters, "RRREEEEEEEEJJJCCC");
    assert!(nav_ch.contains("GPUT -5.5879354477E-09") && nav_ch.contains("QZSB "));
    eprintln!("manual ephemerides: 17 navigation records and the header identical");
}

const MANUAL: &str = "manual/ephemerides.ASC";

/// A navigation file's body split into records (`R` 4 lines, the others 8), each as its
/// system letter, number, epoch text and values in RINEX order (clock values, then orbits).
struct NavRecord {
    system: char,
    number: u32,
    epoch: String,
    values: Vec<f64>,
}

fn nav_records(text: &str) -> Vec<NavRecord> {
    let body: Vec<&str> =
        text.lines().skip_while(|l| !l.contains("END OF HEADER")).skip(1).collect();
    let mut records = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let first = body[at];
        let system = first.chars().next().unwrap();
        let lines = if system == 'R' { 4 } else { 8 };
        let record = &body[at..at + lines];
        assert_eq!(first.len(), 23 + 3 * 19, "{first}");
        assert!(record[1..].iter().all(|l| l.starts_with("    ") && (l.len() - 4) % 19 == 0));
        let values = std::iter::once(&first[23..])
            .chain(record[1..].iter().map(|l| &l[4..]))
            .flat_map(|l| l.as_bytes().chunks(19).map(|v| std::str::from_utf8(v).unwrap()))
            .map(|v| v.trim().parse::<f64>().unwrap_or_else(|e| panic!("{v}: {e}")))
            .collect();
        records.push(NavRecord {
            system,
            number: first[1..3].parse().unwrap(),
            epoch: first[4..23].to_owned(),
            values,
        });
        at += lines;
    }
    records
}

/// The ASCII logs of the manual's examples, with their header times (GPS s of week).
fn manual_logs() -> Vec<(f64, Log)> {
    let ascii = std::fs::read(fixture(MANUAL)).unwrap();
    frames(&ascii)
        .filter_map(|event| match event {
            novatel::Event::Frame(frame) => {
                let message = decode(&frame).ok()?;
                Some((f64::from(message.header.ms?) / 1000.0, message.log?))
            }
            _ => None,
        })
        .collect()
}

/// `hh mm ss` of seconds of a day.
fn time_of_day(seconds: i64) -> String {
    let s = seconds.rem_euclid(86_400);
    format!("{:02} {:02} {:02}", s / 3600, s / 60 % 60, s % 60)
}

fn check_values(what: &str, got: &[f64], want: &[f64]) -> usize {
    assert_eq!(got.len(), want.len(), "{what}: {got:?}");
    for (at, (got, want)) in got.iter().zip(want).enumerate() {
        // D19.12 keeps 13 significant digits; NovAtel's ASCII prints at most 17.
        assert!(
            (got - want).abs() <= want.abs() * 1e-12,
            "{what} value {at}: {got:e} in the file, {want:e} in NovAtel's ASCII"
        );
    }
    got.len()
}

#[test]
fn manual_ephemerides_export_every_system() {
    let text = export_navigation(&Source::Recording(fixture(MANUAL)), TimeRange::default());
    let header: Vec<&str> = text.lines().take_while(|l| !l.contains("END OF HEADER")).collect();
    assert_eq!(
        header[0],
        format!("{:<60}RINEX VERSION / TYPE", "     3.04           N: GNSS NAV DATA    M: MIXED")
    );
    let labelled = |label: &str| -> Vec<String> {
        header.iter().filter(|l| l[60..].trim_end() == label).map(|l| l[..60].to_owned()).collect()
    };
    assert_eq!(
        labelled("IONOSPHERIC CORR"),
        [
            "GPSA   1.7695E-08  2.2352E-08 -1.1921E-07 -1.1921E-07       ",
            "GPSB   1.1674E+05  1.3107E+05 -1.3107E+05 -2.6214E+05       ",
            "QZSA   1.8626E-08  7.4506E-09 -3.5763E-07 -5.3644E-07       ",
            "QZSB   1.2902E+05  1.9661E+05 -6.5536E+04 -6.5536E+05       ",
        ]
    );
    assert_eq!(
        labelled("TIME SYSTEM CORR"),
        [
            "GPUT -5.5879354477E-09-1.243449788E-14  61440 2210          ",
            "QZUT -2.7939677238E-09 0.000000000E+00  94208 2210          ",
        ]
    );
    assert_eq!(labelled("LEAP SECONDS"), [format!("{:<60}", "    18    18  2185     7")]);

    let records = nav_records(&text);
    let letters: String = records.iter().map(|r| r.system).collect();
    assert_eq!(letters, "RRREEEEEEEEJJJCCC", "{text}");
    let (mut values, mut checked) = (0, 0);
    for (time, log) in manual_logs() {
        let find = |system: char, number: u32, extra: &dyn Fn(&NavRecord) -> bool| {
            let found: Vec<&NavRecord> = records
                .iter()
                .filter(|r| r.system == system && r.number == number && extra(r))
                .collect();
            assert_eq!(found.len(), 1, "{system}{number:02}");
            found[0]
        };
        match &log {
            Log::GloEphemeris(e) => {
                let r = find('R', u32::from(e.sloto) - 37, &|_| true);
                // tb (15-minute intervals of the Moscow day) in UTC; tk likewise.
                assert_eq!(&r.epoch[11..], time_of_day(i64::from(e.issue) * 900 - 10_800));
                assert_eq!(
                    (r.values[2] as i64).rem_euclid(86_400),
                    (i64::from(e.tk) - 10_800).rem_euclid(86_400)
                );
                assert_eq!(r.values[2], time - 18.0, "frame time: the log's, in UTC");
                let health = if e.health < 4 { 0.0 } else { 1.0 };
                let want = [
                    -e.tau_n,
                    e.gamma,
                    r.values[2],
                    e.pos_x / 1e3,
                    e.vel_x / 1e3,
                    e.ls_acc_x / 1e3,
                    health,
                    e.pos_y / 1e3,
                    e.vel_y / 1e3,
                    e.ls_acc_y / 1e3,
                    f64::from(e.freqo) - 7.0,
                    e.pos_z / 1e3,
                    e.vel_z / 1e3,
                    e.ls_acc_z / 1e3,
                    f64::from(e.age),
                ];
                values += check_values(&format!("R{:02}", r.number), &r.values, &want);
            }
            Log::GalInavEphemeris(_) | Log::GalFnavEphemeris(_) => {
                let (svid, toe, toc, iodnav, sisa, o, sources, health, bgd_e5b) = match &log {
                    Log::GalInavEphemeris(e) => (
                        e.satellite_id,
                        e.toe,
                        e.toc,
                        e.iodnav,
                        e.sisa_index,
                        &e.orbit,
                        0x205,
                        (u32::from(e.e5b_health) << 7)
                            | (u32::from(e.e5b_dvs) << 6)
                            | (u32::from(e.e1b_health) << 1)
                            | u32::from(e.e1b_dvs),
                        e.bgd_e1_e5b,
                    ),
                    Log::GalFnavEphemeris(e) => (
                        e.satellite_id,
                        e.toe,
                        e.toc,
                        e.iodnav,
                        e.sisa_index,
                        &e.orbit,
                        0x102,
                        (u32::from(e.e5a_health) << 4) | (u32::from(e.e5a_dvs) << 3),
                        0.0,
                    ),
                    _ => unreachable!(),
                };
                let r = find('E', svid, &|r: &NavRecord| r.values[20] == f64::from(sources));
                assert_eq!(&r.epoch[11..], time_of_day(i64::from(toc)));
                assert_eq!(sisa, 107);
                let want = [
                    o.af0,
                    o.af1,
                    o.af2,
                    f64::from(iodnav),
                    o.crs,
                    o.delta_n,
                    o.m0,
                    o.cuc,
                    o.ecc,
                    o.cus,
                    o.root_a,
                    f64::from(toe),
                    o.cic,
                    o.omega0,
                    o.cis,
                    o.i0,
                    o.crc,
                    o.omega,
                    o.omega_dot,
                    o.i_dot,
                    f64::from(sources),
                    2209.0,
                    0.0,
                    3.12,
                    f64::from(health),
                    o.bgd_e1_e5a,
                    bgd_e5b,
                    time,
                ];
                values += check_values(&format!("E{svid:02} {sources:#x}"), &r.values, &want);
            }
            Log::QzssEphemeris(q) => {
                let e = &q.ephemeris;
                let r = find('J', e.prn - 192, &|_| true);
                assert_eq!(&r.epoch[11..], time_of_day(e.toc as i64));
                let want = [
                    e.af0,
                    e.af1,
                    e.af2,
                    f64::from(e.iode1),
                    e.crs,
                    e.delta_n,
                    e.m0,
                    e.cuc,
                    e.ecc,
                    e.cus,
                    e.a.sqrt(),
                    e.toe,
                    e.cic,
                    e.omega0,
                    e.cis,
                    e.i0,
                    e.crc,
                    e.omega,
                    e.omega_dot,
                    e.i_dot,
                    0.0,
                    f64::from(e.week),
                    0.0,
                    3.4,
                    f64::from(e.health),
                    e.tgd,
                    f64::from(e.iodc),
                    e.tow,
                    f64::from(q.fit_interval),
                ];
                // URA: sqrt(7.84 m²) = 2.8 m, of the index whose nominal value is 3.4 m.
                assert_eq!(e.ura, 7.84);
                values += check_values(&format!("J{:02}", r.number), &r.values, &want);
            }
            Log::BdsEphemeris(e) => {
                let r = find('C', e.satellite_id, &|_| true);
                assert_eq!(&r.epoch[11..], time_of_day(i64::from(e.toc)));
                let want = [
                    e.a0,
                    e.a1,
                    e.a2,
                    f64::from(e.aode),
                    e.crs,
                    e.delta_n,
                    e.m0,
                    e.cuc,
                    e.ecc,
                    e.cus,
                    e.root_a,
                    f64::from(e.toe),
                    e.cic,
                    e.omega0,
                    e.cis,
                    e.i0,
                    e.crc,
                    e.omega,
                    e.omega_dot,
                    e.idot,
                    0.0,
                    f64::from(e.week),
                    0.0,
                    e.ura,
                    f64::from(e.health1),
                    e.tgd1,
                    e.tgd2,
                    time - 14.0,
                    f64::from(e.aodc),
                ];
                values += check_values(&format!("C{:02}", r.number), &r.values, &want);
            }
            _ => continue,
        }
        checked += 1;
    }
    // All 17 records are dated 2022-05-13 (GPS week 2209, BDT week 853, Friday).
    assert!(records.iter().all(|r| r.epoch.starts_with("2022 05 13 ")));
    eprintln!("{checked} records, {values} values equal to NovAtel's ASCII");
    assert_eq!((checked, records.len()), (17, 17));
    assert_eq!(values, 3 * 15 + 8 * 28 + 3 * 29 + 3 * 29);
}

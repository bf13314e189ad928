//! The sky plot of a receiver as SVG: north up, azimuth clockwise, the horizon the outer circle
//! and the zenith its centre; each satellite's track over the range and, for the satellites of the
//! last interval, a mark where it is now, labelled with its name and coloured by its system. The
//! query (`sql/report/sky_plot.sql`) returns `t` (Unix seconds), `satellite`, `azimuth` and
//! `elevation` (degrees). Drawn by hand: plotters has no polar coordinates.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Table;
use super::table::escape_html;

const WIDTH: f64 = 420.0;
const HEIGHT: f64 = 460.0;
const CENTRE: (f64, f64) = (210.0, 240.0);
/// Pixels from the zenith to the horizon.
const RADIUS: f64 = 180.0;

/// One point of a track: Unix seconds, azimuth and elevation in degrees.
type Point = (i64, f64, f64);

/// The sky plot of `table` titled `title`; `None` when it has no points. `Err` names the column
/// missing.
pub fn svg(title: &str, table: &Table) -> Result<Option<String>, String> {
    let column = |name: &str| {
        table.column(name).ok_or_else(|| format!("a sky plot query returns a `{name}` column"))
    };
    let (t, satellite, azimuth, elevation) =
        (column("t")?, column("satellite")?, column("azimuth")?, column("elevation")?);
    let mut tracks: BTreeMap<&str, Vec<Point>> = BTreeMap::new();
    for row in &table.rows {
        let (Ok(time), Ok(az), Ok(el)) =
            (row[t].parse::<i64>(), row[azimuth].parse::<f64>(), row[elevation].parse::<f64>())
        else {
            continue;
        };
        if az.is_finite() && (0.0..=90.0).contains(&el) {
            tracks.entry(row[satellite].as_str()).or_default().push((time, az, el));
        }
    }
    let Some(latest) = tracks.values().flatten().map(|p| p.0).max() else { return Ok(None) };
    for points in tracks.values_mut() {
        points.sort_by_key(|p| p.0);
    }
    let step = step(&tracks);

    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sky\" width=\"{WIDTH}\" \
         height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\">\n\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-family=\"sans-serif\" \
         font-size=\"15\">{}</text>\n",
        WIDTH / 2.0,
        escape_html(title)
    );
    grid(&mut out);
    for (name, points) in &tracks {
        let color = color(name);
        // A track breaks where the satellite was away (below the horizon, or not logged) for
        // more than a few intervals, so that no line crosses the sky.
        for piece in points.chunk_by(|a, b| b.0 - a.0 <= 3 * step) {
            if piece.len() < 2 {
                continue;
            }
            let coordinates: Vec<String> = piece
                .iter()
                .map(|&(_, az, el)| {
                    let (x, y) = position(az, el);
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            let _ = writeln!(
                out,
                "<polyline class=\"track\" data-satellite=\"{}\" points=\"{}\" fill=\"none\" \
                 stroke=\"{color}\" stroke-opacity=\"0.45\" stroke-width=\"1.5\"/>",
                escape_html(name),
                coordinates.join(" ")
            );
        }
    }
    for (name, points) in &tracks {
        let Some(&(time, az, el)) = points.last().filter(|p| p.0 == latest) else { continue };
        let (x, y) = position(az, el);
        let name = escape_html(name);
        let _ = writeln!(
            out,
            "<circle class=\"satellite\" data-satellite=\"{name}\" data-time=\"{time}\" \
             cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6\" fill=\"{}\"/>\n\
             <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" \
             font-size=\"11\">{name}</text>",
            color(&name),
            x + 8.0,
            y + 4.0
        );
    }
    legend(&mut out, &tracks);
    out.push_str("</svg>");
    Ok(Some(out))
}

/// Where azimuth `az` and elevation `el` (degrees) are drawn.
fn position(az: f64, el: f64) -> (f64, f64) {
    let r = RADIUS * (90.0 - el) / 90.0;
    let az = az.to_radians();
    (CENTRE.0 + r * az.sin(), CENTRE.1 - r * az.cos())
}

/// The shortest time between two points of a track: the query's interval.
fn step(tracks: &BTreeMap<&str, Vec<Point>>) -> i64 {
    tracks
        .values()
        .flat_map(|points| points.windows(2).map(|w| w[1].0 - w[0].0))
        .filter(|&d| d > 0)
        .min()
        .unwrap_or(1)
}

/// Circles at 0 (the horizon), 30 and 60 degrees of elevation, lines every 30 degrees of
/// azimuth, the cardinal points.
fn grid(out: &mut String) {
    let (cx, cy) = CENTRE;
    for el in [0.0, 30.0, 60.0] {
        let class = if el == 0.0 { " class=\"horizon\"" } else { "" };
        let _ = writeln!(
            out,
            "<circle{class} cx=\"{cx}\" cy=\"{cy}\" r=\"{}\" fill=\"none\" stroke=\"#bbb\"/>",
            RADIUS * (90.0 - el) / 90.0
        );
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"9\" \
             fill=\"#888\">{el}°</text>",
            cx + 2.0,
            cy - RADIUS * (90.0 - el) / 90.0 + 10.0
        );
    }
    for az in (0..360).step_by(30) {
        let (x, y) = position(f64::from(az), 0.0);
        let _ = writeln!(
            out,
            "<line x1=\"{cx}\" y1=\"{cy}\" x2=\"{x:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/>"
        );
    }
    for (name, az) in [("N", 0.0), ("E", 90.0), ("S", 180.0), ("W", 270.0)] {
        let r = RADIUS + 12.0;
        let a: f64 = f64::to_radians(az);
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-family=\"sans-serif\" \
             font-size=\"12\">{name}</text>",
            cx + r * a.sin(),
            cy - r * a.cos() + 4.0
        );
    }
}

/// The systems shown, with their colours, in the top left corner.
fn legend(out: &mut String, tracks: &BTreeMap<&str, Vec<Point>>) {
    let mut letters: Vec<char> = tracks.keys().filter_map(|name| name.chars().next()).collect();
    letters.sort_unstable();
    letters.dedup();
    for (row, letter) in letters.into_iter().enumerate() {
        let y = 44.0 + 14.0 * row as f64;
        let _ = writeln!(
            out,
            "<circle cx=\"14\" cy=\"{}\" r=\"4\" fill=\"{}\"/><text x=\"22\" y=\"{y}\" \
             font-family=\"sans-serif\" font-size=\"11\">{}</text>",
            y - 4.0,
            color(&letter.to_string()),
            system(letter)
        );
    }
}

/// The system a satellite's name starts with.
fn system(letter: char) -> &'static str {
    match letter {
        'G' => "GPS",
        'R' => "GLONASS",
        'E' => "Galileo",
        'C' => "BeiDou",
        'J' => "QZSS",
        'S' => "SBAS",
        'I' => "NavIC",
        _ => "other",
    }
}

/// A satellite's colour, its system's.
fn color(name: &str) -> &'static str {
    match name.chars().next() {
        Some('G') => "#1f77b4",
        Some('R') => "#d62728",
        Some('E') => "#2ca02c",
        Some('C') => "#ff7f0e",
        Some('J') => "#9467bd",
        Some('S') => "#8c564b",
        Some('I') => "#e377c2",
        _ => "#7f7f7f",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[[&str; 4]]) -> Table {
        Table {
            columns: ["t", "satellite", "azimuth", "elevation"].map(str::to_owned).to_vec(),
            rows: rows.iter().map(|r| r.map(str::to_owned).to_vec()).collect(),
        }
    }

    #[test]
    fn satellites_of_the_last_interval_are_marked_where_they_are() {
        let data = table(&[
            ["100", "G05", "0", "90"],
            ["110", "G05", "90", "0"],
            ["100", "R18", "180", "30"],
            ["100", "E11", "270", "60"],
            ["110", "E11", "270", "45"],
        ]);
        let svg = svg("sky", &data).unwrap().unwrap();
        // G05 at the horizon due east, E11 halfway up due west; R18 set before the last interval.
        assert!(svg.contains("data-satellite=\"G05\" data-time=\"110\" cx=\"390.0\" cy=\"240.0\""));
        assert!(svg.contains("data-satellite=\"E11\" data-time=\"110\" cx=\"120.0\" cy=\"240.0\""));
        assert_eq!(svg.matches("class=\"satellite\"").count(), 2);
        assert_eq!(svg.matches("class=\"track\"").count(), 2, "R18 has one point: no track");
        for system in ["GPS", "GLONASS", "Galileo"] {
            assert!(svg.contains(system), "{system} in the legend");
        }
    }

    #[test]
    fn a_track_breaks_where_the_satellite_was_away() {
        let data = table(&[
            ["0", "G01", "10", "10"],
            ["10", "G01", "20", "20"],
            ["1000", "G01", "200", "10"],
            ["1010", "G01", "210", "20"],
        ]);
        assert_eq!(svg("sky", &data).unwrap().unwrap().matches("class=\"track\"").count(), 2);
    }

    #[test]
    fn no_points_no_plot_and_missing_columns_are_named() {
        assert_eq!(svg("empty", &table(&[])), Ok(None));
        let below = table(&[["0", "G01", "10", "-5"]]);
        assert_eq!(svg("below the horizon", &below), Ok(None));
        let bad = Table { columns: vec!["t".into()], rows: vec![] };
        assert!(svg("bad", &bad).unwrap_err().contains("`satellite`"));
    }
}

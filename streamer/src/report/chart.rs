//! Charts of report queries as SVG: a query returns `time` (Unix seconds) or `x`, then `y` and
//! optionally `series`; `time` draws lines over time, `x` draws points on equal axes (a track).

use std::collections::BTreeMap;
use std::ops::Range;

use novatel::time::utc_fields;
use plotters::prelude::*;

use super::Table;

/// Pixels of a chart over time and of a track (square, so that a metre is as long on both axes).
const SIZE: (u32, u32) = (560, 340);
const TRACK_SIZE: (u32, u32) = (420, 420);
/// Series with fewer points than this also get a marker at each point.
const MARKED: usize = 60;
/// More series than this (C/N0 per satellite) are named at their last point instead of in a
/// legend, which would cover the chart.
const LEGEND_MAX: usize = 8;

/// The chart of `table` titled `title`; `None` when it has no points. `Err` says which columns
/// are missing or what plotting failed on.
pub fn svg(title: &str, table: &Table) -> Result<Option<String>, String> {
    let (x, over_time) = match (table.column("time"), table.column("x")) {
        (Some(i), _) => (i, true),
        (None, Some(i)) => (i, false),
        (None, None) => return Err("a chart query returns a `time` or an `x` column".into()),
    };
    let y = table.column("y").ok_or("a chart query returns a `y` column")?;
    let series_column = table.column("series");
    let mut series: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for row in &table.rows {
        let (Ok(px), Ok(py)) = (row[x].parse::<f64>(), row[y].parse::<f64>()) else { continue };
        if px.is_finite() && py.is_finite() {
            let name = series_column.map_or("", |s| row[s].as_str());
            series.entry(name).or_default().push((px, py));
        }
    }
    let points = series.values().flatten();
    // A flat time range still spans a minute, so that its labels differ.
    let flat_pad = if over_time { 30.0 } else { 0.5 };
    let Some((mut xs, mut ys)) = bounds(points, flat_pad) else { return Ok(None) };
    if !over_time {
        square(&mut xs, &mut ys);
    }
    let mut out = String::new();
    draw(&mut out, title, &series, xs, ys, over_time).map_err(|e| e.to_string())?;
    Ok(Some(out))
}

fn draw(
    out: &mut String,
    title: &str,
    series: &BTreeMap<&str, Vec<(f64, f64)>>,
    xs: Range<f64>,
    ys: Range<f64>,
    over_time: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let size = if over_time { SIZE } else { TRACK_SIZE };
    let root = SVGBackend::with_string(out, size).into_drawing_area();
    root.fill(&WHITE)?;
    let x_desc = if over_time { day_of(xs.start) } else { "east (m)".to_owned() };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(40)
        .build_cartesian_2d(xs, ys)?;
    let time_label = |t: &f64| {
        let (_, _, _, hour, minute, ms) = utc_fields(*t as i64 * 1000);
        format!("{hour:02}:{minute:02}:{:02}", ms / 1000)
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_desc).x_labels(6).y_labels(6);
    if over_time {
        mesh.x_label_formatter(&time_label);
    } else {
        mesh.y_desc("north (m)");
    }
    mesh.draw()?;
    for (index, (name, points)) in series.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        let drawn = if over_time && points.len() >= MARKED {
            chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?
        } else if over_time {
            chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(1)))?;
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?
        } else {
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 2, color.filled())))?
        };
        if name.is_empty() {
            continue;
        }
        if series.len() > LEGEND_MAX {
            let last = points.last().copied();
            let style = ("sans-serif", 10).into_font().color(&color);
            chart.draw_series(last.map(|p| Text::new(name.to_string(), p, style.clone())))?;
        } else {
            drawn.label(*name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 4), (x + 12, y + 4)], color.filled())
            });
        }
    }
    if series.len() <= LEGEND_MAX && series.keys().any(|name| !name.is_empty()) {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .draw()?;
    }
    root.present()?;
    Ok(())
}

/// The smallest ranges holding every point, widened a little (x by `flat_pad` either side when
/// flat, y by a half).
fn bounds<'a>(
    points: impl Iterator<Item = &'a (f64, f64)>,
    flat_pad: f64,
) -> Option<(Range<f64>, Range<f64>)> {
    let mut first = None;
    for &(x, y) in points {
        let (xs, ys) = first.get_or_insert((x..x, y..y));
        *xs = xs.start.min(x)..xs.end.max(x);
        *ys = ys.start.min(y)..ys.end.max(y);
    }
    let widen = |r: Range<f64>, flat: f64| {
        let pad = if r.end > r.start { (r.end - r.start) * 0.05 } else { flat };
        r.start - pad..r.end + pad
    };
    first.map(|(xs, ys)| (widen(xs, flat_pad), widen(ys, 0.5)))
}

/// Widens the narrower range so that a metre is as long on both axes.
fn square(xs: &mut Range<f64>, ys: &mut Range<f64>) {
    let span = (xs.end - xs.start).max(ys.end - ys.start);
    for r in [xs, ys] {
        let middle = (r.start + r.end) / 2.0;
        *r = middle - span / 2.0..middle + span / 2.0;
    }
}

/// "UTC time on YYYY-MM-DD" for Unix seconds `t`.
fn day_of(t: f64) -> String {
    let (year, month, day, ..) = utc_fields(t as i64 * 1000);
    format!("UTC time on {year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect(),
        }
    }

    #[test]
    fn a_time_series_becomes_an_svg_with_its_series_named() {
        let data = table(
            &["time", "y", "series"],
            &[
                &["1717243200", "45.5", "GPS"],
                &["1717243260", "46", "GPS"],
                &["1717243200", "40", "GLONASS"],
            ],
        );
        let svg = svg("C/N0", &data).unwrap().unwrap();
        assert!(svg.starts_with("<svg"));
        for text in ["C/N0", "GPS", "GLONASS", "12:00:00", "UTC time on 2024-06-01"] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn many_series_are_named_at_their_last_point_without_a_legend() {
        let names: Vec<String> = (1..=12).map(|prn| format!("G{prn:02}")).collect();
        let times = ["1717243200", "1717243260", "1717243320"];
        let rows: Vec<[&str; 3]> =
            names.iter().flat_map(|n| times.map(|t| [t, "40", n.as_str()])).collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| r.as_slice()).collect();
        let svg = svg("C/N0 per satellite", &table(&["time", "y", "series"], &rows)).unwrap();
        let svg = svg.unwrap();
        // Axes and ticks are lines of two points; the series' have three.
        let lines =
            svg.lines().filter(|l| l.starts_with("<polyline") && l.matches(',').count() > 2);
        assert_eq!(lines.count(), 12, "a line per satellite");
        for name in &names {
            assert_eq!(svg.matches(&format!("\n{name}\n</text>")).count(), 1, "{name} once");
        }
    }

    #[test]
    fn a_track_has_equal_axes() {
        let (mut xs, mut ys) = (0.0..10.0, 0.0..2.0);
        square(&mut xs, &mut ys);
        assert_eq!((xs, ys), (0.0..10.0, -4.0..6.0));
        let data = table(&["x", "y"], &[&["0", "0"], &["3", "4"]]);
        assert!(svg("track", &data).unwrap().unwrap().contains("north (m)"));
    }

    #[test]
    fn no_points_no_chart_and_missing_columns_are_named() {
        assert_eq!(svg("empty", &table(&["time", "y"], &[])), Ok(None));
        assert_eq!(svg("nan", &table(&["time", "y"], &[&["1", "nan"]])), Ok(None));
        assert!(svg("bad", &table(&["t", "y"], &[])).unwrap_err().contains("`time`"));
        assert!(svg("bad", &table(&["x", "v"], &[])).unwrap_err().contains("`y`"));
    }
}

//! Charts drawn on the server as SVG: horizontal bars, trend lines and a weekday × hour heat map. Each scales to
//! its container (a `viewBox` and `width: 100%`), so it reads on a phone, and needs no script. The page puts the
//! numbers in a table under each chart; the chart is `aria-hidden`-free but titled, for screen readers.

use std::fmt::Write;

const WIDTH: f64 = 600.0;
/// Colours of the series, from the UI tokens (primary, success, warning, danger, then greys).
const COLOURS: [&str; 5] = ["#1677ff", "#52c41a", "#faad14", "#ff4d4f", "#8c8c8c"];

/// XML text: the labels come from people (product models, keywords).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number as a chart label: whole numbers plainly, others with one decimal.
fn short(value: f64) -> String {
    if value.fract() == 0.0 { format!("{value:.0}") } else { format!("{value:.1}") }
}

fn open_svg(out: &mut String, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" preserveAspectRatio="xMinYMin meet"><title>{}</title>"#,
        escape(title)
    );
}

/// About how wide a label is drawn at the labels' 12 px: Chinese characters take the full size, Latin ones about
/// 0.6 of it (no font metrics on the server; legends only need not to overlap).
fn label_width(text: &str) -> f64 {
    text.chars().map(|c| if (c as u32) >= 0x2E80 { 12.0 } else { 7.0 }).sum()
}

/// Horizontal bars, one per row (label, value), longest scaled to the width.
pub fn bars(title: &str, rows: &[(String, f64)]) -> String {
    const ROW: f64 = 26.0;
    const LABEL: f64 = 170.0;
    const VALUE: f64 = 60.0;
    let max = rows.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let height = (rows.len().max(1) as f64) * ROW + 4.0;
    let mut out = String::new();
    open_svg(&mut out, height, title);
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as f64 * ROW + 2.0;
        let length = if max > 0.0 { (WIDTH - LABEL - VALUE) * value.max(0.0) / max } else { 0.0 };
        let label: String = label.chars().take(14).collect();
        let _ = write!(
            out,
            r##"<text x="{x}" y="{ty}" text-anchor="end" class="chart-label">{label}</text><rect x="{LABEL}" y="{y}" width="{length:.1}" height="{h}" rx="3" fill="{colour}"/><text x="{vx:.1}" y="{ty}" class="chart-value">{value}</text>"##,
            x = LABEL - 8.0,
            ty = y + ROW / 2.0 + 3.0,
            label = escape(&label),
            h = ROW - 8.0,
            colour = COLOURS[0],
            vx = LABEL + length + 6.0,
            value = short(*value),
        );
    }
    out.push_str("</svg>");
    out
}

/// Lines over the points of `x` (labels), one per series (name, values; a missing value breaks the line).
pub fn lines(title: &str, x: &[String], series: &[(String, Vec<Option<f64>>)]) -> String {
    const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 44.0;
    const TOP: f64 = 28.0;
    const BOTTOM: f64 = 24.0;
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = series.iter().flat_map(|(_, v)| v.iter().flatten()).fold(0.0_f64, |a, b| a.max(*b)).max(1.0);
    let step = if x.len() > 1 { plot_w / (x.len() - 1) as f64 } else { 0.0 };
    let at = |i: usize, v: f64| (LEFT + step * i as f64, TOP + plot_h - plot_h * v / max);
    let mut out = String::new();
    open_svg(&mut out, HEIGHT, title);
    // The axis: zero and the maximum, and the first and last label.
    let _ = write!(
        out,
        r#"<line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" class="chart-axis"/><text x="{lx}" y="{b}" text-anchor="end" class="chart-value">0</text><text x="{lx}" y="{t}" text-anchor="end" class="chart-value">{max}</text>"#,
        b = TOP + plot_h,
        r = WIDTH - 8.0,
        lx = LEFT - 6.0,
        t = TOP + 4.0,
        max = short(max),
    );
    if let (Some(first), Some(last)) = (x.first(), x.last()) {
        let y = HEIGHT - 6.0;
        let _ = write!(out, r#"<text x="{LEFT}" y="{y}" class="chart-value">{}</text>"#, escape(first));
        let _ = write!(
            out,
            r#"<text x="{}" y="{y}" text-anchor="end" class="chart-value">{}</text>"#,
            WIDTH - 8.0,
            escape(last)
        );
    }
    // The legend along the top, each entry as wide as its label.
    let mut lx = LEFT;
    for (s, (name, values)) in series.iter().enumerate() {
        let colour = COLOURS[s % COLOURS.len()];
        let _ = write!(
            out,
            r##"<rect x="{lx}" y="6" width="12" height="12" rx="2" fill="{colour}"/><text x="{tx}" y="16" class="chart-label">{}</text>"##,
            escape(name),
            tx = lx + 16.0,
        );
        lx += 16.0 + label_width(name) + 20.0;
        let mut path = String::new();
        let mut pen_down = false;
        for (i, value) in values.iter().enumerate() {
            match value {
                Some(v) => {
                    let (px, py) = at(i, *v);
                    let _ = write!(path, "{}{px:.1},{py:.1} ", if pen_down { "L" } else { "M" });
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(out, r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#, path.trim_end());
        if let [Some(v)] = values.as_slice() {
            let (px, py) = at(0, *v);
            let _ = write!(out, r#"<circle cx="{px:.1}" cy="{py:.1}" r="3" fill="{colour}"/>"#);
        }
    }
    out.push_str("</svg>");
    out
}

/// A weekday × hour grid, darker for more (撤单高峰); `days` are the row labels, Monday first.
pub fn heatmap(title: &str, days: &[String; 7], cells: &[[i64; 24]; 7]) -> String {
    const LEFT: f64 = 56.0;
    const CELL_H: f64 = 22.0;
    const TOP: f64 = 18.0;
    let cell_w = (WIDTH - LEFT) / 24.0;
    let max = cells.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let mut out = String::new();
    open_svg(&mut out, TOP + 7.0 * CELL_H + 4.0, title);
    for hour in (0..24).step_by(3) {
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="12" class="chart-value">{hour:02}</text>"#,
            x = LEFT + hour as f64 * cell_w + 1.0
        );
    }
    for (d, row) in cells.iter().enumerate() {
        let y = TOP + d as f64 * CELL_H;
        let _ = write!(
            out,
            r#"<text x="{x}" y="{ty}" text-anchor="end" class="chart-label">{}</text>"#,
            escape(&days[d]),
            x = LEFT - 6.0,
            ty = y + CELL_H / 2.0 + 4.0
        );
        for (h, n) in row.iter().enumerate() {
            let strength = *n as f64 / max;
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y}" width="{w:.1}" height="{ch}" fill="#1677ff" fill-opacity="{o:.2}" stroke="#fff"/>"##,
                x = LEFT + h as f64 * cell_w,
                w = cell_w,
                ch = CELL_H,
                o = if *n > 0 { 0.12 + 0.88 * strength } else { 0.04 },
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_longest_and_escape_labels() {
        let svg = bars("t", &[("<a>".into(), 10.0), ("b".into(), 5.0)]);
        assert!(svg.starts_with("<svg class=\"chart\" viewBox=\"0 0 600 "));
        assert!(svg.contains("&lt;a&gt;") && !svg.contains("<a>"));
        assert!(svg.contains(r#"width="370.0""#) && svg.contains(r#"width="185.0""#), "{svg}");
    }

    #[test]
    fn lines_break_where_a_value_is_missing() {
        let x: Vec<String> = ["1", "2", "3"].map(String::from).to_vec();
        let svg = lines("t", &x, &[("a".into(), vec![Some(1.0), None, Some(2.0)])]);
        assert!(svg.contains(r#"d="M44.0,122.0 M592.0,28.0""#), "a new stroke after the gap: {svg}");
        assert!(svg.contains("<title>t</title>"));
    }

    #[test]
    fn legend_entries_make_room_for_long_labels() {
        let svg =
            lines("t", &["a".into()], &[("Mean first response (h)".into(), vec![Some(1.0)]), ("b".into(), vec![None])]);
        let second = svg.match_indices("<rect").nth(1).map(|(i, _)| &svg[i..i + 20]).unwrap_or_default();
        let x: f64 = second.trim_start_matches("<rect x=\"").split('"').next().unwrap_or("0").parse().unwrap_or(0.0);
        assert!(x >= 44.0 + 16.0 + 23.0 * 7.0, "the second entry starts after the first label: {second}");
    }

    #[test]
    fn the_heat_map_has_a_cell_per_hour() {
        let mut cells = [[0; 24]; 7];
        cells[6][21] = 4;
        let days = ["1", "2", "3", "4", "5", "6", "7"].map(String::from);
        let svg = heatmap("t", &days, &cells);
        assert_eq!(svg.matches("<rect").count(), 7 * 24);
        assert!(svg.contains(r#"fill-opacity="1.00""#));
    }
}

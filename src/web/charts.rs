//! Charts drawn on the server as inline SVG (no script): geometry computed here, drawn by the
//! page's template, so every label passes through the template's escaping.

/// A horizontal bar chart with up to three stacked series.
pub struct BarChart {
    pub width: u32,
    pub height: u32,
    pub rows: Vec<Bar>,
    pub legend: Vec<(String, &'static str)>,
    pub label_width: u32,
}

pub struct Bar {
    pub label: String,
    pub y: u32,
    pub text_y: u32,
    /// (x, width, colour, value) of each non-empty segment.
    pub segments: Vec<(u32, u32, &'static str, i64)>,
    pub total: i64,
    pub total_x: u32,
}

/// A label's room, in half-width characters (a Chinese character takes two).
const LABEL_UNITS: usize = 26;

/// The label cut to `units` half-width characters, with an ellipsis when cut.
fn fit(label: &str, units: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if label.chars().map(width).sum::<usize>() <= units {
        return label.to_string();
    }
    let mut used = 0;
    let mut out: String = label
        .chars()
        .take_while(|c| {
            used += width(*c);
            used < units - 1
        })
        .collect();
    out.push('…');
    out
}

/// The site's colours for the series.
const COLOURS: [&str; 3] = ["#0b5cad", "#2f9e6e", "#d98a1c"];
const ROW: u32 = 28;
const BAR: u32 = 18;

impl BarChart {
    pub fn stacked(rows: Vec<(String, [i64; 3])>, series: [String; 3]) -> BarChart {
        let label_width = 180;
        let plot = 420;
        let max = rows
            .iter()
            .map(|(_, v)| v.iter().sum::<i64>())
            .max()
            .unwrap_or(0)
            .max(1);
        let scale = |v: i64| u32::try_from(v * i64::from(plot) / max).unwrap_or(0);
        let bars = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, values))| {
                let y = 30 + u32::try_from(i).unwrap_or(0) * ROW;
                let mut x = label_width;
                let mut segments = Vec::new();
                for (k, v) in values.iter().enumerate() {
                    if *v > 0 {
                        let w = scale(*v).max(2);
                        segments.push((x, w, COLOURS[k], *v));
                        x += w;
                    }
                }
                let label = fit(&label, LABEL_UNITS);
                Bar {
                    label,
                    y,
                    text_y: y + 14,
                    segments,
                    total: values.iter().sum(),
                    total_x: x + 6,
                }
            })
            .collect::<Vec<_>>();
        let height = 40 + u32::try_from(bars.len()).unwrap_or(0) * ROW;
        BarChart {
            width: label_width + plot + 40,
            height,
            rows: bars,
            legend: series.into_iter().zip(COLOURS).collect(),
            label_width,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn bar_height(&self) -> u32 {
        BAR
    }

    /// x of a legend entry.
    pub fn legend_x(&self, i: &usize) -> u32 {
        self.label_width + u32::try_from(*i).unwrap_or(0) * 130
    }
}

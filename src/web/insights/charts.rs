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
const COLOURS: [&str; 5] = ["#0b5cad", "#2f9e6e", "#d98a1c", "#b54a4a", "#7d8796"];
const ROW: u32 = 28;
const BAR: u32 = 18;

impl BarChart {
    pub fn stacked(rows: Vec<(String, [i64; 3])>, series: [String; 3]) -> BarChart {
        let legend = series.into_iter().zip(COLOURS).collect();
        BarChart::build(rows, legend, 180, 420)
    }

    /// One series, no legend: narrow enough for a phone.
    pub fn single(rows: Vec<(String, i64)>) -> BarChart {
        let rows = rows.into_iter().map(|(l, v)| (l, [v, 0, 0])).collect();
        BarChart::build(rows, Vec::new(), 120, 190)
    }

    fn build(
        rows: Vec<(String, [i64; 3])>,
        legend: Vec<(String, &'static str)>,
        label_width: u32,
        plot: u32,
    ) -> BarChart {
        let max = rows
            .iter()
            .map(|(_, v)| v.iter().sum::<i64>())
            .max()
            .unwrap_or(0)
            .max(1);
        let scale = |v: i64| u32::try_from(v * i64::from(plot) / max).unwrap_or(0);
        let top = if legend.is_empty() { 8 } else { 30 };
        let bars = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, values))| {
                let y = top + u32::try_from(i).unwrap_or(0) * ROW;
                let mut x = label_width;
                let mut segments = Vec::new();
                for (k, v) in values.iter().enumerate() {
                    if *v > 0 {
                        let w = scale(*v).max(2);
                        segments.push((x, w, COLOURS[k], *v));
                        x += w;
                    }
                }
                let label = fit(&label, (label_width / 7) as usize);
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
        let height = top + 10 + u32::try_from(bars.len()).unwrap_or(0) * ROW;
        BarChart {
            width: label_width + plot + 50,
            height,
            rows: bars,
            legend,
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

/// A chart over months: stacked columns, or lines with a dot per month. Months are the x axis
/// ("YYYY-MM"); every k-th is labelled so that at most 6 labels show.
pub struct MonthChart {
    pub width: u32,
    pub height: u32,
    pub left: u32,
    pub right: u32,
    pub bottom: u32,
    pub ticks: Vec<Tick>,
    pub labels: Vec<MonthLabel>,
    pub columns: Vec<Column>,
    pub lines: Vec<Line>,
    pub legend: Vec<Legend>,
}

pub struct Tick {
    pub y: u32,
    pub label: String,
}

pub struct MonthLabel {
    pub x: u32,
    pub month: String,
    /// The year under January's (and the first) label.
    pub year: Option<String>,
}

pub struct Column {
    /// (x, y, width, height, colour, tooltip) of each non-empty segment.
    pub segments: Vec<(u32, u32, u32, u32, &'static str, String)>,
}

pub struct Line {
    pub colour: &'static str,
    /// The polyline's points, broken where a month has no value.
    pub paths: Vec<String>,
    /// (x, y, tooltip) of each month with a value.
    pub dots: Vec<(u32, u32, String)>,
}

pub struct Legend {
    pub x: u32,
    pub y: u32,
    pub colour: &'static str,
    pub name: String,
}

const M_WIDTH: u32 = 360;
const M_HEIGHT: u32 = 240;
const M_LEFT: u32 = 44;
/// Room above the plot for two rows of legend.
const M_TOP: u32 = 46;
const M_BOTTOM: u32 = 200;
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A round step for about four gridlines up to `max`.
fn nice_step(max: f64) -> f64 {
    let rough = (max / 4.0).max(0.25);
    let magnitude = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude)
        .max(1.0)
}

/// A number as a chart shows it: whole, or with one decimal.
pub fn format_number(v: f64) -> String {
    if (v - v.round()).abs() < 0.05 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// The geometry shared by both kinds: axes, ticks, labels, legend and the value scale.
struct Frame {
    chart: MonthChart,
    slot: u32,
    top_value: f64,
}

impl Frame {
    fn new(months: &[String], names: Vec<String>, max: f64, locale: crate::i18n::Locale) -> Frame {
        let step = nice_step(max);
        let top_value = ((max / step).ceil().max(1.0)) * step;
        let steps = (top_value / step).round() as u32;
        let y_of =
            |v: f64| M_BOTTOM - ((v / top_value) * f64::from(M_BOTTOM - M_TOP)).round() as u32;
        let ticks = (0..=steps)
            .map(|i| {
                let v = f64::from(i) * step;
                Tick {
                    y: y_of(v),
                    label: format_number(v),
                }
            })
            .collect();
        let n = u32::try_from(months.len()).unwrap_or(1).max(1);
        let slot = ((M_WIDTH - M_LEFT - 8) / n).max(1);
        // At most 6 labels (a phone shows the chart ~320 px wide); the year under the first
        // label of each year.
        let every = n.div_ceil(6) as usize;
        let mut last_year = "";
        let labels = months
            .iter()
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(i, m)| {
                let (year, month) = m.split_once('-').unwrap_or((m, ""));
                let number: usize = month.parse().unwrap_or(1);
                MonthLabel {
                    x: M_LEFT + u32::try_from(i).unwrap_or(0) * slot + slot / 2,
                    month: match locale {
                        crate::i18n::Locale::ZhCn => format!("{number}月"),
                        crate::i18n::Locale::En => MONTHS_EN
                            .get(number.saturating_sub(1))
                            .copied()
                            .unwrap_or("")
                            .to_string(),
                    },
                    year: (std::mem::replace(&mut last_year, year) != year)
                        .then(|| year.to_string()),
                }
            })
            .collect();
        let legend = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| Legend {
                // Two per row: a name has half the width (a phone shows it at ~90 %).
                x: M_LEFT + u32::try_from(i % 2).unwrap_or(0) * (M_WIDTH - M_LEFT) / 2,
                y: 4 + u32::try_from(i / 2).unwrap_or(0) * 18,
                colour: COLOURS[i % COLOURS.len()],
                name,
            })
            .collect();
        Frame {
            chart: MonthChart {
                width: M_WIDTH,
                height: M_HEIGHT,
                left: M_LEFT,
                right: M_WIDTH - 8,
                bottom: M_BOTTOM,
                ticks,
                labels,
                columns: Vec::new(),
                lines: Vec::new(),
                legend,
            },
            slot,
            top_value,
        }
    }

    fn height_of(&self, v: f64) -> u32 {
        ((v / self.top_value) * f64::from(M_BOTTOM - M_TOP)).round() as u32
    }

    fn x_of(&self, i: usize) -> u32 {
        M_LEFT + u32::try_from(i).unwrap_or(0) * self.slot
    }
}

impl MonthChart {
    /// Columns of stacked series: `series` is (name, one value per month).
    pub fn stacked(
        months: &[String],
        series: Vec<(String, Vec<i64>)>,
        locale: crate::i18n::Locale,
    ) -> MonthChart {
        let total = |i: usize| {
            series
                .iter()
                .map(|(_, v)| v.get(i).copied().unwrap_or(0))
                .sum::<i64>()
        };
        let max = (0..months.len()).map(total).max().unwrap_or(0) as f64;
        let names = series.iter().map(|(n, _)| n.clone()).collect();
        let mut frame = Frame::new(months, names, max, locale);
        let gap = (frame.slot / 5).max(1).min(frame.slot.saturating_sub(1));
        let w = frame.slot.saturating_sub(gap).max(1);
        let mut columns = Vec::new();
        for (i, month) in months.iter().enumerate() {
            let x = frame.x_of(i) + gap / 2;
            let (mut base, mut segments) = (0i64, Vec::new());
            for (k, (name, values)) in series.iter().enumerate() {
                let v = values.get(i).copied().unwrap_or(0);
                if v > 0 {
                    let y0 = M_BOTTOM - frame.height_of(base as f64);
                    base += v;
                    let y1 = M_BOTTOM - frame.height_of(base as f64);
                    segments.push((
                        x,
                        y1,
                        w,
                        (y0 - y1).max(1),
                        COLOURS[k % COLOURS.len()],
                        format!("{month} {name}: {v}"),
                    ));
                }
            }
            columns.push(Column { segments });
        }
        frame.chart.columns = columns;
        frame.chart
    }

    /// Lines: `series` is (name, one value or none per month).
    pub fn lines(
        months: &[String],
        series: Vec<(String, Vec<Option<f64>>)>,
        locale: crate::i18n::Locale,
    ) -> MonthChart {
        let max = series
            .iter()
            .flat_map(|(_, v)| v.iter().flatten().copied())
            .fold(0.0, f64::max);
        let names = series.iter().map(|(n, _)| n.clone()).collect();
        let mut frame = Frame::new(months, names, max, locale);
        let mut lines = Vec::new();
        for (k, (name, values)) in series.iter().enumerate() {
            let (mut paths, mut dots, mut current) = (Vec::new(), Vec::new(), Vec::new());
            for (i, month) in months.iter().enumerate() {
                match values.get(i).copied().flatten() {
                    Some(v) => {
                        let (x, y) = (
                            frame.x_of(i) + frame.slot / 2,
                            M_BOTTOM - frame.height_of(v),
                        );
                        current.push(format!("{x},{y}"));
                        dots.push((x, y, format!("{month} {name}: {}", format_number(v))));
                    }
                    None if !current.is_empty() => {
                        paths.push(std::mem::take(&mut current).join(" "))
                    }
                    None => {}
                }
            }
            if !current.is_empty() {
                paths.push(current.join(" "));
            }
            lines.push(Line {
                colour: COLOURS[k % COLOURS.len()],
                paths,
                dots,
            });
        }
        frame.chart.lines = lines;
        frame.chart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(7.0), 2.0);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(1234.0), 500.0);
    }

    #[test]
    fn stacked_columns_add_up() {
        let months = vec!["2026-01".to_string(), "2026-02".to_string()];
        let chart = MonthChart::stacked(
            &months,
            vec![("a".into(), vec![2, 0]), ("b".into(), vec![2, 8])],
            crate::i18n::Locale::En,
        );
        // Top tick is 8 (step 2): the second month's single segment spans the whole plot.
        assert_eq!(chart.ticks.last().map(|t| t.label.as_str()), Some("8"));
        let (_, y, _, h, _, _) = chart.columns[1].segments[0];
        assert_eq!((y, h), (M_TOP, M_BOTTOM - M_TOP));
        assert_eq!(chart.columns[0].segments.len(), 2);
        assert_eq!(chart.labels[0].year.as_deref(), Some("2026"));
        assert_eq!(chart.labels[1].month, "Feb");
        assert_eq!(chart.labels[1].year, None);
    }
}

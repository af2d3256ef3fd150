//! The spread of one KPI across replications, one row per scenario: every
//! replication as a dot (spread vertically so equal values stay visible, which
//! matters for rare-event KPIs such as burnouts, 0 in most replications), a box for
//! the middle 50%, the median, whiskers to the 5th and 95th percentiles, and the mean.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::kpis::{axis_title, kpi_values};
use super::style::{self, DrawResult, Key, Scale, anchored, axis_range, colour, tick_step};
use super::{Chart, Plot};
use crate::kpi::Kpi;
use crate::numbers::{Shown, tick};
use crate::results::RunResults;
use crate::stats::{Summary, percentile_sorted};

/// One scenario's values of the KPI.
#[derive(Clone, Debug)]
pub struct Row {
    pub name: String,
    /// Defined values, in replication order.
    pub values: Vec<f64>,
    /// Replications in the run (defined or not).
    pub total: usize,
    pub summary: Option<Summary>,
    /// 5th, 25th, 50th, 75th and 95th percentiles of the defined values.
    pub quantiles: Option<[f64; 5]>,
}

/// The distribution figure's data.
#[derive(Clone, Debug)]
pub struct Distribution {
    pub kpi: Kpi,
    /// The value axis's title, as drawn.
    pub axis: String,
    pub rows: Vec<Row>,
}

/// The distribution of `kpi` across each scenario's replications.
pub fn distribution(runs: &[RunResults], kpi: Kpi) -> Plot {
    let rows: Vec<Row> = runs
        .iter()
        .map(|r| {
            let all = kpi_values(r, kpi);
            let values: Vec<f64> = all.iter().flatten().copied().collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let quantiles = (!sorted.is_empty())
                .then(|| [0.05, 0.25, 0.5, 0.75, 0.95].map(|q| percentile_sorted(&sorted, q)));
            Row {
                name: r.title.clone(),
                total: r.replications.rows.len(),
                summary: Summary::of(all),
                values,
                quantiles,
            }
        })
        .collect();
    let mut caption =
        "Each dot is one simulated run (dots are spread vertically only so that equal values stay visible); the box spans the middle 50% of runs, the dark line is the median, the whiskers span the middle 90%, and the white diamond is the average. The axis starts at zero.".to_string();
    let undefined: Vec<String> = rows
        .iter()
        .filter(|r| r.values.len() < r.total)
        .map(|r| {
            format!(
                "{} in {} of {} replications",
                r.name,
                r.total - r.values.len(),
                r.total
            )
        })
        .collect();
    if !undefined.is_empty() {
        caption.push_str(&format!(
            " The KPI is undefined (and left out) for {}.",
            undefined.join(", ")
        ));
    }
    let mut plot = Plot {
        stem: format!("distribution_{}", kpi.name()),
        title: format!("{} across runs", kpi.label()),
        subtitle:
            "Dots: runs · box: middle 50% of runs · line: median · whiskers: middle 90% · ◆ average"
                .into(),
        caption,
        size: (0, 0),
        titled: true,
        chart: Chart::Distribution(Distribution {
            kpi,
            axis: axis_title(kpi),
            rows,
        }),
    };
    plot.size = match &plot.chart {
        Chart::Distribution(d) => d.size(style::WIDTH, Some((&plot.title, &plot.subtitle))),
        _ => unreachable!("just built as a distribution"),
    };
    plot
}

/// Vertical offset in [-0.5, 0.5) for the `i`-th dot: a golden-ratio sequence
/// starting on the centre line, so dots spread evenly and the figure is the same
/// every time.
fn jitter(i: usize) -> f64 {
    (i as f64 * 0.618_033_988_749_895 + 0.5).fract() - 0.5
}

impl Distribution {
    /// The figure's size at `width`: a row per option, tall enough for its name
    /// wrapped in a third of the width, under the header.
    pub(super) fn size(&self, width: u32, title: Option<(&str, &str)>) -> (u32, u32) {
        let w = f64::from(width);
        let row_h = self
            .rows
            .iter()
            .map(|r| {
                let lines = style::lines_needed(&r.name, style::LEGEND, w / 3.0 - 60.0);
                lines as f64 * style::LEGEND * 1.2 + style::NOTE * 1.2 + 24.0
            })
            .fold(92.0, f64::max);
        let h = style::header_height(title, w) + 100.0 + row_h * self.rows.len().max(1) as f64;
        (width, h.max(300.0).ceil() as u32)
    }

    /// The smallest and largest defined value over every scenario (±∞ if none).
    fn value_range(&self) -> (f64, f64) {
        self.rows
            .iter()
            .flat_map(|r| r.values.iter().copied())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
    }

    /// "n = 40", or "n = 38 of 40" when the KPI is undefined in some replications.
    fn counts(&self) -> Vec<String> {
        self.rows
            .iter()
            .map(|r| {
                if r.values.len() == r.total {
                    format!("n = {}", r.total)
                } else {
                    format!("n = {} of {}", r.values.len(), r.total)
                }
            })
            .collect()
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<DB> {
        let shown = Shown::of(self.kpi);
        let n = self.rows.len().max(1);
        let area = area.margin(s.px(4.0), s.px(8.0), s.px(8.0), s.px(24.0));
        let (lo, hi) = self.value_range();
        let defined = lo.is_finite();
        // Rates and waits: the axis starts at zero.
        let (x0, x1) = style::pad_below(axis_range(lo.min(0.0), hi, 0.04, true), 0.015);
        let x_ticks = 9;
        let x_step = tick_step(x0, x1, x_ticks);

        // Left label area: a colour key, the scenario name and its count.
        let labels = RowLabels::new(&area, s, &self.rows, self.counts());
        let mut chart = ChartBuilder::on(&area)
            .margin_top(s.px(6.0))
            .x_label_area_size(s.px(54.0))
            .y_label_area_size(labels.area_width())
            .build_cartesian_2d(x0..x1, 0.0..n as f64)?;
        let x_fmt = |v: &f64| tick(*v, x_step, shown);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(if defined { x_ticks } else { 0 })
            .x_label_formatter(&x_fmt)
            .x_desc(self.axis.as_str())
            .label_style(s.font(style::TICK))
            .axis_desc_style(s.font(style::LABEL))
            .bold_line_style(style::GRID.stroke_width(s.upx(1.0).max(1)))
            .light_line_style(TRANSPARENT)
            .axis_style(style::AXIS.stroke_width(s.upx(1.0).max(1)))
            .set_all_tick_mark_size(s.px(4.0))
            .draw()?;

        let (plot_x0, _) = chart.backend_coord(&(x0, 0.0));
        for (k, row) in self.rows.iter().enumerate() {
            let yc = n as f64 - k as f64 - 0.5;
            let (_, py) = chart.backend_coord(&(x0, yc));
            labels.draw(&area, k, plot_x0, py)?;
            if row.quantiles.is_none() {
                let (px, _) = chart.backend_coord(&((x0 + x1) / 2.0, yc));
                let st = anchored(s.muted(style::NOTE), HPos::Center, VPos::Center);
                style::text_abs(&area, "undefined in every run", &st, (px, py))?;
                continue;
            }
            draw_row(&mut chart, &area, s, row, colour(k), yc)?;
        }
        Ok(())
    }
}

/// The label left of each row: a colour key, the scenario's name and its count.
struct RowLabels<'a> {
    s: Scale,
    rows: &'a [Row],
    counts: Vec<String>,
    name_style: TextStyle<'static>,
    count_style: TextStyle<'static>,
    key_w: i32,
    /// Width of the widest name or count, at most a third of the figure.
    label_w: i32,
}

impl<'a> RowLabels<'a> {
    fn new<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        s: Scale,
        rows: &'a [Row],
        counts: Vec<String>,
    ) -> RowLabels<'a> {
        let name_style = anchored(s.font(style::LEGEND), HPos::Left, VPos::Bottom);
        let count_style = anchored(s.muted(style::NOTE), HPos::Left, VPos::Top);
        let (w, _) = area.dim_in_pixel();
        let label_w = rows
            .iter()
            .zip(&counts)
            .map(|(r, c)| {
                style::text_width(area, &r.name, &name_style).max(style::text_width(
                    area,
                    c,
                    &count_style,
                ))
            })
            .max()
            .unwrap_or(0)
            .min(w as i32 / 3);
        RowLabels {
            s,
            rows,
            counts,
            name_style,
            count_style,
            key_w: s.px(30.0),
            label_w,
        }
    }

    /// The width of the label area left of the plot.
    fn area_width(&self) -> i32 {
        self.key_w + self.label_w + self.s.px(16.0)
    }

    /// Row `k`'s label, level with `py`, left of a plot starting at `plot_x0`.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        k: usize,
        plot_x0: i32,
        py: i32,
    ) -> DrawResult<DB> {
        let s = self.s;
        let left = plot_x0 - self.area_width() + s.px(6.0);
        let key_at = style::relative(area, (left - s.px(6.0), py));
        style::draw_key(area, s, colour(k), Key::Dot, key_at)?;
        // The name wrapped in full and the count under it, as a block centred on
        // the row.
        let lines = style::wrap(area, &self.rows[k].name, &self.name_style, self.label_w);
        let x = left + self.key_w - s.px(4.0);
        let line_h = s.px(style::LEGEND * 1.2);
        let block = line_h * lines.len() as i32 + s.px(style::NOTE * 1.2);
        let top = py - block / 2;
        for (i, line) in lines.iter().enumerate() {
            style::text_abs(
                area,
                line,
                &self.name_style,
                (x, top + line_h * (i as i32 + 1)),
            )?;
        }
        style::text_abs(
            area,
            &self.counts[k],
            &self.count_style,
            (x, top + line_h * lines.len() as i32 + s.px(2.0)),
        )
    }
}

/// One scenario's marks at height `yc`: the middle-50% box, every replication as a
/// dot, whiskers to the 5th and 95th percentiles, the median line and the mean's
/// diamond.
fn draw_row<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    row: &Row,
    c: RGBColor,
    yc: f64,
) -> DrawResult<DB> {
    let Some(q) = row.quantiles else {
        return Ok(());
    };
    let half_box = 0.3;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(q[1], yc - half_box), (q[3], yc + half_box)],
        c.mix(0.13).filled(),
    )))?;
    let dot = s.upx(if row.values.len() > 300 { 2.5 } else { 3.5 });
    let spread = 0.56;
    chart.draw_series(
        row.values
            .iter()
            .enumerate()
            .map(|(i, v)| Circle::new((*v, yc + spread * jitter(i)), dot, c.mix(0.6).filled())),
    )?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(q[1], yc - half_box), (q[3], yc + half_box)],
        s.line(c, 1.6),
    )))?;
    let whisker = s.line(style::TEXT.mix(0.75), 1.4);
    let cap = 0.12;
    for (from, to) in [(q[0], q[1]), (q[3], q[4])] {
        chart.draw_series(LineSeries::new([(from, yc), (to, yc)], whisker))?;
    }
    for x in [q[0], q[4]] {
        chart.draw_series(LineSeries::new([(x, yc - cap), (x, yc + cap)], whisker))?;
    }
    chart.draw_series(LineSeries::new(
        [(q[2], yc - half_box), (q[2], yc + half_box)],
        s.line(style::TEXT, 3.0),
    ))?;
    if let Some(m) = row.summary {
        let (mx, my) = chart.backend_coord(&(m.mean, yc));
        let r = s.px(7.0);
        let diamond = [(mx, my - r), (mx + r, my), (mx, my + r), (mx - r, my)];
        style::polygon_abs(area, &diamond, WHITE.filled())?;
        let mut outline = diamond.to_vec();
        outline.push(diamond[0]);
        style::path_abs(area, &outline, s.line(style::TEXT, 1.6))?;
    }
    Ok(())
}

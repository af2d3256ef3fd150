//! The KPI comparison chart: for each headline KPI a small panel with its own y-axis
//! and unit starting at zero, each scenario's mean across replications with its 95%
//! confidence interval (Student t, [`Summary::of`]), scenarios along x in their
//! fan-chart colours, named under their points (numbered, with the names in the key,
//! when a name would take more than three lines), and the baseline's mean as a dashed
//! reference line.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, DrawResult, Key, Scale, anchored, axis_range, colour, tick_step};
use super::{Chart, Plot};
use crate::kpi::Kpi;
use crate::numbers::{Shown, kpi_value, tick};
use crate::results::RunResults;
use crate::stats::Summary;

/// A KPI's axis title: its unit from the catalogue; shares, which every figure shows
/// as percentages, read "% of …" (short enough to fit beside a small panel).
pub fn axis_title(kpi: Kpi) -> String {
    let unit = kpi.info().unit;
    match Shown::of(kpi) {
        Shown::Percent => match unit.strip_prefix("share of ") {
            Some(whole) => format!("% of {whole}"),
            None => format!("{unit} (%)"),
        },
        Shown::Plain => unit.to_string(),
    }
}

/// A KPI's values over a run's replications (`None` where undefined or missing).
pub fn kpi_values(run: &RunResults, kpi: Kpi) -> Vec<Option<f64>> {
    run.replications
        .column(kpi.name())
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.filter(|x| x.is_finite()))
        .collect()
}

/// One panel's data.
#[derive(Clone, Debug)]
pub struct KpiPanel {
    pub kpi: Kpi,
    /// Panel title (the KPI's label) and axis title (its unit), as drawn.
    pub title: String,
    pub axis: String,
    /// Per scenario, `None` when the KPI is undefined in all its replications.
    pub summaries: Vec<Option<Summary>>,
}

impl KpiPanel {
    /// The lowest and highest mean or CI end over the scenarios (±∞ if none).
    fn value_range(&self) -> (f64, f64) {
        self.summaries
            .iter()
            .flatten()
            .flat_map(|m| [m.mean, m.ci_low, m.ci_high])
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
    }
}

/// The comparison chart's data.
#[derive(Clone, Debug)]
pub struct KpiChart {
    pub names: Vec<String>,
    pub panels: Vec<KpiPanel>,
    /// Panels per row.
    pub cols: usize,
}

/// Names under the points may take this many lines; longer names are numbered
/// under the points and given in full in the key.
const MAX_NAME_LINES: usize = 3;

/// Plot width in SVG pixels of one option's slot in a panel, at `cols` panels a row.
fn slot_width(width: f64, cols: usize, options: usize) -> f64 {
    ((width - 16.0) / cols as f64 - 100.0) / options.max(1) as f64 - 8.0
}

/// Lines the longest name takes under its point (`None`: too many, so numbered).
fn name_lines(names: &[String], slot: f64) -> Option<usize> {
    let most = names
        .iter()
        .map(|n| style::lines_needed(n, style::TICK, slot))
        .max()
        .unwrap_or(1);
    (most <= MAX_NAME_LINES).then_some(most)
}

/// Three panels a row when every option's name fits under its point in two lines,
/// else two.
fn columns(names: &[String], panels: usize) -> usize {
    let fits = |cols| {
        name_lines(
            names,
            slot_width(f64::from(style::WIDTH), cols, names.len()),
        )
        .is_some_and(|l| l <= 2)
    };
    let cols = if fits(3) { 3 } else { 2 };
    cols.min(panels.max(1))
}

/// Height in SVG pixels of the key under the panels at `width`.
fn key_height(names: &[String], width: f64) -> f64 {
    let row = style::LEGEND * 1.3;
    let names_h: f64 = names
        .iter()
        .map(|n| style::lines_needed(n, style::LEGEND, width - 90.0) as f64 * row + 4.0)
        .sum();
    names_h + style::NOTE * 1.6 + 16.0
}

/// Each scenario's mean and 95% CI of each KPI, one panel per KPI.
pub fn kpi_comparison(runs: &[RunResults], kpis: &[Kpi]) -> Plot {
    let names: Vec<String> = runs.iter().map(|r| r.title.clone()).collect();
    let cols = columns(&names, kpis.len());
    let chart = KpiChart {
        cols,
        names,
        panels: kpis
            .iter()
            .map(|&kpi| KpiPanel {
                kpi,
                title: kpi.label().to_string(),
                axis: axis_title(kpi),
                summaries: runs
                    .iter()
                    .map(|r| Summary::of(kpi_values(r, kpi)))
                    .collect(),
            })
            .collect(),
    };
    let mut caption = format!(
        "Each measure covers the period after the start-up. A dot is an option's average over its {}; the whiskers show the 95% confidence interval of that average (none with a single run). Every axis starts at zero.",
        super::fan::replications_phrase(runs)
    );
    if runs.len() > 1 {
        caption.push_str(&format!(
            " The dashed line marks the baseline ({}). Options share their random numbers, so the paired differences in the table are more precise than these intervals suggest.",
            runs[0].title
        ));
    }
    let title = "Headline results by option".to_string();
    let subtitle = format!(
        "Average with 95% confidence interval over {}",
        super::fan::replications_phrase(runs)
    );
    let size = chart.size(style::WIDTH, Some((&title, &subtitle)));
    Plot {
        stem: "kpi_comparison".into(),
        title,
        subtitle,
        caption,
        size,
        titled: true,
        chart: Chart::Kpis(chart),
    }
}

impl KpiChart {
    /// The figure's size at `width`: rows of panels about 230 px tall (taller when
    /// names wrap under the points), the key below them, the header above.
    /// Panels a row and rows of panels.
    fn grid(&self) -> (usize, usize) {
        let cols = self.cols.clamp(1, self.panels.len().max(1));
        (cols, self.panels.len().max(1).div_ceil(cols))
    }

    /// Height in SVG pixels of a row of panels at `width`.
    fn cell_height(&self, width: f64) -> f64 {
        let (cols, _) = self.grid();
        let lines = name_lines(&self.names, slot_width(width, cols, self.names.len())).unwrap_or(1);
        226.0 + lines as f64 * style::TICK * 1.2
    }

    /// Width in SVG pixels of the empty cells after the last panel, when the key fits
    /// there (so the figure needs no band of its own for it).
    fn key_cell_width(&self, width: f64) -> Option<f64> {
        let (cols, rows) = self.grid();
        let empty = rows * cols - self.panels.len();
        let key_w = (width - 16.0) / cols as f64 * empty as f64;
        (empty > 0 && key_height(&self.names, key_w) <= self.cell_height(width)).then_some(key_w)
    }

    /// The figure's size at `width`: rows of panels about 230 px tall (taller when
    /// names wrap under the points), the key in the empty cells or below the panels,
    /// the header above.
    pub(super) fn size(&self, width: u32, title: Option<(&str, &str)>) -> (u32, u32) {
        let w = f64::from(width);
        let (_, rows) = self.grid();
        let key = match self.key_cell_width(w) {
            Some(_) => 0.0,
            None => key_height(&self.names, w),
        };
        let h = style::header_height(title, w) + rows as f64 * self.cell_height(w) + key + 8.0;
        (width, h.ceil() as u32)
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<DB> {
        let (cols, rows) = self.grid();
        let (w, h) = area.dim_in_pixel();
        let width = f64::from(w) / s.0;
        let in_cell = self.key_cell_width(width);
        let key_h = match in_cell {
            Some(_) => 0,
            None => s.px(key_height(&self.names, width)),
        };
        let (panels, below) = area.split_vertically((h as i32 - key_h).max(1));
        let panels = panels.margin(s.px(2.0), 0, s.px(6.0), s.px(10.0));
        let slot = slot_width(width, cols, self.names.len());
        let labels = PointLabels::new(&self.names, slot);
        let grid = panels.split_evenly((rows, cols));
        for (panel, cell) in self.panels.iter().zip(&grid) {
            self.draw_panel(&cell.margin(0, s.px(10.0), 0, 0), s, panel, &labels)?;
        }
        match (in_cell, grid.get(self.panels.len())) {
            (Some(key_w), Some(first_empty)) => {
                let (x, y) = first_empty.get_base_pixel();
                let (_, cell_h) = first_empty.dim_in_pixel();
                let key = area.clone().shrink(
                    style::relative(area, (x, y + s.px(20.0))),
                    (s.upx(key_w), cell_h),
                );
                self.draw_key(&key, s, labels.numbered)
            }
            _ => self.draw_key(&below, s, labels.numbered),
        }
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        s: Scale,
        panel: &KpiPanel,
        labels: &PointLabels,
    ) -> DrawResult<DB> {
        let shown = Shown::of(panel.kpi);
        let area = draw_panel_title(cell, s, &panel.title)?;
        let n = self.names.len();
        let (lo, hi) = panel.value_range();
        let defined = lo.is_finite();
        // Rates, costs, waits and shares: the axis starts at zero, so a bar of
        // difference is never exaggerated by a cut axis.
        let (y0, y1) = style::pad_below(axis_range(lo.min(0.0), hi, 0.1, true), 0.03);
        let y_ticks = 6;
        let y_step = tick_step(y0, y1, y_ticks);
        let tick_style = s.font(style::TICK);
        let widest = style::widest_tick(cell, &tick_style, (y0, y1), y_step, shown);
        let line_h = s.px(style::TICK * 1.2);
        let x_area = s.px(14.0) + line_h * labels.lines as i32;
        let y_area = widest + s.px(style::LABEL * 1.2 + 16.0);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(s.px(10.0))
            .margin_top(s.px(4.0))
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), y0..y1)?;
        let y_fmt = |v: &f64| tick(*v, y_step, shown);
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .x_labels(0)
            .y_labels(if defined { y_ticks } else { 0 })
            .y_label_formatter(&y_fmt)
            .y_desc(panel.axis.as_str())
            .label_style(tick_style.clone())
            .axis_desc_style(s.font(style::LABEL))
            .bold_line_style(style::GRID.stroke_width(s.upx(1.0).max(1)))
            .light_line_style(TRANSPARENT)
            .axis_style(style::AXIS.stroke_width(s.upx(1.0).max(1)))
            .set_all_tick_mark_size(s.px(4.0));
        mesh.draw()?;

        if !defined {
            let (px, py) = chart.backend_coord(&((n as f64 - 1.0) / 2.0, (y0 + y1) / 2.0));
            let st = anchored(s.muted(style::NOTE), HPos::Center, VPos::Center);
            return style::text_abs(cell, "undefined in every run", &st, (px, py));
        }

        // Baseline reference, when there is something to compare with it.
        if n > 1
            && let Some(Some(b)) = panel.summaries.first()
        {
            draw_reference(&mut chart, s, b.mean, n)?;
        }

        draw_points(&mut chart, cell, s, panel, labels, line_h)
    }

    /// The key under the panels: each option's colour and full name (numbered when
    /// the points carry numbers), then how to read the marks.
    fn draw_key<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
        numbered: bool,
    ) -> DrawResult<DB> {
        let (w, _) = area.dim_in_pixel();
        let row = s.px(style::LEGEND * 1.3);
        let name_style = anchored(s.font(style::LEGEND), HPos::Left, VPos::Center);
        let x0 = s.px(24.0);
        let text_x = x0 + s.px(34.0);
        let mut y = s.px(8.0) + row / 2;
        for (i, name) in self.names.iter().enumerate() {
            style::draw_key(area, s, colour(i), Key::Dot, (x0, y))?;
            let label = if numbered {
                format!("{}  {name}", i + 1)
            } else {
                name.clone()
            };
            let lines = style::wrap(area, &label, &name_style, w as i32 - text_x - s.px(16.0));
            y += style::draw_lines(area, &lines, &name_style, (text_x, y), row)? + s.px(4.0);
        }
        let note = anchored(s.muted(style::NOTE), HPos::Left, VPos::Center);
        let mut words = "dot: average over runs · whiskers: 95% confidence interval".to_string();
        if self.names.len() > 1 {
            words.push_str(" · dashed line: the baseline's average");
        }
        let lines = style::wrap(area, &words, &note, w as i32 - x0 - s.px(16.0));
        style::draw_lines(
            area,
            &lines,
            &note,
            (x0, y + s.px(4.0)),
            s.px(style::NOTE * 1.3),
        )?;
        Ok(())
    }
}

/// What stands under each point: the option's name, wrapped, or its number when
/// some name would need more than [`MAX_NAME_LINES`] lines.
struct PointLabels {
    text: Vec<String>,
    lines: usize,
    numbered: bool,
}

impl PointLabels {
    fn new(names: &[String], slot: f64) -> PointLabels {
        match name_lines(names, slot) {
            Some(lines) => PointLabels {
                text: names.to_vec(),
                lines,
                numbered: false,
            },
            None => PointLabels {
                text: (1..=names.len()).map(|i| i.to_string()).collect(),
                lines: 1,
                numbered: true,
            },
        }
    }
}

/// Each option's point, whisker and value in a panel, its name (or number) under it.
fn draw_points<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    cell: &DrawingArea<DB, Shift>,
    s: Scale,
    panel: &KpiPanel,
    labels: &PointLabels,
    line_h: i32,
) -> DrawResult<DB> {
    let y_range = chart.y_range();
    let (y0, y1) = (y_range.start, y_range.end);
    let n = panel.summaries.len();
    let slot = chart.backend_coord(&(1.0, y0)).0 - chart.backend_coord(&(0.0, y0)).0;
    let cap = s.px(9.0).min(slot / 3).max(2);
    let name_style = anchored(s.font(style::TICK), HPos::Center, VPos::Top);
    for (i, m) in panel.summaries.iter().enumerate() {
        let x = i as f64;
        let (px, py_bottom) = chart.backend_coord(&(x, y0));
        let lines = style::wrap(cell, &labels.text[i], &name_style, slot - s.px(4.0));
        let at = style::relative(cell, (px, py_bottom + s.px(7.0)));
        style::draw_lines(cell, &lines, &name_style, at, line_h)?;
        let Some(m) = m else {
            let (_, py) = chart.backend_coord(&(x, (y0 + y1) / 2.0));
            let st = anchored(s.muted(style::NOTE), HPos::Center, VPos::Center);
            style::text_abs(cell, "undefined", &st, (px, py))?;
            continue;
        };
        draw_mean(chart, cell, s, colour(i), x, m, cap)?;
        let (_, pm) = chart.backend_coord(&(x, m.mean));
        let text = kpi_value(panel.kpi, m.mean);
        // Clear of the next point's whisker, or of the panel's edge after the last.
        let right = if i + 1 < n {
            px + slot - cap - s.px(4.0)
        } else {
            px + slot / 2 + s.px(8.0)
        };
        draw_value_label(cell, s, &text, (px, pm), cap, right)?;
    }
    Ok(())
}

/// A scenario's mean as a dot at `x`, with its 95% CI as a capped whisker.
fn draw_mean<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    cell: &DrawingArea<DB, Shift>,
    s: Scale,
    c: RGBColor,
    x: f64,
    m: &Summary,
    cap: i32,
) -> DrawResult<DB> {
    if m.ci_low.is_finite() && m.ci_high.is_finite() {
        let (px, pl) = chart.backend_coord(&(x, m.ci_low));
        let (_, ph) = chart.backend_coord(&(x, m.ci_high));
        let st = s.line(c, 2.4);
        for seg in [
            [(px, pl), (px, ph)],
            [(px - cap, pl), (px + cap, pl)],
            [(px - cap, ph), (px + cap, ph)],
        ] {
            style::path_abs(cell, &seg, st)?;
        }
    }
    chart.draw_series(std::iter::once(Circle::new(
        (x, m.mean),
        s.upx(5.5),
        c.filled(),
    )))?;
    Ok(())
}

/// The value beside the point at `(px, pm)`, clear of the caps and on a white ground
/// so the baseline line does not cross it — only when it ends before `right`.
fn draw_value_label<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    s: Scale,
    text: &str,
    (px, pm): (i32, i32),
    cap: i32,
    right: i32,
) -> DrawResult<DB> {
    let label_style = anchored(s.font(style::NOTE), HPos::Left, VPos::Center);
    let tw = style::text_width(cell, text, &label_style);
    let tx = px + cap.max(s.px(5.5)) + s.px(5.0);
    if tx + tw > right {
        return Ok(());
    }
    let th = s.px(style::NOTE * 0.5);
    let rect = [
        style::relative(cell, (tx - s.px(2.0), pm - th)),
        style::relative(cell, (tx + tw + s.px(2.0), pm + th)),
    ];
    cell.draw(&Rectangle::new(rect, WHITE.mix(0.85).filled()))?;
    style::text_abs(cell, text, &label_style, (tx, pm))
}

/// The panel's title (the KPI's label, bold, centred); returns the area below it.
fn draw_panel_title<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    s: Scale,
    label: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, _) = cell.dim_in_pixel();
    let title_style = anchored(s.bold(style::PANEL_TITLE - 1.5), HPos::Center, VPos::Top);
    let lines = style::wrap(cell, label, &title_style, w as i32 - s.px(8.0));
    let line_h = s.px(style::PANEL_TITLE * 1.2);
    let used = style::draw_lines(
        cell,
        &lines,
        &title_style,
        (w as i32 / 2, s.px(6.0)),
        line_h,
    )?;
    Ok(cell.split_vertically(used + s.px(10.0)).1)
}

/// A dashed line at `y` across all `n` scenario slots (the baseline's mean).
fn draw_reference<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    s: Scale,
    y: f64,
    n: usize,
) -> DrawResult<DB> {
    chart.draw_series(DashedLineSeries::new(
        [(-0.5, y), (n as f64 - 0.5, y)],
        s.upx(6.0),
        s.upx(4.0),
        s.line(style::MUTED.mix(0.8), 1.2),
    ))?;
    Ok(())
}

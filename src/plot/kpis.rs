//! The KPI comparison chart: for each headline KPI a small panel with its own y-axis
//! and unit, each scenario's mean across replications with its 95% confidence
//! interval (Student t, [`Summary::of`]), scenarios along x in their fan-chart colours,
//! and the baseline's mean as a dashed reference line.

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
    /// Panels per row (the legend takes the cell after the last panel).
    pub cols: usize,
}

/// Cell height for three and for two panels a row.
fn cell_height(cols: usize) -> u32 {
    if cols >= 3 { 262 } else { 232 }
}

/// Three panels a row when every scenario's name fits under its point, else two.
fn columns(names: &[String], cells: usize) -> usize {
    let widest = names
        .iter()
        .map(|n| style::measure(n, style::TICK))
        .fold(0.0, f64::max);
    // Plot width of a panel: its share of the figure less the y-axis area.
    let slot = |cols: usize| {
        ((style::WIDTH as f64 - 16.0) / cols as f64 - 100.0) / names.len().max(1) as f64
    };
    let cols = if slot(3) >= widest + 10.0 { 3 } else { 2 };
    cols.min(cells)
}

/// Each scenario's mean and 95% CI of each KPI, one panel per KPI.
pub fn kpi_comparison(runs: &[RunResults], kpis: &[Kpi]) -> Plot {
    let names: Vec<String> = runs.iter().map(|r| r.title.clone()).collect();
    let cells = kpis.len() + 1;
    let cols = columns(&names, cells);
    let chart = KpiChart {
        cols,
        names,
        panels: kpis
            .iter()
            .map(|&kpi| KpiPanel {
                kpi,
                summaries: runs
                    .iter()
                    .map(|r| Summary::of(kpi_values(r, kpi)))
                    .collect(),
            })
            .collect(),
    };
    let rows = cells.div_ceil(cols);
    let list = kpis
        .iter()
        .map(|k| k.label().to_lowercase())
        .collect::<Vec<_>>()
        .join(", ");
    let mut caption = format!(
        "Headline KPIs by scenario: {list}. Each point is the scenario's mean over its {} (the KPI window excludes the warm-up); whiskers are Student-t 95% confidence intervals for that mean (none with a single replication).",
        super::fan::replications_phrase(runs)
    );
    if runs.len() > 1 {
        caption.push_str(&format!(
            " The dashed line marks the baseline ({}) mean. Non-overlapping intervals suggest a real difference; the paired comparison in the table is sharper, because scenarios share random numbers.",
            runs[0].title
        ));
    }
    Plot {
        stem: "kpi_comparison".into(),
        title: "Headline KPIs by scenario".into(),
        subtitle: format!(
            "Mean with 95% confidence interval over {}",
            super::fan::replications_phrase(runs)
        ),
        caption,
        size: (style::WIDTH, 92 + rows as u32 * cell_height(cols)),
        chart: Chart::Kpis(chart),
    }
}

impl KpiChart {
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<DB> {
        let cells = self.panels.len() + 1;
        let cols = self.cols.clamp(1, cells);
        let rows = cells.div_ceil(cols);
        let area = area.margin(s.px(2.0), s.px(6.0), s.px(6.0), s.px(10.0));
        let grid = area.split_evenly((rows, cols));
        for (panel, cell) in self.panels.iter().zip(&grid) {
            self.draw_panel(&cell.margin(0, s.px(10.0), 0, 0), s, panel)?;
        }
        if let Some(cell) = grid.get(self.panels.len()) {
            self.draw_key(cell, s)?;
        }
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        s: Scale,
        panel: &KpiPanel,
    ) -> DrawResult<DB> {
        let shown = Shown::of(panel.kpi);
        let area = draw_panel_title(cell, s, panel.kpi.label())?;
        let n = self.names.len();
        let (lo, hi) = panel.value_range();
        let defined = lo.is_finite();
        let (y0, y1) = style::pad_below(axis_range(lo, hi, 0.1, true), 0.03);
        let y_ticks = 6;
        let y_step = tick_step(y0, y1, y_ticks);
        let tick_style = s.font(style::TICK);
        let widest = style::widest_tick(cell, &tick_style, (y0, y1), y_step, shown);
        let x_area = s.px(32.0);
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
            .y_desc(axis_title(panel.kpi))
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
            return style::text_abs(cell, "undefined in every replication", &st, (px, py));
        }

        // Baseline reference, when there is something to compare with it.
        if n > 1
            && let Some(Some(b)) = panel.summaries.first()
        {
            draw_reference(&mut chart, s, b.mean, n)?;
        }

        let slot = chart.backend_coord(&(1.0, y0)).0 - chart.backend_coord(&(0.0, y0)).0;
        let cap = s.px(9.0).min(slot / 3).max(2);
        let name_style = anchored(s.font(style::TICK), HPos::Center, VPos::Top);
        for (i, m) in panel.summaries.iter().enumerate() {
            let x = i as f64;
            let (px, py_bottom) = chart.backend_coord(&(x, y0));
            // Scenario name under the axis, shortened to its slot.
            if slot >= s.px(36.0) {
                let name = style::fit_text(cell, &self.names[i], &name_style, slot - s.px(6.0));
                style::text_abs(cell, &name, &name_style, (px, py_bottom + s.px(7.0)))?;
            }
            let Some(m) = m else {
                let (_, py) = chart.backend_coord(&(x, (y0 + y1) / 2.0));
                let st = anchored(s.muted(style::NOTE), HPos::Center, VPos::Center);
                style::text_abs(cell, "undefined", &st, (px, py))?;
                continue;
            };
            draw_mean(&mut chart, cell, s, colour(i), x, m, cap)?;
            let (_, pm) = chart.backend_coord(&(x, m.mean));
            let text = kpi_value(panel.kpi, m.mean);
            draw_value_label(cell, s, &text, (px, pm), cap, slot)?;
        }
        Ok(())
    }

    /// The legend cell: scenario colours and how to read the marks.
    fn draw_key<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<DB> {
        let (w, _) = cell.dim_in_pixel();
        let row = s.px(style::LEGEND * 1.45);
        let mut y = s.px(style::PANEL_TITLE * 1.2 + 14.0);
        let name_style = anchored(s.font(style::LEGEND), HPos::Left, VPos::Center);
        let x0 = s.px(24.0);
        for (i, name) in self.names.iter().enumerate() {
            style::draw_key(cell, s, colour(i), Key::Dot, (x0, y))?;
            let t = style::fit_text(cell, name, &name_style, w as i32 - x0 - s.px(40.0));
            cell.draw_text(&t, &name_style, (x0 + s.px(34.0), y))?;
            y += row;
        }
        y += s.px(8.0);
        let note = anchored(s.muted(style::NOTE), HPos::Left, VPos::Center);
        let mut lines = vec![
            "dot: mean over replications",
            "whiskers: 95% confidence interval",
        ];
        if self.names.len() > 1 {
            lines.push("dashed: baseline mean");
        }
        for line in lines {
            let t = style::fit_text(cell, line, &note, w as i32 - x0 - s.px(4.0));
            cell.draw_text(&t, &note, (x0, y))?;
            y += s.px(style::NOTE * 1.4);
        }
        Ok(())
    }
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
/// so the baseline line does not cross it — only when it fits in the slot.
fn draw_value_label<DB: DrawingBackend>(
    cell: &DrawingArea<DB, Shift>,
    s: Scale,
    text: &str,
    (px, pm): (i32, i32),
    cap: i32,
    slot: i32,
) -> DrawResult<DB> {
    let label_style = anchored(s.font(style::NOTE), HPos::Left, VPos::Center);
    let tw = style::text_width(cell, text, &label_style);
    let tx = px + cap.max(s.px(5.5)) + s.px(5.0);
    if tx + tw + cap + s.px(10.0) > px + slot {
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
    let title = style::fit_text(cell, label, &title_style, w as i32 - s.px(8.0));
    cell.draw_text(&title, &title_style, (w as i32 / 2, s.px(6.0)))?;
    Ok(cell
        .split_vertically(s.px(style::PANEL_TITLE * 1.2 + 10.0))
        .1)
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

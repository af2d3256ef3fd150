//! Sensitivity charts: one tornado chart per KPI, factors sorted by importance —
//! Morris μ* with its bootstrap 95% CI (σ marked alongside), or Sobol' first-order and
//! total-order indices with their CIs.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, DrawResult, Scale};
use super::{Chart, Plot};
// The analysis's result types only (pure data in the core), never the code that
// loads experiment files.
use crate::experiment::design::Factor;
use crate::experiment::sensitivity::IndexRow;
use crate::kpi::Kpi;
use crate::numbers::{self, Shown};

/// One bar: a label, a value with its CI, and (Sobol') a second value with its CI.
#[derive(Clone, Debug)]
struct Bar {
    label: String,
    value: f64,
    ci: (f64, f64),
    second: Option<(f64, (f64, f64))>,
    /// Morris σ, drawn as a hollow marker.
    sigma: Option<f64>,
}

/// A horizontal bar chart of indices.
#[derive(Clone, Debug)]
pub struct Tornado {
    bars: Vec<Bar>,
    axis: String,
    /// Legend names of the first and second series.
    names: (String, Option<String>),
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

impl Tornado {
    /// The value axis: from the lowest CI end (or 0) to the highest of values, CIs
    /// and σ, non-finite values read as 0.
    fn value_range(&self) -> (f64, f64) {
        let hi = self
            .bars
            .iter()
            .flat_map(|b| {
                [
                    b.value,
                    b.ci.1,
                    b.second.map_or(0.0, |x| x.1.1),
                    b.sigma.unwrap_or(0.0),
                ]
            })
            .map(finite_or_zero)
            .fold(0.0f64, f64::max);
        let lo = self
            .bars
            .iter()
            .flat_map(|b| [b.ci.0, b.second.map_or(0.0, |x| x.1.0)])
            .map(finite_or_zero)
            .fold(0.0f64, f64::min);
        style::axis_range(lo, if hi > 0.0 { hi } else { 1.0 }, 0.05, lo >= 0.0)
    }

    /// Width of the factor names left of the axis, in SVG pixels.
    fn label_width(&self) -> f64 {
        self.bars
            .iter()
            .map(|b| style::measure(&b.label, 15.0))
            .fold(120.0f64, f64::max)
            .min(360.0)
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<DB> {
        let (lo, hi) = self.value_range();
        let n = self.bars.len().max(1);
        let label_width = self.label_width();
        let mut chart = ChartBuilder::on(area)
            .margin(s.px(12.0) as u32)
            .margin_top(s.upx(44.0))
            .x_label_area_size(s.upx(50.0))
            .y_label_area_size(s.upx(label_width + 16.0))
            .build_cartesian_2d(lo..hi, 0.0..n as f64)?;
        let step = style::tick_step(lo, hi, 6);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(style::GRID)
            .bold_line_style(style::GRID)
            .axis_style(s.line(style::AXIS, 1.0))
            .x_desc(self.axis.clone())
            .axis_desc_style(s.font(16.0))
            .x_label_style(s.font(14.0))
            .x_labels(((hi - lo) / step).round() as usize + 1)
            .x_label_formatter(&|v| numbers::tick(*v, step, Shown::Plain))
            .y_labels(0)
            .draw()?;
        for (rank, bar) in self.bars.iter().enumerate() {
            let y = (n - 1 - rank) as f64;
            draw_bar(&mut chart, s, bar, y)?;
            // The factor's name, right-aligned left of the axis, level with its bar.
            let (px, py) = chart.backend_coord(&(lo, y + 0.5));
            let label = style::anchored(s.font(15.0), HPos::Right, VPos::Center);
            style::text_abs(area, &bar.label, &label, (px - s.px(8.0), py))?;
        }
        self.draw_legend(area, s, label_width)
    }

    /// The legend in the top margin, left to right: the first series' bar, then the
    /// second series' bar (Sobol') or σ's hollow circle (Morris).
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
        label_width: f64,
    ) -> DrawResult<DB> {
        let (first, second) = (style::colour(0), style::colour(1));
        let mut x = s.px(label_width + 28.0);
        let y = s.px(12.0);
        area.draw(&Rectangle::new(
            [(x, y), (x + s.px(22.0), y + s.px(14.0))],
            first.mix(0.85).filled(),
        ))?;
        area.draw(&Text::new(
            self.names.0.clone(),
            (x + s.px(30.0), y),
            s.font(14.0),
        ))?;
        x += s.px(style::measure(&self.names.0, 14.0) + 60.0);
        let Some(n2) = &self.names.1 else {
            return Ok(());
        };
        if self.bars.iter().any(|b| b.sigma.is_some()) {
            area.draw(&Circle::new(
                (x + s.px(11.0), y + s.px(7.0)),
                s.upx(5.0),
                s.line(second, 2.0),
            ))?;
        } else {
            area.draw(&Rectangle::new(
                [(x, y), (x + s.px(22.0), y + s.px(14.0))],
                second.mix(0.85).filled(),
            ))?;
        }
        area.draw(&Text::new(n2.clone(), (x + s.px(30.0), y), s.font(14.0)))
    }
}

/// One factor's bar at row `y` (0 at the bottom): the first series' bar with its CI
/// whisker, then the second series' (Sobol' S1) below it, or σ as a hollow circle.
fn draw_bar<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    s: Scale,
    bar: &Bar,
    y: f64,
) -> DrawResult<DB> {
    let (first, second) = (style::colour(0), style::colour(1));
    let (top, mid, bottom) = if bar.second.is_some() {
        (y + 0.85, y + 0.5, y + 0.15)
    } else {
        (y + 0.75, y + 0.5, y + 0.25)
    };
    let base = if bar.second.is_some() { mid } else { bottom };
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, base), (finite_or_zero(bar.value), top)],
        first.mix(0.85).filled(),
    )))?;
    let whisker_y = if bar.second.is_some() {
        (mid + top) / 2.0
    } else {
        mid
    };
    draw_whisker(chart, s, bar.ci, whisker_y)?;
    if let Some((v2, ci2)) = bar.second {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, bottom), (finite_or_zero(v2), mid)],
            second.mix(0.85).filled(),
        )))?;
        draw_whisker(chart, s, ci2, (bottom + mid) / 2.0)?;
    }
    if let Some(sigma) = bar.sigma.filter(|x| x.is_finite()) {
        chart.draw_series(std::iter::once(Circle::new(
            (sigma, mid),
            s.upx(5.0),
            s.line(second, 2.0),
        )))?;
    }
    Ok(())
}

/// A horizontal CI whisker at height `y`, unless an end is not finite.
fn draw_whisker<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    s: Scale,
    ci: (f64, f64),
    y: f64,
) -> DrawResult<DB> {
    if ci.0.is_finite() && ci.1.is_finite() {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(ci.0, y), (ci.1, y)],
            s.line(style::TEXT, 1.5),
        )))?;
    }
    Ok(())
}

/// Each factor's bar for `kpi`, most important first (μ* for Morris, the total-order
/// index for Sobol'), labelled with the factor's range.
fn bars_for(rows: &[IndexRow], kpi: Kpi, factors: &[Factor], morris: bool) -> Vec<Bar> {
    let mut bars: Vec<Bar> = rows
        .iter()
        .filter(|r| r.kpi == kpi)
        .map(|r| {
            let range = factors
                .iter()
                .find(|f| f.path == r.factor)
                .map(|f| {
                    format!(
                        " ({}–{})",
                        numbers::significant(f.min),
                        numbers::significant(f.max)
                    )
                })
                .unwrap_or_default();
            let label = format!("{}{range}", r.factor);
            if morris {
                Bar {
                    label,
                    value: r.mu_star,
                    ci: r.mu_star_ci,
                    second: None,
                    sigma: Some(r.sigma),
                }
            } else {
                Bar {
                    label,
                    value: r.total,
                    ci: r.total_ci,
                    second: Some((r.first, r.first_ci)),
                    sigma: None,
                }
            }
        })
        .collect();
    bars.sort_by(|a, b| finite_or_zero(b.value).total_cmp(&finite_or_zero(a.value)));
    bars
}

/// A tornado chart's words: title, subtitle, axis title, series names and caption.
struct Words {
    title: String,
    subtitle: String,
    axis: String,
    names: (String, Option<String>),
    caption: String,
}

fn words(kpi: Kpi, morris: bool) -> Words {
    if morris {
        Words {
            title: format!("Morris screening: {}", kpi.label()),
            subtitle: "μ*: mean absolute change in the KPI when a factor moves across its range; whiskers: bootstrap 95% CI".to_string(),
            axis: format!("μ* ({} per full factor range)", kpi.label()),
            names: ("μ* (importance)".to_string(), Some("σ (interactions / non-linearity)".to_string())),
            caption: "Factors sorted by μ*. A large σ next to μ* means the factor's effect depends on the others or is non-linear.".to_string(),
        }
    } else {
        Words {
            title: format!("Sobol' indices: {}", kpi.label()),
            subtitle: "Share of the KPI's variance over the ranges studied; whiskers: bootstrap 95% CI".to_string(),
            axis: "share of variance".to_string(),
            names: ("total order ST".to_string(), Some("first order S1".to_string())),
            caption: "Factors sorted by total-order index. S1 is the factor's effect alone; ST − S1 is its share through interactions.".to_string(),
        }
    }
}

/// Draws one chart per KPI in `rows` into `dir` (SVG and PNG); returns how many.
pub fn render(
    rows: &[IndexRow],
    method: &str,
    factors: &[Factor],
    dir: &Path,
) -> anyhow::Result<usize> {
    crate::output::create_subfolder(dir)?;
    let mut kpis: Vec<Kpi> = Vec::new();
    for r in rows {
        if !kpis.contains(&r.kpi) {
            kpis.push(r.kpi);
        }
    }
    let morris = method == "morris";
    for &kpi in &kpis {
        let bars = bars_for(rows, kpi, factors, morris);
        let height = (170 + 46 * bars.len()).max(320) as u32;
        let w = words(kpi, morris);
        let plot = Plot {
            stem: format!("sensitivity_{}", kpi.name()),
            title: w.title,
            subtitle: w.subtitle,
            caption: w.caption,
            size: (style::WIDTH, height),
            titled: true,
            chart: Chart::Tornado(Tornado {
                bars,
                axis: w.axis,
                names: w.names,
            }),
        };
        plot.write(dir)?;
    }
    Ok(kpis.len())
}

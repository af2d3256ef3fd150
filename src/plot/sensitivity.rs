//! Sensitivity charts: one tornado chart per KPI, factors sorted by importance —
//! Morris μ* with its bootstrap 95% CI (σ marked alongside), or Sobol' first-order and
//! total-order indices with their CIs.

use std::path::Path;

use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{self, DrawResult, Scale};
use super::{Chart, Plot};
use crate::experiment::Factor;
use crate::experiment::sensitivity::IndexRow;

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
    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<DB> {
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
        let (lo, hi) = style::axis_range(lo, if hi > 0.0 { hi } else { 1.0 }, 0.05, lo >= 0.0);
        let n = self.bars.len().max(1);
        let label_width = self
            .bars
            .iter()
            .map(|b| style::measure(&b.label, 15.0))
            .fold(120.0f64, f64::max)
            .min(360.0);
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
            .x_label_formatter(&|v| style::tick_label(*v, step, 1.0, ""))
            .y_labels(0)
            .draw()?;
        let first = style::colour(0);
        let second = style::colour(1);
        for (rank, bar) in self.bars.iter().enumerate() {
            let y = (n - 1 - rank) as f64;
            let (top, mid, bottom) = if bar.second.is_some() {
                (y + 0.85, y + 0.5, y + 0.15)
            } else {
                (y + 0.75, y + 0.5, y + 0.25)
            };
            let value = finite_or_zero(bar.value);
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (0.0, if bar.second.is_some() { mid } else { bottom }),
                    (value, top),
                ],
                first.mix(0.85).filled(),
            )))?;
            let whisker_y = if bar.second.is_some() {
                (mid + top) / 2.0
            } else {
                mid
            };
            if bar.ci.0.is_finite() && bar.ci.1.is_finite() {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(bar.ci.0, whisker_y), (bar.ci.1, whisker_y)],
                    s.line(style::TEXT, 1.5),
                )))?;
            }
            if let Some((v2, ci2)) = bar.second {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, bottom), (finite_or_zero(v2), mid)],
                    second.mix(0.85).filled(),
                )))?;
                if ci2.0.is_finite() && ci2.1.is_finite() {
                    let wy = (bottom + mid) / 2.0;
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(ci2.0, wy), (ci2.1, wy)],
                        s.line(style::TEXT, 1.5),
                    )))?;
                }
            }
            if let Some(sigma) = bar.sigma.filter(|x| x.is_finite()) {
                chart.draw_series(std::iter::once(Circle::new(
                    (sigma, mid),
                    s.upx(5.0),
                    s.line(second, 2.0),
                )))?;
            }
            // The factor's name, right-aligned left of the axis, level with its bar.
            let (px, py) = chart.backend_coord(&(lo, y + 0.5));
            let label = style::anchored(s.font(15.0), HPos::Right, VPos::Center);
            style::text_abs(area, &bar.label, &label, (px - s.px(8.0), py))?;
        }
        // Legend in the top margin, left to right.
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
        if let Some(n2) = &self.names.1 {
            let (marker_is_circle, colour) = (self.bars.iter().any(|b| b.sigma.is_some()), second);
            if marker_is_circle {
                area.draw(&Circle::new(
                    (x + s.px(11.0), y + s.px(7.0)),
                    s.upx(5.0),
                    s.line(colour, 2.0),
                ))?;
                // The CI whisker's meaning, after the markers.
            } else {
                area.draw(&Rectangle::new(
                    [(x, y), (x + s.px(22.0), y + s.px(14.0))],
                    colour.mix(0.85).filled(),
                ))?;
            }
            area.draw(&Text::new(n2.clone(), (x + s.px(30.0), y), s.font(14.0)))?;
        }
        Ok(())
    }
}

/// Draws one chart per KPI in `rows` into `dir` (SVG and PNG); returns how many.
pub fn render(
    rows: &[IndexRow],
    method: &str,
    factors: &[Factor],
    dir: &Path,
) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let mut kpis: Vec<crate::kpi::Kpi> = Vec::new();
    for r in rows {
        if !kpis.contains(&r.kpi) {
            kpis.push(r.kpi);
        }
    }
    let morris = method == "morris";
    for kpi in &kpis {
        let mut bars: Vec<Bar> = rows
            .iter()
            .filter(|r| r.kpi == *kpi)
            .map(|r| {
                let range = factors
                    .iter()
                    .find(|f| f.path == r.factor)
                    .map(|f| {
                        format!(
                            " ({}–{})",
                            style::value_label(f.min, 1.0, ""),
                            style::value_label(f.max, 1.0, "")
                        )
                    })
                    .unwrap_or_default();
                if morris {
                    Bar {
                        label: format!("{}{range}", r.factor),
                        value: r.mu_star,
                        ci: r.mu_star_ci,
                        second: None,
                        sigma: Some(r.sigma),
                    }
                } else {
                    Bar {
                        label: format!("{}{range}", r.factor),
                        value: r.total,
                        ci: r.total_ci,
                        second: Some((r.first, r.first_ci)),
                        sigma: None,
                    }
                }
            })
            .collect();
        bars.sort_by(|a, b| finite_or_zero(b.value).total_cmp(&finite_or_zero(a.value)));
        let height = (170 + 46 * bars.len()).max(320) as u32;
        let (title, subtitle, axis, names, caption) = if morris {
            (
                format!("Morris screening: {}", kpi.label()),
                "μ*: mean absolute change in the KPI when a factor moves across its range; whiskers: bootstrap 95% CI".to_string(),
                format!("μ* ({} per full factor range)", kpi.label()),
                ("μ* (importance)".to_string(), Some("σ (interactions / non-linearity)".to_string())),
                "Factors sorted by μ*. A large σ next to μ* means the factor's effect depends on the others or is non-linear.".to_string(),
            )
        } else {
            (
                format!("Sobol' indices: {}", kpi.label()),
                "Share of the KPI's variance over the ranges studied; whiskers: bootstrap 95% CI".to_string(),
                "share of variance".to_string(),
                ("total order ST".to_string(), Some("first order S1".to_string())),
                "Factors sorted by total-order index. S1 is the factor's effect alone; ST − S1 is its share through interactions.".to_string(),
            )
        };
        let plot = Plot {
            stem: format!("sensitivity_{}", kpi.name()),
            title,
            subtitle,
            caption,
            size: (style::WIDTH, height),
            chart: Chart::Tornado(Tornado { bars, axis, names }),
        };
        plot.write(dir)?;
    }
    Ok(kpis.len())
}

//! The calibration's figures, in the project's plot style (SVG and PNG through
//! [`crate::plot::Plot`]): prior against posterior per parameter, the posterior's
//! pairs, implausibility by history-matching wave, and the posterior predictive
//! against each observed target.

use std::path::Path;

use holdsim_core::calibration::posterior::predictive;
use holdsim_core::calibration::{Calibration, Particle, Stage};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::numbers::{self, Shown};
use crate::plot::style::{self, DrawResult, Scale};
use crate::plot::{Figure, Plot};

/// Most parameters drawn in the pairs plot (15 panels).
const MAX_PAIRS_PARAMETERS: usize = 6;
/// Implausibilities above this are drawn at it (the axis would otherwise be set by
/// points far outside any plausible region).
const IMPLAUSIBILITY_CLIP: f64 = 10.0;

/// One small panel: a title, axes and marks.
#[derive(Clone, Debug)]
struct Panel {
    title: String,
    x: (f64, f64),
    y: (f64, f64),
    /// Filled rectangles `(x0, y0, x1, y1)` in colour `0` (posterior) or grey (prior).
    bars: Vec<(f64, f64, f64, f64, usize)>,
    /// Points `(x, y, colour, opacity)`.
    points: Vec<(f64, f64, usize, f64)>,
    /// Horizontal or sloped lines `(x0, y0, x1, y1, colour)`.
    lines: Vec<(f64, f64, f64, f64, usize)>,
    x_desc: String,
    y_desc: String,
}

/// The calibration figures' data: panels in a grid of `columns`.
#[derive(Clone, Debug)]
pub struct Grid {
    panels: Vec<Panel>,
    columns: usize,
}

/// Colour index meaning grey (priors, cut-offs, observations).
const GREY: usize = usize::MAX;

fn colour(i: usize) -> RGBColor {
    if i == GREY {
        style::MUTED
    } else {
        style::colour(i)
    }
}

impl Grid {
    pub fn height(&self, width: u32) -> u32 {
        let rows = self.panels.len().div_ceil(self.columns).max(1) as u32;
        let panel = (width / self.columns as u32).clamp(200, 300);
        rows * panel + 20
    }

    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<DB> {
        let rows = self.panels.len().div_ceil(self.columns).max(1);
        let cells = area.split_evenly((rows, self.columns));
        for (panel, cell) in self.panels.iter().zip(&cells) {
            draw_panel(panel, cell, s)?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    p: &Panel,
    area: &DrawingArea<DB, Shift>,
    s: Scale,
) -> DrawResult<DB> {
    let mut chart = ChartBuilder::on(area)
        .margin(s.px(8.0) as u32)
        .margin_right(s.upx(22.0))
        .caption(p.title.clone(), s.bold(15.0))
        .x_label_area_size(s.upx(if p.x_desc.is_empty() { 26.0 } else { 44.0 }))
        .y_label_area_size(s.upx(58.0))
        .build_cartesian_2d(p.x.0..p.x.1, p.y.0..p.y.1)?;
    let (x_step, y_step) = (
        style::tick_step(p.x.0, p.x.1, 4),
        style::tick_step(p.y.0, p.y.1, 5),
    );
    chart
        .configure_mesh()
        .light_line_style(style::GRID)
        .bold_line_style(style::GRID)
        .axis_style(s.line(style::AXIS, 1.0))
        .x_desc(p.x_desc.clone())
        .y_desc(p.y_desc.clone())
        .axis_desc_style(s.font(13.0))
        .x_label_style(s.font(12.0))
        .y_label_style(s.font(12.0))
        .x_labels(((p.x.1 - p.x.0) / x_step).round() as usize + 1)
        .y_labels(if p.y_desc.is_empty() {
            0
        } else {
            ((p.y.1 - p.y.0) / y_step).round() as usize + 1
        })
        .x_label_formatter(&|v| numbers::tick(*v, x_step, Shown::Plain))
        .y_label_formatter(&|v| numbers::tick(*v, y_step, Shown::Plain))
        .draw()?;
    chart.draw_series(p.bars.iter().map(|&(x0, y0, x1, y1, c)| {
        Rectangle::new(
            [(x0, y0), (x1, y1)],
            colour(c).mix(if c == GREY { 0.25 } else { 0.8 }).filled(),
        )
    }))?;
    for &(x0, y0, x1, y1, c) in &p.lines {
        chart.draw_series(LineSeries::new(
            [(x0, y0), (x1, y1)],
            s.line(colour(c), 2.0),
        ))?;
    }
    chart.draw_series(
        p.points.iter().map(|&(x, y, c, alpha)| {
            Circle::new((x, y), s.upx(2.5), colour(c).mix(alpha).filled())
        }),
    )?;
    Ok(())
}

fn weights(particles: &[Particle]) -> Vec<f64> {
    particles.iter().map(|p| p.weight).collect()
}

/// Prior (grey, flat) against the weighted posterior histogram, one panel per parameter.
fn marginals(calibration: &Calibration, particles: &[Particle]) -> Grid {
    const BINS: usize = 20;
    let w = weights(particles);
    let panels = calibration
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let width = (p.max - p.min) / BINS as f64;
            let mut mass = [0.0; BINS];
            for (particle, wi) in particles.iter().zip(&w) {
                let bin = ((particle.theta[i] - p.min) / width).floor() as usize;
                mass[bin.min(BINS - 1)] += wi;
            }
            let density: Vec<f64> = mass.iter().map(|m| m / width).collect();
            let prior = 1.0 / (p.max - p.min);
            let top = density.iter().copied().fold(prior, f64::max) * 1.1;
            let bars = density
                .iter()
                .enumerate()
                .map(|(b, &d)| {
                    let x0 = p.min + b as f64 * width;
                    (x0, 0.0, x0 + width, d, 0)
                })
                .collect();
            Panel {
                title: p.path.clone(),
                x: (p.min, p.max),
                y: (0.0, top),
                bars,
                points: Vec::new(),
                lines: vec![(p.min, prior, p.max, prior, GREY)],
                x_desc: String::new(),
                y_desc: "density".into(),
            }
        })
        .collect();
    Grid { panels, columns: 3 }
}

/// Every pair of the first parameters, particles drawn with opacity by weight.
fn pairs(calibration: &Calibration, particles: &[Particle]) -> Grid {
    let params = &calibration.parameters[..calibration.parameters.len().min(MAX_PAIRS_PARAMETERS)];
    let top = particles.iter().map(|p| p.weight).fold(0.0, f64::max);
    let mut panels = Vec::new();
    for i in 0..params.len() {
        for j in (i + 1)..params.len() {
            panels.push(Panel {
                // The axis titles name the pair; a panel title would not fit.
                title: String::new(),
                x: (params[i].min, params[i].max),
                y: (params[j].min, params[j].max),
                bars: Vec::new(),
                points: particles
                    .iter()
                    .map(|p| (p.theta[i], p.theta[j], 0, 0.15 + 0.6 * p.weight / top))
                    .collect(),
                lines: Vec::new(),
                x_desc: short(&params[i].path).into(),
                y_desc: short(&params[j].path).into(),
            });
        }
    }
    Grid { panels, columns: 3 }
}

/// The key after the section: `strain.alpha` → `alpha`.
fn short(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Every wave's points by their largest implausibility (clipped), the cut-off dashed.
fn implausibility(calibration: &Calibration, stages: &[Stage]) -> Grid {
    let cutoff = calibration.settings.cutoff;
    let mut points = Vec::new();
    let mut waves = 0;
    for stage in stages {
        if let Stage::Wave(w) = stage {
            waves = w.wave;
            for (k, p) in w.points.iter().enumerate() {
                // A fixed jitter from the point's index, so redraws are identical.
                let jitter =
                    (holdsim_core::rng::to_unit(holdsim_core::rng::mix(k as u64)) - 0.5) * 0.6;
                let y = p.max_implausibility.min(IMPLAUSIBILITY_CLIP);
                let c = if p.max_implausibility < cutoff {
                    0
                } else {
                    GREY
                };
                points.push((f64::from(w.wave) + jitter, y, c, 0.35));
            }
        }
    }
    let x = (0.5, f64::from(waves) + 0.5);
    Grid {
        panels: vec![Panel {
            title: format!("cut-off {cutoff}: points below it are kept"),
            x,
            y: (0.0, IMPLAUSIBILITY_CLIP * 1.02),
            bars: Vec::new(),
            points,
            lines: vec![(x.0, cutoff, x.1, cutoff, 1)],
            x_desc: "history-matching wave".into(),
            y_desc: "largest implausibility".into(),
        }],
        columns: 1,
    }
}

/// Per target: the observation ± 2 sd (grey bar) and the posterior predictive 95%
/// interval (coloured bar) with its mean (dot).
fn predictive_panels(calibration: &Calibration, particles: &[Particle]) -> Grid {
    let panels = calibration
        .targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = predictive(particles, t, i);
            let (lo, hi) = (
                (t.value - 2.0 * t.sd).min(p.low),
                (t.value + 2.0 * t.sd).max(p.high),
            );
            let x = style::axis_range(lo, hi, 0.1, false);
            Panel {
                title: format!(
                    "{} ({})",
                    t.kpi.label(),
                    calibration.scenarios[t.scenario].0
                ),
                x,
                y: (0.0, 2.0),
                bars: vec![
                    (t.value - 2.0 * t.sd, 1.15, t.value + 2.0 * t.sd, 1.65, GREY),
                    (p.low, 0.35, p.high, 0.85, 0),
                ],
                points: vec![(p.mean, 0.6, 1, 1.0), (t.value, 1.4, GREY, 1.0)],
                lines: Vec::new(),
                x_desc: t.kpi.info().unit.into(),
                y_desc: String::new(),
            }
        })
        .collect();
    Grid { panels, columns: 1 }
}

/// Draws every calibration figure into `dir` (SVG and PNG); returns them in report order.
pub fn render(
    calibration: &Calibration,
    stages: &[Stage],
    particles: &[Particle],
    dir: &Path,
) -> anyhow::Result<Vec<Figure>> {
    crate::output::create_subfolder(dir)?;
    let figures = [
        (
            "calibration_marginals",
            "Prior and posterior of each parameter",
            "bars: posterior density (weighted particles); grey line: the uniform prior",
            "Where the bars rise above the grey line the data favour those values; bars that stay near the line mean the targets say little about that parameter.",
            marginals(calibration, particles),
        ),
        (
            "calibration_pairs",
            "The posterior, two parameters at a time",
            "each dot a particle, darker for more weight",
            "A diagonal band means the data pin down a combination of two parameters rather than either alone.",
            pairs(calibration, particles),
        ),
        (
            "calibration_implausibility",
            "Implausibility by history-matching wave",
            "each dot a simulated point (largest implausibility over targets, drawn at most 10); blue: kept, grey: ruled out; the line is the cut-off",
            "Each wave proposes around the previous wave's kept points, so later waves should keep a larger share.",
            implausibility(calibration, stages),
        ),
        (
            "calibration_predictive",
            "Posterior predictive against each observed target",
            "grey: observed value ± 2 sd (dot: the value); blue: 95% posterior predictive interval (dot: its mean)",
            "A calibrated model's blue interval overlaps the grey one; one far from it means the model cannot reproduce that figure with the others.",
            predictive_panels(calibration, particles),
        ),
    ];
    figures
        .into_iter()
        .map(|(stem, title, subtitle, caption, grid)| {
            let height = grid.height(style::WIDTH)
                + style::header_height(Some((title, subtitle)), f64::from(style::WIDTH)) as u32;
            Plot::calibration(
                stem,
                (title, subtitle, caption),
                (style::WIDTH, height),
                grid,
            )
            .write(dir)
        })
        .collect()
}

//! Publication-quality figures from written results: fan charts over time, the KPI
//! comparison chart and KPI distributions across replications. Each figure is drawn
//! twice from the same data — SVG (for documents and the HTML report) and PNG at 2×
//! (for slides) — with the embedded DejaVu Sans, so no system fonts are needed.
//!
//! Figures are built from [`RunResults`] (the files on disk), never from the engine,
//! so they can be redrawn without rerunning. The first run is the baseline; a
//! scenario's colour is its position in the list, the same in every figure.

pub mod distribution;
pub mod fan;
pub mod kpis;
pub mod sensitivity;
pub mod style;
pub mod svg;

use std::fs;
use std::path::Path;

use anyhow::{Context, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use crate::kpi::Kpi;
use crate::output::atomic::write_file;
use crate::results::RunResults;
use style::{DrawResult, Scale};

pub use distribution::distribution;
pub use fan::{fan_chart, held_by_reason};
pub use kpis::kpi_comparison;

/// A rendered figure: what the report needs to embed and caption it.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File stem: the figure is `<stem>.svg` and `<stem>.png`.
    pub stem: String,
    pub title: String,
    /// A sentence or two saying what is shown and how to read it.
    pub caption: String,
    /// The SVG text.
    pub svg: String,
}

/// A figure ready to draw: its words, its size and its data (computed once, drawn
/// on as many backends as needed).
#[derive(Clone, Debug)]
pub struct Plot {
    pub stem: String,
    pub title: String,
    /// One line under the title, in the image itself (how to read the marks).
    pub subtitle: String,
    pub caption: String,
    /// Size in SVG pixels; the PNG is [`style::PNG_SCALE`] times larger.
    pub size: (u32, u32),
    /// Draw the title and subtitle in the image (off for a journal, whose caption
    /// carries the title).
    pub titled: bool,
    chart: Chart,
}

#[derive(Clone, Debug)]
enum Chart {
    Fan(fan::Fan),
    Kpis(kpis::KpiChart),
    Distribution(distribution::Distribution),
    Tornado(sensitivity::Tornado),
}

impl Plot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, s: Scale) -> DrawResult<DB> {
        let heading = self
            .titled
            .then_some((self.title.as_str(), self.subtitle.as_str()));
        let area = style::header(root, s, heading)?;
        match &self.chart {
            Chart::Fan(c) => c.draw(&area, s),
            Chart::Kpis(c) => c.draw(&area, s),
            Chart::Distribution(c) => c.draw(&area, s),
            Chart::Tornado(c) => c.draw(&area, s),
        }
    }

    /// Size of the PNG in pixels.
    pub fn png_size(&self) -> (u32, u32) {
        (
            self.size.0 * style::PNG_SCALE,
            self.size.1 * style::PNG_SCALE,
        )
    }

    /// The figure as SVG text.
    pub fn svg(&self) -> anyhow::Result<String> {
        style::register_fonts()?;
        let mut out = String::new();
        {
            let root =
                svg::OutlinedSvg::new(&mut out, self.size, &self.stem, &self.title, &self.caption)
                    .into_drawing_area();
            self.draw(&root, Scale::SVG)
                .map_err(|e| anyhow!("cannot draw `{}` (SVG): {e}", self.stem))?;
            root.present()
                .map_err(|e| anyhow!("cannot finish `{}` (SVG): {e}", self.stem))?;
        }
        Ok(out)
    }

    /// Draws the figure as a PNG at `path`, atomically (a temporary `.png` in the same
    /// folder, then a rename).
    pub fn write_png(&self, path: &Path) -> anyhow::Result<()> {
        style::register_fonts()?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("{}.png", self.stem));
        let tmp = path.with_file_name(format!(".{name}.tmp-{}.png", std::process::id()));
        let drawn = (|| {
            let root = BitMapBackend::new(&tmp, self.png_size()).into_drawing_area();
            self.draw(&root, Scale::PNG)
                .map_err(|e| anyhow!("cannot draw `{}` (PNG): {e}", self.stem))?;
            root.present()
                .map_err(|e| anyhow!("cannot write `{}`: {e}", tmp.display()))
        })();
        let moved = drawn.and_then(|()| {
            fs::rename(&tmp, path)
                .with_context(|| format!("cannot move `{}` into place", path.display()))
        });
        if moved.is_err() {
            fs::remove_file(&tmp).ok();
        }
        moved
    }

    /// Writes `<stem>.svg` and `<stem>.png` into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<Figure> {
        let svg = self.svg()?;
        write_file(&dir.join(format!("{}.svg", self.stem)), svg.as_bytes())?;
        self.write_png(&dir.join(format!("{}.png", self.stem)))?;
        Ok(Figure {
            stem: self.stem.clone(),
            title: self.title.clone(),
            caption: self.caption.clone(),
            svg,
        })
    }
}

/// KPIs whose distribution across replications is drawn by [`render_all`].
pub const DISTRIBUTION_KPIS: [Kpi; 2] = [Kpi::ExitsPerPostYear, Kpi::WaitMeanDays];

/// Every standard figure for these scenarios (the first is the baseline), in report
/// order: headline KPIs, the workforce and patients over time, then distributions.
/// Fan charts of series the results do not contain are left out.
pub fn standard_plots(runs: &[RunResults]) -> Vec<Plot> {
    let mut plots = vec![kpi_comparison(runs, &Kpi::headlines())];
    plots.extend(fan::MEASURES.iter().filter_map(|m| fan_chart(runs, m)));
    plots.extend(held_by_reason(runs));
    plots.extend(DISTRIBUTION_KPIS.iter().map(|&k| distribution(runs, k)));
    plots
}

/// Renders every standard figure for these scenarios (the first is the baseline) and
/// writes `<stem>.svg` and `<stem>.png` for each into `out_dir` (created if missing;
/// each file written atomically). Returns the figures in report order.
pub fn render_all(runs: &[RunResults], out_dir: &Path) -> anyhow::Result<Vec<Figure>> {
    anyhow::ensure!(!runs.is_empty(), "no results to plot");
    fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create `{}`", out_dir.display()))?;
    style::register_fonts()?;
    standard_plots(runs)
        .par_iter()
        .map(|p| p.write(out_dir))
        .collect()
}

#[cfg(test)]
mod tests;

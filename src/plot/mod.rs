//! Publication-quality figures from written results: fan charts over time, the KPI
//! comparison chart and KPI distributions across replications. Each figure is drawn
//! twice from the same data — SVG (for documents and the HTML report) and PNG at 2×
//! (for slides) — with the embedded DejaVu Sans, so no system fonts are needed (the
//! SVG's text is the font's glyph outlines: [`svg`]). `holdsim plot` may change the
//! size, drop the titles and relabel ([`Look`]); the report keeps the defaults.
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

use std::cell::RefCell;
use std::collections::BTreeSet;
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
    Calibration(crate::calibrate::plots::Grid),
}

/// The least height a figure may be given, as a share of the height it needs at its
/// width (a squeezed figure is still legible; a shorter one has panels of no height).
pub const MIN_HEIGHT_SHARE: f64 = 0.6;

/// How the user wants the figures drawn (`holdsim plot`'s options); the default is
/// the report's look.
#[derive(Debug, Default)]
pub struct Look {
    /// Every figure's width in SVG pixels (default [`style::WIDTH`]).
    pub width: Option<u32>,
    /// Every figure's height (default: what each figure needs at its width).
    pub height: Option<u32>,
    /// Leave the title and subtitle out of the images.
    pub no_title: bool,
    pub labels: Labels,
    /// Draw only these figures (by file stem); all when empty.
    pub only: Vec<String>,
}

/// Texts to replace in the figures (`--label KEY=TEXT`): an option's name, found by
/// its file stem or its title, or any axis, panel or figure title, found by the text
/// as drawn. A key that matches nothing is the user's typo, so [`Labels::unused`]
/// lists them for an error.
#[derive(Debug, Default)]
pub struct Labels {
    pairs: Vec<(String, String)>,
    used: RefCell<BTreeSet<usize>>,
}

impl Labels {
    /// Parses `KEY=TEXT` pairs (split at the first `=`); an empty key or text, a
    /// missing `=` or a key given twice is refused with what was expected.
    pub fn parse(args: &[String]) -> Result<Labels, String> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for arg in args {
            let Some((key, text)) = arg.split_once('=') else {
                return Err(format!(
                    "--label `{arg}`: expected KEY=TEXT, e.g. --label baseline=\"Current team\""
                ));
            };
            let (key, text) = (key.trim(), text.trim());
            if key.is_empty() || text.is_empty() {
                return Err(format!(
                    "--label `{arg}`: both KEY (a scenario's file stem or title, or a text in a figure) and TEXT must be non-empty"
                ));
            }
            if pairs.iter().any(|(k, _)| k == key) {
                return Err(format!("--label `{key}` is given twice"));
            }
            pairs.push((key.to_string(), text.to_string()));
        }
        Ok(Labels {
            pairs,
            used: RefCell::default(),
        })
    }

    /// The replacement for `key`, if one was given (and notes that it was used).
    fn get(&self, key: &str) -> Option<&str> {
        let i = self.pairs.iter().position(|(k, _)| k == key)?;
        self.used.borrow_mut().insert(i);
        Some(&self.pairs[i].1)
    }

    /// Replaces `text` if it is a key.
    fn apply(&self, text: &mut String) {
        if let Some(new) = self.get(text) {
            *text = new.to_string();
        }
    }

    /// Keys that matched nothing in any figure.
    pub fn unused(&self) -> Vec<&str> {
        let used = self.used.borrow();
        (0..self.pairs.len())
            .filter(|i| !used.contains(i))
            .map(|i| self.pairs[i].0.as_str())
            .collect()
    }
}

impl Plot {
    /// Applies the user's labels: option names (by file stem or title, in the image
    /// and the caption), then axis, panel and figure titles (by their text).
    fn relabel(&mut self, labels: &Labels, runs: &[RunResults]) {
        let rename: Vec<Option<String>> = runs
            .iter()
            .map(|r| {
                labels
                    .get(&r.name)
                    .or_else(|| labels.get(&r.title))
                    .map(str::to_string)
            })
            .collect();
        // Captions name the baseline in brackets; only that whole name is replaced, so
        // a short title ("A") cannot change other words.
        for (run, new) in runs.iter().zip(&rename) {
            if let Some(new) = new {
                let (old, new) = (format!("({})", run.title), format!("({new})"));
                self.caption = self.caption.replace(&old, &new);
            }
        }
        let names = |names: &mut Vec<String>| {
            for (name, new) in names.iter_mut().zip(&rename) {
                if let Some(new) = new {
                    *name = new.clone();
                }
            }
        };
        labels.apply(&mut self.title);
        match &mut self.chart {
            Chart::Fan(c) => {
                names(&mut c.names);
                labels.apply(&mut c.x_desc);
                c.measures
                    .iter_mut()
                    .for_each(|m| labels.apply(&mut m.y_desc));
            }
            Chart::Kpis(c) => {
                names(&mut c.names);
                for p in &mut c.panels {
                    labels.apply(&mut p.title);
                    labels.apply(&mut p.axis);
                }
            }
            Chart::Distribution(c) => {
                for (row, new) in c.rows.iter_mut().zip(&rename) {
                    if let Some(new) = new {
                        row.name = new.clone();
                    }
                }
                labels.apply(&mut c.axis);
            }
            Chart::Tornado(_) | Chart::Calibration(_) => {}
        }
    }

    /// Sets the size and title the user asked for: a width without a height gets the
    /// height the figure needs at that width. A height under [`MIN_HEIGHT_SHARE`] of
    /// that is refused, naming the figure and the least height it takes: below it
    /// the panels would have no room left to draw in.
    pub fn restyle(&mut self, look: &Look) -> Result<(), crate::error::UsageError> {
        self.titled = !look.no_title;
        let width = look.width.unwrap_or(self.size.0);
        let heading = self
            .titled
            .then_some((self.title.as_str(), self.subtitle.as_str()));
        let natural = match &self.chart {
            Chart::Fan(c) => c.size(width, heading).1,
            Chart::Kpis(c) => c.size(width, heading).1,
            Chart::Distribution(c) => c.size(width, heading).1,
            Chart::Calibration(c) => {
                c.height(width) + style::header_height(heading, f64::from(width)) as u32
            }
            Chart::Tornado(_) => {
                let full = Some((self.title.as_str(), self.subtitle.as_str()));
                let w = f64::from(self.size.0);
                let saved = style::header_height(full, w) - style::header_height(heading, w);
                (f64::from(self.size.1) - saved).round() as u32
            }
        };
        let least = (f64::from(natural) * MIN_HEIGHT_SHARE).ceil() as u32;
        if let Some(h) = look.height
            && h < least
        {
            return Err(crate::error::UsageError(format!(
                "--height {h} is too small for `{}` ({}) at width {width}: it needs at least {least} pixels (or leave --height out to get the {natural} it is drawn at)",
                self.stem, self.title
            )));
        }
        self.size = (width, look.height.unwrap_or(natural));
        Ok(())
    }

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
            Chart::Calibration(c) => c.draw(&area, s),
        }
    }

    /// A calibration figure (`holdsim calibrate`): `words` are title, subtitle, caption.
    pub fn calibration(
        stem: &str,
        words: (&str, &str, &str),
        size: (u32, u32),
        grid: crate::calibrate::plots::Grid,
    ) -> Plot {
        Plot {
            stem: stem.into(),
            title: words.0.into(),
            subtitle: words.1.into(),
            caption: words.2.into(),
            size,
            titled: true,
            chart: Chart::Calibration(grid),
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
    render_all_with(runs, out_dir, &Look::default())
}

/// [`render_all`] as the user asked (`holdsim plot`'s size, title and label options).
/// A label key that matches nothing is an error naming it, before anything is drawn.
pub fn render_all_with(
    runs: &[RunResults],
    out_dir: &Path,
    look: &Look,
) -> anyhow::Result<Vec<Figure>> {
    anyhow::ensure!(!runs.is_empty(), "no results to plot");
    let mut plots = standard_plots(runs);
    if let Some(unknown) = look
        .only
        .iter()
        .find(|o| !plots.iter().any(|p| &p.stem == *o))
    {
        let stems: Vec<&str> = plots.iter().map(|p| p.stem.as_str()).collect();
        return Err(crate::error::UsageError(format!(
            "--only `{unknown}`: no such figure; these results have {}",
            stems.join(", ")
        ))
        .into());
    }
    if !look.only.is_empty() {
        plots.retain(|p| look.only.contains(&p.stem));
    }
    for plot in &mut plots {
        plot.relabel(&look.labels, runs);
        plot.restyle(look)?;
    }
    let unused = look.labels.unused();
    if !unused.is_empty() {
        let stems: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
        return Err(crate::error::UsageError(format!(
            "--label: nothing in the figures is called {}; a KEY is an option's file stem ({}) or title, or an axis, panel or figure title exactly as drawn",
            unused
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", "),
            stems.join(", ")
        ))
        .into());
    }
    crate::output::create_subfolder(out_dir)?;
    style::register_fonts()?;
    plots.par_iter().map(|p| p.write(out_dir)).collect()
}

#[cfg(test)]
mod tests;

//! Fan charts over time, as small multiples: for a weekly series, one panel per
//! scenario (and a row per series in a figure of several), every panel on the same
//! axes, with the scenario's median or mean across replications ([`Centre`], by the
//! kind of series) as a line, the middle 50% and 90% of replications as bands, the
//! baseline's line in grey in every other panel and the warm-up shaded. Weeks where a
//! series is undefined in every replication (mean strain with nobody Active) break the
//! line.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{
    self, BAND_50, BAND_90, DrawResult, Scale, anchored, axis_range, colour, tick_step,
};
use super::{Chart, Plot};
use crate::numbers::{Shown, tick};
use crate::results::RunResults;
use crate::stats::{Summary, percentile_sorted};

/// A weekly series drawn as a fan chart, with the words used to describe it.
#[derive(Clone, Copy, Debug)]
pub struct Measure {
    /// Column of `timeseries.csv`.
    pub series: &'static str,
    /// Figure title (or panel title, in a figure of several panels).
    pub title: &'static str,
    /// Y-axis title, with the unit.
    pub y_desc: &'static str,
    /// What the series is, for the caption: a sentence that adds to the title.
    pub what: &'static str,
    /// Which statistic the solid line shows, decided by the kind of series.
    pub centre: Centre,
    /// How weekly values are steadied before percentiles are taken.
    pub smoothing: Smoothing,
}

/// The statistic a fan chart's solid line shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Centre {
    /// The median across runs, with the mean dashed beside it: for measures that
    /// vary smoothly (strain, patients held), where a typical run is what a reader
    /// wants and the mean shows any skew.
    Median,
    /// The mean across runs (no separate dashed mean): for whole-number counts that
    /// sit at zero or at full strength most weeks (posts vacant or on sick leave, a
    /// queue that is usually empty). Their median stays on 0 even when a vacancy
    /// is likely, so the expected number is the honest line. Chosen by the kind of
    /// series, never from the data, so a figure reads the same for every scenario.
    Mean,
}

impl Centre {
    /// The word for the line, as the legend and caption use it.
    pub fn word(self) -> &'static str {
        match self {
            Centre::Median => "median",
            Centre::Mean => "mean",
        }
    }
}

/// The single-panel fan charts, in report order.
pub const MEASURES: [Measure; 6] = [
    Measure {
        series: "lw_active",
        title: "Link-worker posts at work",
        y_desc: "posts at work",
        what: "A post is at work (Active, in the model's terms) when its holder is in post and working: not on sick leave, not vacant.",
        centre: Centre::Mean,
        smoothing: Smoothing::MovingAverage(4),
    },
    Measure {
        series: "lw_sick_leave",
        title: "Link-worker posts on sick leave",
        y_desc: "posts on sick leave",
        what: "Posts whose holder is off sick after burning out; the post stays theirs while they are away.",
        centre: Centre::Mean,
        smoothing: Smoothing::MovingAverage(4),
    },
    Measure {
        series: "lw_vacant",
        title: "Vacant link-worker posts",
        y_desc: "vacant posts",
        what: "Posts left empty when a link worker leaves, until recruitment fills them.",
        centre: Centre::Mean,
        smoothing: Smoothing::MovingAverage(4),
    },
    Measure {
        series: "strain_mean",
        title: "Average strain of link workers at work",
        y_desc: "strain (burnout threshold ≈ 1)",
        what: "Strain averaged over the link workers at work; one burns out when their strain passes their own threshold, 1 on average by default.",
        centre: Centre::Median,
        smoothing: Smoothing::Pool(2),
    },
    Measure {
        series: "queued",
        title: "Patients waiting for a first contact",
        y_desc: "patients waiting",
        what: "Patients referred who have not yet had a first contact with a link worker.",
        centre: Centre::Mean,
        smoothing: Smoothing::Pool(2),
    },
    Measure {
        series: "holding",
        title: "Patients held",
        y_desc: "patients held",
        what: "Patients a link worker keeps on the caseload after connecting them, for whatever reason.",
        centre: Centre::Median,
        smoothing: Smoothing::Pool(2),
    },
];

/// The three reasons for holding, drawn as three panels of one figure.
pub const REASONS: [Measure; 3] = [
    Measure {
        series: "holding_waiting",
        title: "Waiting for a service",
        y_desc: "patients",
        what: "held while waiting for a community service",
        centre: Centre::Median,
        smoothing: Smoothing::Pool(2),
    },
    Measure {
        series: "holding_preparing",
        title: "Preparing for change",
        y_desc: "patients",
        what: "held while preparing for change",
        centre: Centre::Median,
        smoothing: Smoothing::Pool(2),
    },
    Measure {
        series: "holding_witnessing",
        title: "Ongoing distress",
        y_desc: "patients",
        what: "held while the link worker stays alongside a patient in ongoing distress",
        centre: Centre::Median,
        smoothing: Smoothing::Pool(2),
    },
];

/// With 100 replications a weekly 5th percentile rests on five values and flickers
/// from week to week; each measure says how it is steadied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Smoothing {
    /// None: percentiles of each week's values.
    None,
    /// Each week's percentiles pool its values with those of `k` weeks either side
    /// (the distribution of weekly values, estimated from a (2k+1)-week window).
    Pool(usize),
    /// Each replication's series is first averaged over a centred (2k+1)-week window,
    /// then percentiles are taken across replications: for whole-number stocks (posts),
    /// whose weekly percentiles otherwise jump between levels.
    MovingAverage(usize),
}

impl Smoothing {
    /// Half-width of the window in weeks.
    pub fn half_width(self) -> usize {
        match self {
            Smoothing::None => 0,
            Smoothing::Pool(k) | Smoothing::MovingAverage(k) => k,
        }
    }

    /// A sentence for captions.
    fn describe(self) -> String {
        match self {
            Smoothing::None => String::new(),
            Smoothing::Pool(k) => format!(
                " Each week's statistics pool its values with those of the {k} weeks either side (a {}-week window), which steadies them.",
                2 * k + 1
            ),
            Smoothing::MovingAverage(k) => format!(
                " Posts are whole numbers, so each replication's series is first averaged over a centred {}-week window; the bands are percentiles of these moving averages.",
                2 * k + 1
            ),
        }
    }
}

/// Weekly percentiles (and mean) of one series across replications, steadied as the
/// [`Smoothing`] says; NaN where no replication defines the week.
#[derive(Clone, Debug)]
pub struct Bands {
    /// Years since the start of the run (week start day / 365).
    pub years: Vec<f64>,
    pub p5: Vec<f64>,
    pub p25: Vec<f64>,
    pub p50: Vec<f64>,
    pub p75: Vec<f64>,
    pub p95: Vec<f64>,
    pub mean: Vec<f64>,
}

impl Bands {
    /// `None` when the series is not in the run's time series at all.
    pub fn of(run: &RunResults, series: &str, smoothing: Smoothing) -> Option<Bands> {
        let (weekly, pool) = match smoothing {
            Smoothing::None => (run.weekly(series)?, 0),
            Smoothing::Pool(k) => (run.weekly(series)?, k),
            Smoothing::MovingAverage(k) => (moving_averages(run, series, k)?, 0),
        };
        let starts = week_starts(run, weekly.len());
        let n = weekly.len();
        let mut b = Bands {
            years: starts.iter().map(|d| d / 365.0).collect(),
            p5: vec![f64::NAN; n],
            p25: vec![f64::NAN; n],
            p50: vec![f64::NAN; n],
            p75: vec![f64::NAN; n],
            p95: vec![f64::NAN; n],
            mean: vec![f64::NAN; n],
        };
        let finite = |values: &Vec<f64>| values.iter().any(|v| v.is_finite());
        let mut sorted = Vec::new();
        for w in 0..n {
            if !finite(&weekly[w]) {
                continue;
            }
            sorted.clear();
            for values in &weekly[w.saturating_sub(pool)..(w + pool + 1).min(n)] {
                sorted.extend(values.iter().copied().filter(|v| v.is_finite()));
            }
            b.mean[w] = Summary::of(sorted.iter().map(|&v| Some(v))).map_or(f64::NAN, |m| m.mean);
            sorted.sort_by(f64::total_cmp);
            b.p5[w] = percentile_sorted(&sorted, 0.05);
            b.p25[w] = percentile_sorted(&sorted, 0.25);
            b.p50[w] = percentile_sorted(&sorted, 0.50);
            b.p75[w] = percentile_sorted(&sorted, 0.75);
            b.p95[w] = percentile_sorted(&sorted, 0.95);
        }
        Some(b)
    }

    /// Runs of consecutive weeks that are defined (and placed in time).
    pub fn segments(&self) -> Vec<std::ops::Range<usize>> {
        let ok = |i: usize| self.p50[i].is_finite() && self.years[i].is_finite();
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.p50.len() {
            if ok(i) {
                let start = i;
                while i < self.p50.len() && ok(i) {
                    i += 1;
                }
                out.push(start..i);
            } else {
                i += 1;
            }
        }
        out
    }

    fn value_range(&self) -> Option<(f64, f64)> {
        // The mean lies between the 5th and 95th percentiles unless a few values
        // are extreme; include it so a dashed mean line is never clipped.
        let lo = self
            .p5
            .iter()
            .chain(&self.mean)
            .copied()
            .filter(|v| v.is_finite())
            .reduce(f64::min)?;
        let hi = self
            .p95
            .iter()
            .chain(&self.mean)
            .copied()
            .filter(|v| v.is_finite())
            .reduce(f64::max)?;
        Some((lo, hi))
    }
}

/// Each replication's series averaged over a centred window of `k` weeks either side
/// (defined values only; a week undefined in a replication stays undefined), as
/// `[week][replication]` like [`RunResults::weekly`].
fn moving_averages(run: &RunResults, series: &str, k: usize) -> Option<Vec<Vec<f64>>> {
    let t = &run.timeseries;
    let (ri, wi, ci) = (
        t.index_of("replication")?,
        t.index_of("week")?,
        t.index_of(series)?,
    );
    // Bounded by the rows themselves, whatever a week cell says (the loader has
    // refused weeks beyond the horizon; this keeps any other caller safe too).
    let weeks = t
        .rows
        .iter()
        .filter_map(|r| r[wi])
        .fold(0.0f64, f64::max)
        .min(t.rows.len() as f64) as usize
        + 1;
    let mut reps: Vec<f64> = Vec::new();
    let mut series_of: Vec<Vec<Option<f64>>> = Vec::new();
    for row in &t.rows {
        let (Some(r), Some(w)) = (row[ri], row[wi]) else {
            continue;
        };
        if !(w >= 0.0 && (w as usize) < weeks) {
            continue;
        }
        let i = match reps.iter().position(|&x| x == r) {
            Some(i) => i,
            None => {
                reps.push(r);
                series_of.push(vec![None; weeks]);
                reps.len() - 1
            }
        };
        series_of[i][w as usize] = row[ci].filter(|v| v.is_finite());
    }
    let mut out = vec![Vec::with_capacity(reps.len()); weeks];
    for values in &series_of {
        for (w, slot) in out.iter_mut().enumerate() {
            if values[w].is_none() {
                continue;
            }
            let window = &values[w.saturating_sub(k)..(w + k + 1).min(weeks)];
            let defined: Vec<f64> = window.iter().flatten().copied().collect();
            slot.push(defined.iter().sum::<f64>() / defined.len() as f64);
        }
    }
    Some(out)
}

/// Start day of each week (from `start_day`; 7 × week where it is missing).
fn week_starts(run: &RunResults, weeks: usize) -> Vec<f64> {
    let mut starts: Vec<f64> = (0..weeks).map(|w| 7.0 * w as f64).collect();
    let t = &run.timeseries;
    if let (Some(wi), Some(si)) = (t.index_of("week"), t.index_of("start_day")) {
        let mut seen = vec![false; weeks];
        for row in &t.rows {
            if let (Some(w), Some(d)) = (row[wi], row[si]) {
                let w = w as usize;
                if w < weeks && !seen[w] && d.is_finite() {
                    starts[w] = d;
                    seen[w] = true;
                }
            }
        }
    }
    starts
}

/// Last day covered by a run's time series, in years.
fn horizon_years(run: &RunResults) -> Option<f64> {
    let t = &run.timeseries;
    let (si, di) = (t.index_of("start_day")?, t.index_of("days")?);
    t.rows
        .iter()
        .filter_map(|r| Some(r[si]? + r[di]?))
        .filter(|v| v.is_finite())
        .reduce(f64::max)
        .map(|d| d / 365.0)
}

/// The warm-up in days, from a run's manifest.
pub fn warmup_days(run: &RunResults) -> Option<f64> {
    run.manifest["scenario"]["run"]["warmup_days"]
        .as_f64()
        .or_else(|| run.manifest["kpi_window_days"][0].as_f64())
        .filter(|d| d.is_finite() && *d > 0.0)
}

/// The runs behind each scenario, in words for subtitles and captions ("20 simulated
/// runs"; a replication is a "run" to a reader).
pub fn replications_phrase(runs: &[RunResults]) -> String {
    let counts: Vec<usize> = runs.iter().map(|r| r.replications.rows.len()).collect();
    match counts.first() {
        Some(&n) if counts.iter().all(|&c| c == n) => {
            format!("{n} simulated run{}", if n == 1 { "" } else { "s" })
        }
        _ => "the simulated runs".into(),
    }
}

/// One measure's bands in every scenario (a row of panels, or the panels of a
/// one-measure figure).
#[derive(Clone, Debug)]
pub struct MeasureBands {
    /// Axis title (a one-measure figure) or row title (several measures).
    pub y_desc: String,
    pub centre: Centre,
    /// How the weekly values were steadied.
    pub smoothing: Smoothing,
    /// Per scenario; `None` where its results lack the series.
    pub bands: Vec<Option<Bands>>,
}

/// A fan-chart figure as small multiples: one panel per scenario (and per measure,
/// in rows, when there are several), every panel on the same axes, so options are
/// compared by position rather than through overlaid bands of mixed colours.
#[derive(Clone, Debug)]
pub struct Fan {
    pub names: Vec<String>,
    pub measures: Vec<MeasureBands>,
    pub x_desc: String,
    pub x_max: f64,
    pub y: (f64, f64),
    pub warmup_years: Option<f64>,
}

/// Where each panel sits: rows × columns, and which (measure, scenario) each shows.
struct Grid {
    rows: usize,
    cols: usize,
    cells: Vec<(usize, usize)>,
    /// Each panel carries its scenario's name (one measure, maybe several rows), or
    /// only the top row does (several measures: a column per scenario).
    titles_in_every_row: bool,
}

impl Grid {
    fn of(measures: usize, scenarios: usize) -> Grid {
        if measures <= 1 {
            let cols = match scenarios {
                0 | 1 => 1,
                4 => 2,
                n => n.min(3),
            };
            Grid {
                rows: scenarios.max(1).div_ceil(cols),
                cols,
                cells: (0..scenarios.max(1)).map(|k| (0, k)).collect(),
                titles_in_every_row: true,
            }
        } else {
            Grid {
                rows: measures,
                cols: scenarios.max(1),
                cells: (0..measures)
                    .flat_map(|m| (0..scenarios.max(1)).map(move |k| (m, k)))
                    .collect(),
                titles_in_every_row: false,
            }
        }
    }

    fn row_has_titles(&self, row: usize) -> bool {
        self.titles_in_every_row || row == 0
    }
}

/// The shading's label: the warm-up, in the report's words.
const STARTUP: &str = "start-up";

/// Text size of the option names over the panels (bold; the size measured with the
/// regular face, hence the 0.92 margin where the figure is sized).
const NAME: f64 = 16.5;

/// Width in SVG pixels left of the first column (tick labels and axis title).
const Y_AREA: f64 = 78.0;
/// Space between panels, in SVG pixels.
const GAP: f64 = 30.0;
/// Height of the tick labels under each row and of the axis title under the last.
const X_TICKS: f64 = 26.0;
const X_DESC: f64 = 28.0;
/// Height of the marks legend at the top of the figure.
const KEY_ROW: f64 = style::LEGEND * 1.5;

impl Fan {
    fn new(runs: &[RunResults], measures: &[Measure]) -> Option<Fan> {
        let several = measures.len() > 1;
        let measures: Vec<MeasureBands> = measures
            .iter()
            .map(|m| MeasureBands {
                y_desc: if several { m.title } else { m.y_desc }.to_string(),
                centre: m.centre,
                smoothing: m.smoothing,
                bands: runs
                    .iter()
                    .map(|r| Bands::of(r, m.series, m.smoothing))
                    .collect(),
            })
            .collect();
        if measures.iter().all(|m| m.bands.iter().all(Option::is_none)) {
            return None;
        }
        let (lo, hi) = measures
            .iter()
            .flat_map(|m| m.bands.iter().flatten().filter_map(Bands::value_range))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (lo, hi)| {
                (a.min(lo), b.max(hi))
            });
        let x_max = runs
            .iter()
            .filter_map(horizon_years)
            .chain(measures.iter().flat_map(|m| {
                m.bands
                    .iter()
                    .flatten()
                    .flat_map(|b| b.years.iter().copied().filter(|y| y.is_finite()))
            }))
            .fold(0.0f64, f64::max);
        let x_max = if x_max > 0.0 { x_max } else { 1.0 };
        let warmup_years = runs
            .first()
            .and_then(warmup_days)
            .map(|d| d / 365.0)
            .filter(|w| *w < x_max);
        Some(Fan {
            names: runs.iter().map(|r| r.title.clone()).collect(),
            measures,
            x_desc: "years since start".into(),
            x_max,
            // Counts and strain are never negative: the axis starts at zero.
            y: style::pad_below(axis_range(lo.min(0.0), hi, 0.05, true), 0.012),
            warmup_years,
        })
    }

    fn has_data(&self) -> bool {
        self.measures
            .iter()
            .any(|m| m.bands.iter().flatten().any(|b| !b.segments().is_empty()))
    }

    /// The figure's size at `width` SVG pixels: panels about 250 px tall, plus the
    /// header, the legend and the wrapped scenario names over the panels.
    pub(super) fn size(&self, width: u32, title: Option<(&str, &str)>) -> (u32, u32) {
        let grid = Grid::of(self.measures.len(), self.names.len());
        let panel_w =
            (f64::from(width) - 30.0 - Y_AREA - GAP * (grid.cols - 1) as f64) / grid.cols as f64;
        let panel_h = if grid.rows > 1 { 200.0 } else { 300.0 };
        let mut h = style::header_height(title, f64::from(width)) + KEY_ROW + 20.0 + X_DESC;
        for row in 0..grid.rows {
            if grid.row_has_titles(row) {
                let lines = grid
                    .cells
                    .iter()
                    .skip(row * grid.cols)
                    .take(grid.cols)
                    .map(|&(_, k)| {
                        self.names
                            .get(k)
                            .map_or(1, |n| style::lines_needed(n, NAME, panel_w * 0.92))
                    })
                    .max()
                    .unwrap_or(1);
                h += lines as f64 * NAME * 1.25 + 8.0;
            }
            h += panel_h + X_TICKS;
        }
        (width, h.ceil() as u32)
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<DB> {
        let area = self.draw_key(area, s)?;
        if !self.has_data() {
            return style::centred_note(&area, s, "No defined values in any week: nothing to draw");
        }
        let area = area.margin(0, s.px(14.0), s.px(4.0), s.px(16.0));
        let grid = Grid::of(self.measures.len(), self.names.len());
        let (w, h) = area.dim_in_pixel();
        let (y_area, gap) = (s.px(Y_AREA), s.px(GAP));
        let cols = grid.cols as i32;
        let panel_w = ((w as i32 - y_area - gap * (cols - 1)) / cols).max(1);
        let title_style = anchored(s.bold(NAME), HPos::Left, VPos::Top);
        let line_h = s.px(NAME * 1.25);
        let (titles, title_h) = self.panel_titles(&area, s, &grid, &title_style, panel_w);
        let fixed: i32 =
            title_h.iter().sum::<i32>() + grid.rows as i32 * s.px(X_TICKS) + s.px(X_DESC);
        let panel_h = ((h as i32 - fixed) / grid.rows as i32).max(s.px(40.0));
        let mut top = 0;
        for (row, row_titles) in titles.iter().enumerate() {
            let last_row = row + 1 == grid.rows;
            let below = s.px(X_TICKS) + if last_row { s.px(X_DESC) } else { 0 };
            for (col, lines) in row_titles.iter().enumerate() {
                let Some(&(m, k)) = grid.cells.get(row * grid.cols + col) else {
                    continue;
                };
                let x = if col == 0 {
                    0
                } else {
                    y_area + col as i32 * (panel_w + gap)
                };
                let width = if col == 0 { y_area + panel_w } else { panel_w };
                let left = if col == 0 { y_area } else { 0 };
                style::draw_lines(&area, lines, &title_style, (x + left, top), line_h)?;
                let cell = area.clone().shrink(
                    (x, top + title_h[row]),
                    ((width + s.px(2.0)) as u32, (panel_h + below) as u32),
                );
                let panel = Panel {
                    measure: &self.measures[m],
                    scenario: k,
                    y_label: col == 0,
                    first_row: row == 0,
                    x_ticks_below: below,
                    y_area: left,
                };
                self.draw_panel(&cell, s, &panel)?;
            }
            top += title_h[row] + panel_h + below;
        }
        // The shared x axis's title, once, centred under all the columns.
        let centre = y_area + (cols * panel_w + (cols - 1) * gap) / 2;
        let st = anchored(s.font(style::LABEL), HPos::Center, VPos::Center);
        area.draw_text(&self.x_desc, &st, (centre, top - s.px(X_DESC) / 2))
    }

    /// Each panel's title (its option's name, wrapped to the panel's width; none in
    /// the lower rows of a figure of several measures), by row and column, and each
    /// row's title height: room for the most lines any of its names takes.
    fn panel_titles<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
        grid: &Grid,
        title_style: &TextStyle,
        panel_w: i32,
    ) -> (Vec<Vec<Vec<String>>>, Vec<i32>) {
        let line_h = s.px(NAME * 1.25);
        let titles: Vec<Vec<Vec<String>>> = (0..grid.rows)
            .map(|row| {
                (0..grid.cols)
                    .map(|col| match grid.cells.get(row * grid.cols + col) {
                        Some(&(_, k)) if grid.row_has_titles(row) => self
                            .names
                            .get(k)
                            .map(|n| style::wrap(area, n, title_style, panel_w))
                            .unwrap_or_default(),
                        _ => Vec::new(),
                    })
                    .collect()
            })
            .collect();
        let heights = titles
            .iter()
            .enumerate()
            .map(|(row, t)| {
                let lines = t.iter().map(Vec::len).max().unwrap_or(0) as i32;
                if grid.row_has_titles(row) {
                    lines.max(1) * line_h + s.px(8.0)
                } else {
                    0
                }
            })
            .collect();
        (titles, heights)
    }

    /// The legend of marks, on one line (two if the figure is narrow): the two bands,
    /// the line, the dashed mean and the baseline's line.
    fn draw_key<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
        let centre = self.measures.first().map_or(Centre::Median, |m| m.centre);
        let mut items: Vec<(KeyMark, String)> = vec![
            (KeyMark::Band90, "middle 90% of runs".into()),
            (KeyMark::Band50, "middle 50% of runs".into()),
            (KeyMark::Line, centre.word().to_string()),
        ];
        if centre == Centre::Median {
            items.push((KeyMark::Dashed, "mean".into()));
        }
        if self.names.len() > 1 {
            items.push((KeyMark::Baseline, format!("baseline's {}", centre.word())));
        }
        let style = anchored(s.font(style::LEGEND), HPos::Left, VPos::Center);
        let (w, _) = area.dim_in_pixel();
        let row_h = s.px(KEY_ROW);
        let (mut x, mut y) = (s.px(16.0), row_h / 2);
        for (mark, text) in &items {
            let item_w = s.px(36.0) + style::text_width(area, text, &style) + s.px(22.0);
            if x > s.px(16.0) && x + item_w > w as i32 - s.px(8.0) {
                x = s.px(16.0);
                y += row_h;
            }
            mark.draw(area, s, (x, y))?;
            area.draw_text(text, &style, (x + s.px(34.0), y))?;
            x += item_w;
        }
        Ok(area.split_vertically(y + row_h / 2 + s.px(12.0)).1)
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
        panel: &Panel,
    ) -> DrawResult<DB> {
        let (y0, y1) = self.y;
        let tick_style = s.font(style::TICK);
        let (pw, ph) = area.dim_in_pixel();
        let plot_h = f64::from(ph) / s.0;
        let y_ticks = ((plot_h / 55.0).floor() as usize + 1).clamp(3, 10);
        let y_step = tick_step(y0, y1, y_ticks);
        let plot_w = (f64::from(pw) / s.0 - f64::from(panel.y_area) / s.0).max(1.0);
        let x_ticks = ((plot_w / 55.0).floor() as usize).clamp(2, 12);
        let x_step = tick_step(0.0, self.x_max, x_ticks);
        let mut chart = ChartBuilder::on(area)
            .margin_right(s.px(2.0))
            .x_label_area_size(panel.x_ticks_below)
            .y_label_area_size(panel.y_area)
            .build_cartesian_2d(0.0..self.x_max, y0..y1)?;
        let x_fmt = |v: &f64| tick(*v, x_step, Shown::Plain);
        let y_fmt = |v: &f64| tick(*v, y_step, Shown::Plain);
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(x_ticks)
            .y_labels(y_ticks)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style(tick_style.clone())
            .axis_desc_style(s.font(style::LABEL))
            .bold_line_style(style::GRID.stroke_width(s.upx(1.0).max(1)))
            .light_line_style(TRANSPARENT)
            .axis_style(style::AXIS.stroke_width(s.upx(1.0).max(1)))
            .set_all_tick_mark_size(s.px(4.0));
        if panel.y_label {
            mesh.y_desc(panel.measure.y_desc.as_str());
        }
        mesh.draw()?;

        if let Some(w) = self.warmup_years {
            let first = panel.y_label && panel.first_row;
            draw_warmup(&mut chart, area, s, w, (y0, y1), first)?;
        }
        let m = panel.measure;
        let c = colour(panel.scenario);
        let Some(b) = m.bands.get(panel.scenario).and_then(Option::as_ref) else {
            return note(&chart, area, s, self, "not in these results");
        };
        draw_bands(&mut chart, b, c)?;
        if panel.scenario > 0
            && let Some(Some(base)) = m.bands.first()
        {
            draw_line(&mut chart, s, base, m.centre, style::TEXT.mix(0.65), 1.4)?;
        }
        draw_line(&mut chart, s, b, m.centre, c.to_rgba(), 2.4)?;
        if m.centre == Centre::Median {
            draw_dashed_mean(&mut chart, s, b, c)?;
        }
        if b.segments().is_empty() {
            return note(&chart, area, s, self, "undefined in every week");
        }
        Ok(())
    }
}

/// A grey note in the middle of a panel.
fn note<DB: DrawingBackend>(
    chart: &style::Chart2d<DB>,
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    fan: &Fan,
    text: &str,
) -> DrawResult<DB> {
    let (y0, y1) = fan.y;
    let (px, py) = chart.backend_coord(&(fan.x_max / 2.0, (y0 + y1) / 2.0));
    let st = anchored(s.muted(style::NOTE), HPos::Center, VPos::Center);
    style::text_abs(area, text, &st, (px, py))
}

/// What one panel shows and which of the shared axes' labels it carries.
struct Panel<'a> {
    measure: &'a MeasureBands,
    scenario: usize,
    /// The first column carries the y tick labels and axis title.
    y_label: bool,
    /// The first panel names the start-up shading (the others only shade it).
    first_row: bool,
    x_ticks_below: i32,
    y_area: i32,
}

/// A legend key, 26 px wide, centred vertically on `yc`.
#[derive(Clone, Copy)]
enum KeyMark {
    Band90,
    Band50,
    Line,
    Dashed,
    Baseline,
}

impl KeyMark {
    fn draw<DB: DrawingBackend>(
        self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
        (x, yc): (i32, i32),
    ) -> DrawResult<DB> {
        let c = style::MUTED;
        let (x1, h) = (x + s.px(26.0), s.px(7.0));
        match self {
            KeyMark::Band90 => area.draw(&Rectangle::new(
                [(x, yc - h), (x1, yc + h)],
                c.mix(BAND_90).filled(),
            )),
            KeyMark::Band50 => {
                // The 50% band lies on the 90% band, so its key shows both.
                area.draw(&Rectangle::new(
                    [(x, yc - h), (x1, yc + h)],
                    c.mix(BAND_90).filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x, yc - h), (x1, yc + h)],
                    c.mix(BAND_50).filled(),
                ))
            }
            KeyMark::Line => area.draw(&PathElement::new(
                vec![(x, yc), (x1, yc)],
                s.line(style::TEXT, 2.4),
            )),
            KeyMark::Dashed => area
                .draw(&PathElement::new(
                    vec![(x, yc), (x + s.px(10.0), yc)],
                    s.line(style::TEXT, 1.6),
                ))
                .and_then(|()| {
                    area.draw(&PathElement::new(
                        vec![(x + s.px(16.0), yc), (x1, yc)],
                        s.line(style::TEXT, 1.6),
                    ))
                }),
            KeyMark::Baseline => area.draw(&PathElement::new(
                vec![(x, yc), (x1, yc)],
                s.line(style::TEXT.mix(0.65), 1.4),
            )),
        }
    }
}

/// The start-up period (warm-up) shaded from 0 to `w` years; with `label`, named
/// inside the shading when it fits, else just after it.
fn draw_warmup<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    w: f64,
    (y0, y1): (f64, f64),
    label: bool,
) -> DrawResult<DB> {
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, y0), (w, y1)],
        style::WARMUP.mix(0.16).filled(),
    )))?;
    if !label {
        return Ok(());
    }
    let label = anchored(s.muted(style::NOTE), HPos::Left, VPos::Top);
    let (px0, py1) = chart.backend_coord(&(0.0, y1));
    let (px1, _) = chart.backend_coord(&(w, y1));
    let x = if style::text_width(area, STARTUP, &label) + s.px(8.0) <= px1 - px0 {
        px0 + s.px(5.0)
    } else {
        px1 + s.px(4.0)
    };
    style::text_abs(area, STARTUP, &label, (x, py1 + s.px(4.0)))
}

/// The 90% band, then the 50% band over it.
fn draw_bands<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    b: &Bands,
    c: RGBColor,
) -> DrawResult<DB> {
    for (alpha, lo, hi) in [(BAND_90, Q::P5, Q::P95), (BAND_50, Q::P25, Q::P75)] {
        let fill = c.mix(alpha).filled();
        for seg in b.segments() {
            if seg.len() < 2 {
                continue;
            }
            let mut pts: Vec<(f64, f64)> = seg.clone().map(|w| (b.years[w], lo.of(b)[w])).collect();
            pts.extend(seg.clone().rev().map(|w| (b.years[w], hi.of(b)[w])));
            chart.draw_series(std::iter::once(Polygon::new(pts, fill)))?;
        }
    }
    Ok(())
}

/// The median or mean line; a lone defined week is a dot.
fn draw_line<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    s: Scale,
    b: &Bands,
    centre: Centre,
    c: RGBAColor,
    width: f64,
) -> DrawResult<DB> {
    let values = match centre {
        Centre::Median => &b.p50,
        Centre::Mean => &b.mean,
    };
    for seg in b.segments() {
        if seg.len() == 1 {
            let w = seg.start;
            chart.draw_series(std::iter::once(Circle::new(
                (b.years[w], values[w]),
                s.upx(width + 1.0),
                c.filled(),
            )))?;
        } else {
            chart.draw_series(LineSeries::new(
                seg.map(|w| (b.years[w], values[w])),
                s.line(c, width),
            ))?;
        }
    }
    Ok(())
}

/// The mean as a dashed line beside a median.
fn draw_dashed_mean<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    s: Scale,
    b: &Bands,
    c: RGBColor,
) -> DrawResult<DB> {
    for seg in b.segments().into_iter().filter(|s| s.len() > 1) {
        chart.draw_series(DashedLineSeries::new(
            seg.map(|w| (b.years[w], b.mean[w])),
            s.upx(7.0),
            s.upx(4.0),
            s.line(c, 1.6),
        ))?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Q {
    P5,
    P25,
    P75,
    P95,
}

impl Q {
    fn of(self, b: &Bands) -> &[f64] {
        match self {
            Q::P5 => &b.p5,
            Q::P25 => &b.p25,
            Q::P75 => &b.p75,
            Q::P95 => &b.p95,
        }
    }
}

/// Under the title: how many runs, and what a point is.
fn subtitle(runs: &[RunResults], fan: &Fan) -> String {
    let unit = match fan.measures.first().map(|m| m.smoothing) {
        Some(Smoothing::MovingAverage(k)) => format!("{}-week moving averages", 2 * k + 1),
        _ => "weekly values".into(),
    };
    if runs.len() > 1 {
        format!(
            "One panel per option, same scales · {} each · {unit}",
            replications_phrase(runs)
        )
    } else {
        format!("{} · {unit}", replications_phrase(runs))
    }
}

/// How to read the marks, for the caption (what the title does not say).
fn caption_tail(runs: &[RunResults], fan: &Fan) -> String {
    let centre = fan.measures.first().map_or(Centre::Median, |m| m.centre);
    let line = match centre {
        Centre::Median => "The solid line is the median week across runs and the dashed line the mean.".to_string(),
        Centre::Mean => "The solid line is the mean across runs, not the median: these are whole numbers that sit at zero (or at full strength) in most weeks, so the median would hide how often they move.".to_string(),
    };
    let mut c = format!(
        "{} {line} The darker band holds the middle 50% of runs and the lighter band the middle 90%.{}",
        if runs.len() > 1 {
            " Each panel is one option, drawn on the same scales."
        } else {
            ""
        },
        fan.measures
            .first()
            .map_or(String::new(), |m| m.smoothing.describe())
    );
    if runs.len() > 1 {
        c.push_str(&format!(
            " The grey line in every other panel is the baseline's {} ({}), for comparison.",
            centre.word(),
            runs[0].title
        ));
    }
    if let (Some(_), Some(days)) = (fan.warmup_years, runs.first().and_then(warmup_days)) {
        c.push_str(&format!(
            " The grey shading is the start-up period (the first {days:.0} days), left out of the results."
        ));
    }
    c
}

/// The fan chart of one weekly series, a panel per scenario on shared axes; `None`
/// when no scenario has the series.
pub fn fan_chart(runs: &[RunResults], measure: &Measure) -> Option<Plot> {
    let fan = Fan::new(runs, std::slice::from_ref(measure))?;
    let caption = format!("{}{}", measure.what, caption_tail(runs, &fan));
    let title = format!("{} over time", measure.title);
    let subtitle = subtitle(runs, &fan);
    Some(Plot {
        stem: format!("fan_{}", measure.series),
        size: fan.size(style::WIDTH, Some((&title, &subtitle))),
        title,
        subtitle,
        caption,
        titled: true,
        chart: Chart::Fan(fan),
    })
}

/// Patients held by reason: a row of panels per reason, a column per scenario, all
/// on shared axes; `None` when no scenario has any of the series.
pub fn held_by_reason(runs: &[RunResults]) -> Option<Plot> {
    let fan = Fan::new(runs, &REASONS)?;
    let caption = format!(
        "One row per reason a link worker holds a patient: {}. A patient held for several reasons counts in each row.{}",
        REASONS
            .iter()
            .map(|m| format!("{} ({})", m.title.to_lowercase(), m.what))
            .collect::<Vec<_>>()
            .join("; "),
        caption_tail(runs, &fan)
    );
    let title = "Patients held, by reason, over time".to_string();
    let subtitle = subtitle(runs, &fan);
    Some(Plot {
        stem: "fan_holding_by_reason".into(),
        size: fan.size(style::WIDTH, Some((&title, &subtitle))),
        title,
        subtitle,
        caption,
        titled: true,
        chart: Chart::Fan(fan),
    })
}

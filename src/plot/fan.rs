//! Fan charts over time: for a weekly series, each scenario's median across
//! replications (line) with the middle 50% and 90% of replications (translucent
//! bands), all scenarios on shared axes, the warm-up shaded. Weeks where a series is
//! undefined in every replication (mean strain with nobody Active) break the line.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::style::{
    self, BAND_50, BAND_90, DrawResult, Entry, Key, Scale, anchored, axis_range, colour, tick_step,
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
    /// What the series is, for the caption.
    pub what: &'static str,
    /// Also draw the mean across replications (dashed): for rare-event stocks whose
    /// median sits at 0 or at full strength most of the time.
    pub mean: bool,
    /// How weekly values are steadied before percentiles are taken.
    pub smoothing: Smoothing,
}

/// The single-panel fan charts, in report order.
pub const MEASURES: [Measure; 6] = [
    Measure {
        series: "lw_active",
        title: "Link-worker posts Active",
        y_desc: "posts Active",
        what: "link-worker posts Active (in post and working)",
        mean: true,
        smoothing: Smoothing::MovingAverage(4),
    },
    Measure {
        series: "lw_sick_leave",
        title: "Link-worker posts on sick leave",
        y_desc: "posts on sick leave",
        what: "link-worker posts whose holder is on burnout sick leave",
        mean: true,
        smoothing: Smoothing::MovingAverage(4),
    },
    Measure {
        series: "lw_vacant",
        title: "Vacant link-worker posts",
        y_desc: "posts Vacant",
        what: "vacant link-worker posts (awaiting recruitment)",
        mean: true,
        smoothing: Smoothing::MovingAverage(4),
    },
    Measure {
        series: "strain_mean",
        title: "Mean strain of Active link workers",
        y_desc: "strain (burnout threshold ≈ 1)",
        what: "mean strain over Active link workers (the mean burnout threshold is 1 by default)",
        mean: false,
        smoothing: Smoothing::Pool(2),
    },
    Measure {
        series: "queued",
        title: "Patients waiting for a first contact",
        y_desc: "patients queued",
        what: "patients referred and waiting for their first contact",
        mean: false,
        smoothing: Smoothing::Pool(2),
    },
    Measure {
        series: "holding",
        title: "Patients held",
        y_desc: "patients held",
        what: "patients being held by a link worker (for any reason)",
        mean: false,
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
        mean: false,
        smoothing: Smoothing::Pool(2),
    },
    Measure {
        series: "holding_preparing",
        title: "Preparing for change",
        y_desc: "patients",
        what: "held while preparing for change",
        mean: false,
        smoothing: Smoothing::Pool(2),
    },
    Measure {
        series: "holding_witnessing",
        title: "Distress witnessed",
        y_desc: "patients",
        what: "held while the link worker bears witness to ongoing distress",
        mean: false,
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

/// Replications per scenario, described for subtitles and captions.
pub fn replications_phrase(runs: &[RunResults]) -> String {
    let counts: Vec<usize> = runs.iter().map(|r| r.replications.rows.len()).collect();
    match counts.first() {
        Some(&n) if counts.iter().all(|&c| c == n) => {
            format!("{n} replication{}", if n == 1 { "" } else { "s" })
        }
        _ => "the replications".into(),
    }
}

/// One panel: each scenario's bands for one series.
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: Option<String>,
    pub y_desc: String,
    /// Draw each scenario's mean (dashed) as well as its median.
    pub mean: bool,
    /// How the weekly values were steadied.
    pub smoothing: Smoothing,
    /// (scenario index, its bands); scenarios without the series are left out.
    pub bands: Vec<(usize, Bands)>,
}

/// A fan-chart figure of one or more panels sharing x and y axes.
#[derive(Clone, Debug)]
pub struct Fan {
    pub names: Vec<String>,
    pub panels: Vec<Panel>,
    pub x_max: f64,
    pub y: (f64, f64),
    pub warmup_years: Option<f64>,
}

impl Fan {
    fn new(runs: &[RunResults], measures: &[Measure], with_titles: bool) -> Option<Fan> {
        let panels: Vec<Panel> = measures
            .iter()
            .map(|m| Panel {
                title: with_titles.then(|| m.title.to_string()),
                y_desc: m.y_desc.to_string(),
                mean: m.mean,
                smoothing: m.smoothing,
                bands: runs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, r)| Some((i, Bands::of(r, m.series, m.smoothing)?)))
                    .collect(),
            })
            .collect();
        if panels.iter().all(|p| p.bands.is_empty()) {
            return None;
        }
        let (lo, hi) = panels
            .iter()
            .flat_map(|p| p.bands.iter().filter_map(|(_, b)| b.value_range()))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (lo, hi)| {
                (a.min(lo), b.max(hi))
            });
        let x_max = runs
            .iter()
            .filter_map(horizon_years)
            .chain(panels.iter().flat_map(|p| {
                p.bands
                    .iter()
                    .flat_map(|(_, b)| b.years.iter().copied().filter(|y| y.is_finite()))
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
            panels,
            x_max,
            y: style::pad_below(axis_range(lo.min(0.0), hi, 0.05, true), 0.012),
            warmup_years,
        })
    }

    fn has_data(&self) -> bool {
        self.panels
            .iter()
            .any(|p| p.bands.iter().any(|(_, b)| !b.segments().is_empty()))
    }

    pub(super) fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
    ) -> DrawResult<DB> {
        let entries: Vec<Entry> = self
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| Entry {
                name: n,
                colour: colour(i),
            })
            .collect();
        let area = style::legend(area, s, &entries, Key::Band)?;
        if !self.has_data() {
            return style::centred_note(&area, s, "No defined values in any week: nothing to draw");
        }
        let area = area.margin(0, s.px(6.0), s.px(4.0), s.px(20.0));
        let n = self.panels.len();
        let (_, h) = area.dim_in_pixel();
        let bottom = s.px(52.0);
        let each = (h as i32 - bottom) / n as i32;
        let mut rest = area;
        for (i, panel) in self.panels.iter().enumerate() {
            let last = i + 1 == n;
            let (this, below) = if last {
                (rest.clone(), rest.clone())
            } else {
                rest.split_vertically(each)
            };
            self.draw_panel(&this, s, panel, last)?;
            rest = below;
        }
        Ok(())
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        s: Scale,
        panel: &Panel,
        bottom: bool,
    ) -> DrawResult<DB> {
        let (y0, y1) = self.y;
        let tick_style = s.font(style::TICK);
        let title_h = s.px(style::PANEL_TITLE * 1.25 + 6.0);
        let (_, h) = area.dim_in_pixel();
        let x_area = s.px(if bottom { 52.0 } else { 38.0 });
        let used = x_area + if panel.title.is_some() { title_h } else { 0 };
        let plot_h = (h as i32 - used).max(1) as f64 / s.0;
        let y_ticks = ((plot_h / 55.0).floor() as usize + 1).clamp(3, 10);
        let y_step = tick_step(y0, y1, y_ticks);
        let x_ticks = (self.x_max.ceil() as usize + 1).clamp(4, 12);
        let x_step = tick_step(0.0, self.x_max, x_ticks);
        let widest = y_tick_values(y0, y1, y_step)
            .map(|v| style::text_width(area, &tick(v, y_step, Shown::Plain), &tick_style))
            .max()
            .unwrap_or(0);
        let y_area = widest + s.px(style::LABEL * 1.2 + 18.0);
        let area = match &panel.title {
            Some(t) => {
                let st = anchored(s.bold(style::PANEL_TITLE), HPos::Left, VPos::Top);
                area.draw_text(t, &st, (y_area, s.px(4.0)))?;
                area.split_vertically(title_h).1
            }
            None => area.clone(),
        };
        let mut chart = ChartBuilder::on(&area)
            .margin_top(s.px(6.0))
            .margin_right(s.px(8.0))
            .x_label_area_size(x_area)
            .y_label_area_size(y_area)
            .build_cartesian_2d(0.0..self.x_max, y0..y1)?;
        let x_fmt = |v: &f64| tick(*v, x_step, Shown::Plain);
        let y_fmt = |v: &f64| tick(*v, y_step, Shown::Plain);
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(x_ticks)
            .y_labels(y_ticks)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .y_desc(panel.y_desc.as_str())
            .label_style(tick_style.clone())
            .axis_desc_style(s.font(style::LABEL))
            .bold_line_style(style::GRID.stroke_width(s.upx(1.0).max(1)))
            .light_line_style(TRANSPARENT)
            .axis_style(style::AXIS.stroke_width(s.upx(1.0).max(1)))
            .set_all_tick_mark_size(s.px(4.0));
        if bottom {
            mesh.x_desc("years since start");
        }
        mesh.draw()?;

        if let Some(w) = self.warmup_years {
            draw_warmup(&mut chart, &area, s, w, (y0, y1))?;
        }
        draw_bands(&mut chart, panel)?;
        draw_medians(&mut chart, s, panel)?;
        if panel.mean {
            draw_means(&mut chart, s, panel)?;
        }
        if panel.bands.iter().all(|(_, b)| b.segments().is_empty()) {
            let (px, py) = chart.backend_coord(&(self.x_max / 2.0, (y0 + y1) / 2.0));
            let st = anchored(s.muted(style::NOTE), HPos::Center, VPos::Center);
            style::text_abs(&area, "undefined in every week", &st, (px, py))?;
        }
        Ok(())
    }
}

/// The warm-up shaded from 0 to `w` years, labelled inside the shading when it fits,
/// else just after it.
fn draw_warmup<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    area: &DrawingArea<DB, Shift>,
    s: Scale,
    w: f64,
    (y0, y1): (f64, f64),
) -> DrawResult<DB> {
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, y0), (w, y1)],
        style::WARMUP.mix(0.16).filled(),
    )))?;
    let label = anchored(s.muted(style::NOTE), HPos::Left, VPos::Top);
    let (px0, py1) = chart.backend_coord(&(0.0, y1));
    let (px1, _) = chart.backend_coord(&(w, y1));
    let x = if style::text_width(area, "warm-up", &label) + s.px(8.0) <= px1 - px0 {
        px0 + s.px(5.0)
    } else {
        px1 + s.px(4.0)
    };
    style::text_abs(area, "warm-up", &label, (x, py1 + s.px(4.0)))
}

/// Every scenario's 90% band, then every 50% band over them.
fn draw_bands<DB: DrawingBackend>(chart: &mut style::Chart2d<DB>, panel: &Panel) -> DrawResult<DB> {
    for (alpha, lo, hi) in [(BAND_90, Q::P5, Q::P95), (BAND_50, Q::P25, Q::P75)] {
        for (i, b) in &panel.bands {
            let fill = colour(*i).mix(alpha).filled();
            for seg in b.segments() {
                if seg.len() < 2 {
                    continue;
                }
                let mut pts: Vec<(f64, f64)> =
                    seg.clone().map(|w| (b.years[w], lo.of(b)[w])).collect();
                pts.extend(seg.clone().rev().map(|w| (b.years[w], hi.of(b)[w])));
                chart.draw_series(std::iter::once(Polygon::new(pts, fill)))?;
            }
        }
    }
    Ok(())
}

/// Medians, the first scenario widest, so lines that coincide (every post Active,
/// say) still show each colour; a lone defined week is a dot.
fn draw_medians<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    s: Scale,
    panel: &Panel,
) -> DrawResult<DB> {
    let count = panel.bands.len();
    for (k, (i, b)) in panel.bands.iter().enumerate() {
        let width = 1.8 + 0.8 * (count - 1 - k).min(3) as f64;
        let line = s.line(colour(*i), width);
        for seg in b.segments() {
            if seg.len() == 1 {
                let w = seg.start;
                chart.draw_series(std::iter::once(Circle::new(
                    (b.years[w], b.p50[w]),
                    s.upx(width + 1.0),
                    colour(*i).filled(),
                )))?;
            } else {
                chart.draw_series(LineSeries::new(seg.map(|w| (b.years[w], b.p50[w])), line))?;
            }
        }
    }
    Ok(())
}

/// Means as dashed lines, for the panels that show them.
fn draw_means<DB: DrawingBackend>(
    chart: &mut style::Chart2d<DB>,
    s: Scale,
    panel: &Panel,
) -> DrawResult<DB> {
    for (i, b) in &panel.bands {
        for seg in b.segments().into_iter().filter(|s| s.len() > 1) {
            chart.draw_series(DashedLineSeries::new(
                seg.map(|w| (b.years[w], b.mean[w])),
                s.upx(7.0),
                s.upx(4.0),
                s.line(colour(*i), 1.6),
            ))?;
        }
    }
    Ok(())
}

/// Tick values plotters will draw (approximately) for the range and step.
fn y_tick_values(lo: f64, hi: f64, step: f64) -> impl Iterator<Item = f64> {
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last.max(first)).map(move |k| k as f64 * step)
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

fn subtitle(runs: &[RunResults], fan: &Fan) -> String {
    let mean = if fan.panels.iter().any(|p| p.mean) {
        ", mean (dashed)"
    } else {
        ""
    };
    let unit = match fan.panels.first().map(|p| p.smoothing) {
        Some(Smoothing::MovingAverage(k)) => format!("{}-week moving averages", 2 * k + 1),
        _ => "by week".into(),
    };
    format!(
        "Median (line){mean}, middle 50% and 90% (bands) of {}, {unit}",
        replications_phrase(runs)
    )
}

fn caption_tail(runs: &[RunResults], fan: &Fan) -> String {
    let mut c = format!(
        " Each solid line is a scenario's median across {}{}; the darker band holds the middle 50% of replications and the lighter band the middle 90% (weekly 25th–75th and 5th–95th percentiles); medians are drawn from the widest line (the baseline) to the narrowest, so medians that coincide all stay visible. Values are weekly means of daily values, summed over sites.{}",
        replications_phrase(runs),
        if fan.panels.iter().any(|p| p.mean) {
            " and the dashed line its mean"
        } else {
            ""
        },
        fan.panels
            .first()
            .map_or(String::new(), |p| p.smoothing.describe())
    );
    if let (Some(_), Some(days)) = (fan.warmup_years, runs.first().and_then(warmup_days)) {
        c.push_str(&format!(
            " The grey shading is the warm-up (the first {days:.0} days), which the KPIs exclude."
        ));
    }
    c
}

/// The fan chart of one weekly series, every scenario on shared axes; `None` when no
/// scenario has the series.
pub fn fan_chart(runs: &[RunResults], measure: &Measure) -> Option<Plot> {
    let fan = Fan::new(runs, std::slice::from_ref(measure), false)?;
    let caption = format!(
        "{} over time: {}.{}",
        measure.title,
        measure.what,
        caption_tail(runs, &fan)
    );
    Some(Plot {
        stem: format!("fan_{}", measure.series),
        title: format!("{} over time", measure.title),
        subtitle: subtitle(runs, &fan),
        caption,
        size: (style::WIDTH, style::HEIGHT),
        chart: Chart::Fan(fan),
    })
}

/// Patients held by reason: one panel per reason, shared axes; `None` when no
/// scenario has any of the series.
pub fn held_by_reason(runs: &[RunResults]) -> Option<Plot> {
    let fan = Fan::new(runs, &REASONS, true)?;
    let caption = format!(
        "Patients held, by reason, over time: {}. A patient held for several reasons counts in each panel.{}",
        REASONS
            .iter()
            .map(|m| format!("{} ({})", m.title.to_lowercase(), m.what))
            .collect::<Vec<_>>()
            .join("; "),
        caption_tail(runs, &fan)
    );
    Some(Plot {
        stem: "fan_holding_by_reason".into(),
        title: "Patients held, by reason, over time".into(),
        subtitle: subtitle(runs, &fan),
        caption,
        size: (style::WIDTH, 880),
        chart: Chart::Fan(fan),
    })
}

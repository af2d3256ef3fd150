//! The simulation engine: one replication of a scenario, pure and deterministic.
//!
//! `run_replication(&Model, replication, &Options) -> Replication` does no I/O, reads
//! no clock and has no global state; every random draw comes from a stream keyed by
//! (seed, replication, site, process, entity) ([`crate::rng`]). Sites do not interact,
//! so they run one after another and their records are summed day by day.

pub mod patient;
pub mod post;
pub mod record;
pub mod site;

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use record::{SeriesValues, WeekTotal};
use site::Site;

use crate::model::Model;
use crate::rng::SiteKey;

/// What to collect beyond the standard outputs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Keep a weekly series per site as well as the total.
    pub per_site_series: bool,
    /// Recount every stock from scratch each day and report disagreements with the
    /// incremental counters (slow; for tests).
    pub audit: bool,
}

/// Waits from referral to first assignment, over patients first assigned in the KPI
/// window, pooled over sites.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Waits {
    pub count: u64,
    pub total_days: u64,
    /// Nearest-rank 90th percentile; `None` when no patient was first assigned.
    pub p90_days: Option<u32>,
}

/// Everything one replication produces.
#[derive(Clone, Debug)]
pub struct Replication {
    /// Which replication this is (0-based): with the seed, it keys every stream.
    pub index: u64,
    /// Weekly totals summed over sites (the last week may be partial).
    pub weeks: Vec<WeekTotal>,
    /// Weekly totals per site, when [`Options::per_site_series`] is set.
    pub site_weeks: Vec<Vec<WeekTotal>>,
    /// Daily records summed over the KPI window `[warmup, horizon)` and all sites.
    pub window: SeriesValues,
    pub waits: Waits,
    /// Patients in the system (Queued, Connecting, Holding at step 8) summed over days
    /// and sites: the unit of simulation speed (docs/model.md § 7.10).
    pub patient_days: f64,
    /// Disagreements found by [`Options::audit`] (first few only).
    pub audit_problems: Vec<String>,
}

/// Buffers reused across replications on one thread, so the daily loop never
/// allocates once they have grown.
#[derive(Debug, Default)]
pub struct Workspace {
    site: Site,
}

/// Runs replication `replication` of `model` with fresh buffers.
pub fn run_replication(model: &Model, replication: u64, options: &Options) -> Replication {
    run_replication_in(&mut Workspace::default(), model, replication, options)
}

/// Told how many site-days have just been simulated: after each simulated week of
/// each site and after its last day (from the thread simulating it), so a caller can
/// show progress through one huge replication. The engine only calls it; the caller
/// decides what to do (count, redraw a bar, send an event), so the engine stays free
/// of clocks and I/O.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// A progress hook that ignores what it is told.
pub fn no_progress(_site_days: u64) {}

/// How a caller follows and stops a replication: one mechanism for the CLI's progress
/// bars and Ctrl-C, the web app's live jobs and Python's KeyboardInterrupt.
#[derive(Clone, Copy)]
pub struct Control<'a> {
    /// Told of simulated site-days (see [`Progress`]).
    pub progress: Progress<'a>,
    /// Set (by any thread) to stop: checked after every simulated day, so a
    /// replication stops within a day of each site it is running.
    pub cancel: Option<&'a AtomicBool>,
}

impl Control<'_> {
    /// Nobody watching, nothing to stop.
    pub const UNWATCHED: Control<'static> = Control {
        progress: &no_progress,
        cancel: None,
    };

    /// Whether the caller has asked to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// Sites are simulated in fixed chunks of this many, in parallel when there are
/// several chunks; chunk totals are added in chunk order. The chunk size is a
/// constant, never derived from the thread count, so the floating-point sums (and so
/// every output) are the same on any number of threads.
pub const SITES_PER_CHUNK: usize = 16;

/// Chunks are run in batches of this many (in parallel within a batch) and each
/// batch's totals are added, in chunk order, before the next starts: memory for chunk
/// totals stays bounded however many sites there are, and the additions happen in
/// the same order as without batches.
pub const CHUNKS_PER_BATCH: usize = 256;

/// What one chunk of sites adds to a replication.
struct Partial {
    weeks: Vec<WeekTotal>,
    site_weeks: Vec<Vec<WeekTotal>>,
    window: SeriesValues,
    histogram: Vec<u64>,
    patient_days: f64,
    audit_problems: Vec<String>,
}

fn empty_weeks(horizon: u32) -> Vec<WeekTotal> {
    (0..horizon.div_ceil(7))
        .map(|w| WeekTotal {
            days: (horizon - 7 * w).min(7),
            ..WeekTotal::default()
        })
        .collect()
}

/// Simulates sites `first..first + models.len()` (their models given in order).
fn run_sites(
    site: &mut Site,
    models: &[&Model],
    first: usize,
    model: &Model,
    replication: u64,
    options: &Options,
    control: Control,
) -> Partial {
    let horizon = model.horizon_days;
    let mut p = Partial {
        weeks: empty_weeks(horizon),
        site_weeks: Vec::new(),
        window: SeriesValues::default(),
        histogram: vec![0; horizon as usize + 1],
        patient_days: 0.0,
        audit_problems: Vec::new(),
    };
    for (i, site_model) in models.iter().enumerate() {
        let key = SiteKey::new(model.seed, replication, (first + i) as u64);
        site.reset(site_model, key);
        let mut own_weeks = options.per_site_series.then(|| empty_weeks(horizon));
        for t in 0..horizon {
            site.step(site_model, t);
            if t >= model.warmup_days {
                for &wait in &site.waits_today {
                    p.histogram[wait as usize] += 1;
                }
            }
            let day = *site.record(t);
            if options.audit && p.audit_problems.len() < 10 {
                p.audit_problems.extend(site.audit(site_model, t));
            }
            p.patient_days += day[record::Series::Queued]
                + day[record::Series::Connecting]
                + day[record::Series::Holding];
            let week = (t / 7) as usize;
            p.weeks[week].sum.accumulate(&day);
            if let Some(own) = own_weeks.as_mut() {
                own[week].sum.accumulate(&day);
            }
            if t >= model.warmup_days {
                p.window.accumulate(&day);
            }
            // Told weekly (and at the site's last day): often enough for a bar, rare
            // enough to cost nothing beside a week's work.
            if t % 7 == 6 || t + 1 == horizon {
                (control.progress)(u64::from(t % 7 + 1));
            }
            // One relaxed load a site-day: a stop is seen before the next day.
            if control.cancelled() {
                return p;
            }
        }
        if let Some(own) = own_weeks {
            p.site_weeks.push(own);
        }
    }
    p
}

/// Runs replication `replication` of `model`, reusing `workspace`'s buffers.
pub fn run_replication_in(
    workspace: &mut Workspace,
    model: &Model,
    replication: u64,
    options: &Options,
) -> Replication {
    run_replication_with(workspace, model, replication, options, Control::UNWATCHED)
        .expect("a replication nobody can cancel finishes")
}

/// [`run_replication_in`], telling `control` of every simulated site-day; `None` when
/// `control` asked to stop before the replication finished (its partial totals are
/// dropped, never reported).
pub fn run_replication_with(
    workspace: &mut Workspace,
    model: &Model,
    replication: u64,
    options: &Options,
    control: Control,
) -> Option<Replication> {
    let sites = model.sites_in_order();
    let chunks: Vec<&[&Model]> = sites.chunks(SITES_PER_CHUNK).collect();
    let mut total = Partial {
        weeks: empty_weeks(model.horizon_days),
        site_weeks: Vec::new(),
        window: SeriesValues::default(),
        histogram: vec![0; model.horizon_days as usize + 1],
        patient_days: 0.0,
        audit_problems: Vec::new(),
    };
    let mut add = |p: Partial| {
        for (t, w) in total.weeks.iter_mut().zip(&p.weeks) {
            t.sum.accumulate(&w.sum);
        }
        total.window.accumulate(&p.window);
        for (t, h) in total.histogram.iter_mut().zip(&p.histogram) {
            *t += h;
        }
        total.patient_days += p.patient_days;
        total.site_weeks.extend(p.site_weeks);
        total.audit_problems.extend(p.audit_problems);
    };
    if chunks.len() <= 1 {
        add(run_sites(
            &mut workspace.site,
            &sites,
            0,
            model,
            replication,
            options,
            control,
        ));
    } else {
        for (b, batch) in chunks.chunks(CHUNKS_PER_BATCH).enumerate() {
            if control.cancelled() {
                return None;
            }
            let partials: Vec<Partial> = batch
                .par_iter()
                .enumerate()
                .map_init(Site::default, |site, (c, models)| {
                    run_sites(
                        site,
                        models,
                        (b * CHUNKS_PER_BATCH + c) * SITES_PER_CHUNK,
                        model,
                        replication,
                        options,
                        control,
                    )
                })
                .collect();
            partials.into_iter().for_each(&mut add);
        }
    }
    if control.cancelled() {
        return None;
    }
    total.audit_problems.truncate(10);
    Some(Replication {
        index: replication,
        weeks: total.weeks,
        site_weeks: total.site_weeks,
        window: total.window,
        waits: summarise_waits(&total.histogram),
        patient_days: total.patient_days,
        audit_problems: total.audit_problems,
    })
}

/// Mean and nearest-rank p90 from a histogram of waits in days.
fn summarise_waits(histogram: &[u64]) -> Waits {
    let count: u64 = histogram.iter().sum();
    let total_days = histogram
        .iter()
        .enumerate()
        .map(|(d, &n)| d as u64 * n)
        .sum();
    let p90_days = (count > 0).then(|| {
        // Nearest rank: the smallest wait with at least ceil(0.9·n) waits at or below it.
        let rank = (9 * count).div_ceil(10);
        let mut seen = 0;
        histogram
            .iter()
            .position(|&n| {
                seen += n;
                seen >= rank
            })
            .unwrap_or(0) as u32
    });
    Waits {
        count,
        total_days,
        p90_days,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_p90() {
        // Waits 1..=10 once each: rank ceil(9) = 9 → 9 days.
        let mut h = vec![0u64; 12];
        h[1..=10].fill(1);
        let w = summarise_waits(&h);
        assert_eq!((w.count, w.total_days, w.p90_days), (10, 55, Some(9)));
        // 11 waits: rank ceil(9.9) = 10.
        h[11] = 1;
        assert_eq!(summarise_waits(&h).p90_days, Some(10));
        assert_eq!(summarise_waits(&[0, 0]).p90_days, None);
    }
}

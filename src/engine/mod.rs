//! The simulation engine: one replication of a scenario, pure and deterministic.
//!
//! `run_replication(&Model, replication, &Options) -> Replication` does no I/O, reads
//! no clock and has no global state; every random draw comes from a stream keyed by
//! (seed, replication, site, process, entity) ([`crate::rng`]). Sites do not interact,
//! so they run one after another and their records are summed day by day.

pub mod patient;
pub mod record;
pub mod site;
pub mod worker;

use record::{Record, WeekTotal};
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
    pub replication: u64,
    /// Weekly totals summed over sites (the last week may be partial).
    pub weeks: Vec<WeekTotal>,
    /// Weekly totals per site, when [`Options::per_site_series`] is set.
    pub site_weeks: Vec<Vec<WeekTotal>>,
    /// Daily records summed over the KPI window `[warmup, horizon)` and all sites.
    pub window: Record,
    pub waits: Waits,
    /// Patients in the system (Queued, Connecting, Holding at step 8) summed over days
    /// and sites: the unit of simulation speed (MODEL.md §7).
    pub patient_days: f64,
    /// Disagreements found by [`Options::audit`] (first few only).
    pub audit_problems: Vec<String>,
}

/// Buffers reused across replications on one thread, so the daily loop never
/// allocates once they have grown.
#[derive(Debug, Default)]
pub struct Workspace {
    site: Site,
    wait_histogram: Vec<u64>,
}

/// Runs replication `replication` of `model` with fresh buffers.
pub fn run_replication(model: &Model, replication: u64, options: &Options) -> Replication {
    run_replication_in(&mut Workspace::default(), model, replication, options)
}

/// Runs replication `replication` of `model`, reusing `workspace`'s buffers.
pub fn run_replication_in(
    workspace: &mut Workspace,
    model: &Model,
    replication: u64,
    options: &Options,
) -> Replication {
    let horizon = model.horizon_days;
    let n_weeks = horizon.div_ceil(7) as usize;
    let mut weeks = vec![WeekTotal::default(); n_weeks];
    for (w, week) in weeks.iter_mut().enumerate() {
        week.days = (horizon - 7 * w as u32).min(7);
    }
    let mut site_weeks = Vec::new();
    let mut window = Record::default();
    let histogram = &mut workspace.wait_histogram;
    histogram.clear();
    histogram.resize(horizon as usize + 1, 0);
    let mut patient_days = 0.0;
    let mut audit_problems = Vec::new();
    let site = &mut workspace.site;

    for s in 0..model.sites {
        let key = SiteKey::new(model.seed, replication, u64::from(s));
        site.reset(model, key);
        let mut own_weeks = options.per_site_series.then(|| {
            weeks
                .iter()
                .map(|w| WeekTotal {
                    days: w.days,
                    ..WeekTotal::default()
                })
                .collect::<Vec<_>>()
        });
        for t in 0..horizon {
            site.step(model, t);
            if t >= model.warmup_days {
                for &wait in &site.waits_today {
                    histogram[wait as usize] += 1;
                }
            }
            let day = *site.record(t);
            if options.audit && audit_problems.len() < 10 {
                audit_problems.extend(site.audit(model, t));
            }
            patient_days += day[record::Series::Queued]
                + day[record::Series::Connecting]
                + day[record::Series::Holding];
            let week = (t / 7) as usize;
            weeks[week].sum.accumulate(&day);
            if let Some(own) = own_weeks.as_mut() {
                own[week].sum.accumulate(&day);
            }
            if t >= model.warmup_days {
                window.accumulate(&day);
            }
        }
        if let Some(own) = own_weeks {
            site_weeks.push(own);
        }
    }

    Replication {
        replication,
        weeks,
        site_weeks,
        window,
        waits: summarise_waits(histogram),
        patient_days,
        audit_problems,
    }
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

//! The resource budget of `run` and `compare`: before anything is simulated, estimate
//! the memory and work a job needs and refuse one that cannot fit, saying the estimate
//! and what to change. An out-of-memory abort part-way (exit 134, nothing written) or
//! a job that would run for months helps nobody; a refusal in a millisecond does.
//!
//! [`estimate`] is pure arithmetic on the scenario's sizes (sites, posts, horizon,
//! expected referrals, replications, threads), saturating in `u128` so that `u32::MAX`
//! everywhere cannot overflow; the front end reads the machine's memory limit (the CLI's
//! `budget::memory_limit`) and [`check`] compares. The estimate is an upper bound
//! where the engine's use depends on the run (it assumes every referral of a site is
//! in the system at once), so a job it accepts fits.

use std::mem::size_of;

use crate::engine::patient::{Patient, Ref};
use crate::engine::post::Post;
use crate::engine::record::WeekTotal;
use crate::engine::{CHUNKS_PER_BATCH, SITES_PER_CHUNK};
use crate::kpi::KPI_COUNT;
use crate::scenario::Scenario;

/// The most work one command may ask for, in simulated post-days (replications ×
/// link worker posts × days, summed over scenarios): 10^13 post-days is months of
/// computing on one machine (the engine does about 10^6 post-days per second per
/// thread on the bundled scenarios). Larger studies are split into a sweep's shards.
pub const MAX_POST_DAYS: u128 = 10_000_000_000_000;

/// The most referrals one site may expect over the horizon: the engine numbers a
/// site's patients with 32-bit slots, and every patient of a site may be in the
/// system at once.
pub const MAX_REFERRALS_PER_SITE: u128 = (u32::MAX / 2) as u128;

/// Memory for finished replications waiting to be written in replication order:
/// the runner's workers run at most a window of replications ahead of the last one
/// written, a window whose results take at most about this much (and at least one
/// replication per thread).
pub const IN_FLIGHT_BYTES: u128 = 64 << 20;

/// The most replications in the runner's window, however small they are.
pub const MAX_BATCH: u128 = 4096;

/// Fixed overhead: the program, its buffers and the thread pool.
const BASE_BYTES: u128 = 64 << 20;
/// One link worker post: its state, today's capacity and cap, and slack for its
/// caseload and completion heap headers.
const POST_BYTES: u128 = size_of::<Post>() as u128 + 12 + 64;
/// One patient in the system: its record and the handles to it (queue, caseload,
/// calendar, deferred lists) plus a completion-heap entry.
const PATIENT_BYTES: u128 = size_of::<Patient>() as u128 + 4 * size_of::<Ref>() as u128 + 24;
/// Per simulated day of a site: a calendar bucket and three held-by-reason deltas.
const SITE_DAY_BYTES: u128 = size_of::<Vec<Ref>>() as u128 + 3 * 4;
/// One week of a weekly series.
const WEEK_BYTES: u128 = size_of::<WeekTotal>() as u128;
/// One replication's values kept for statistics: every KPI and its patient-days.
const KEPT_BYTES: u128 = (KPI_COUNT as u128 + 1) * 8;
/// One row of `timeseries.csv` (or `replications.csv`) read back for a comparison's
/// report: its text and its parsed cells.
const READ_ROW_BYTES: u128 = 1024;

/// One group of identical sites.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Group {
    pub sites: u32,
    pub link_workers: u32,
    /// Referrals a site of the group can expect over the horizon (an upper bound:
    /// every working day at the seasonal peak).
    pub referrals_per_site: f64,
}

/// The sizes of one scenario's run, all the estimate needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub groups: Vec<Group>,
    pub horizon_days: u32,
    pub replications: u32,
    /// `--per-site`: a weekly series per site is kept and written.
    pub per_site: bool,
}

impl Job {
    /// The sizes of `scenario` run `replications` times.
    pub fn of(scenario: &Scenario, per_site: bool) -> Job {
        let horizon = scenario.run.horizon_days;
        let group = |s: &Scenario, sites: u32| Group {
            sites,
            link_workers: s.workforce.link_workers,
            referrals_per_site: peak_referrals(
                s.referrals.rate_per_week,
                s.referrals.seasonal_amplitude,
                horizon,
            ),
        };
        let groups = if scenario.site_groups.is_empty() {
            vec![group(scenario, scenario.run.sites)]
        } else {
            // The loader has checked every group's `set`; one that cannot be applied
            // would have been refused before the budget is asked.
            let plain = scenario.without_groups();
            scenario
                .site_groups
                .iter()
                .filter_map(|g| plain.with_group(g).ok().map(|s| group(&s, g.count)))
                .collect()
        };
        Job {
            groups,
            horizon_days: horizon,
            replications: scenario.run.replications,
            per_site,
        }
    }

    fn sites(&self) -> u128 {
        self.groups.iter().map(|g| u128::from(g.sites)).sum()
    }

    fn posts(&self) -> u128 {
        self.groups
            .iter()
            .map(|g| u128::from(g.sites) * u128::from(g.link_workers))
            .sum()
    }

    fn weeks(&self) -> u128 {
        u128::from(self.horizon_days.div_ceil(7))
    }
}

/// Referrals a site expects over `horizon` days at most: `rate/5` on every working
/// day, raised by the seasonal amplitude.
fn peak_referrals(rate_per_week: f64, amplitude: f64, horizon: u32) -> f64 {
    let working_days = 5 * (horizon / 7) + (horizon % 7).min(5);
    rate_per_week / 5.0 * (1.0 + amplitude.abs()) * f64::from(working_days)
}

/// A non-negative count from a float, saturating (NaN and +∞ count as too many).
fn count(x: f64) -> u128 {
    if x.is_nan() { u128::MAX } else { x as u128 }
}

/// One part of the memory estimate, for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Model,
    Workspaces,
    InFlight,
    PerSiteSeries,
    Kept,
    ReportReading,
}

impl Part {
    fn describe(self) -> &'static str {
        match self {
            Part::Model => "the model (daily rates, site list)",
            Part::Workspaces => {
                "simulating sites (link worker posts, patients in the system, day calendars)"
            }
            Part::InFlight => "replications being simulated or waiting to be written in order",
            Part::PerSiteSeries => "per-site weekly series (--per-site)",
            Part::Kept => "KPI values kept for the summary statistics",
            Part::ReportReading => "reading the time series back for the comparison's report",
        }
    }

    fn advice(self) -> &'static str {
        match self {
            Part::Model | Part::InFlight => {
                "use fewer sites (run.sites or [[site_group]] counts) or a shorter horizon (run.horizon_days)"
            }
            Part::Workspaces => {
                "use fewer link workers per site (workforce.link_workers), fewer referrals per site (referrals.rate_per_week), a shorter horizon (run.horizon_days) or fewer threads (--threads)"
            }
            Part::PerSiteSeries => {
                "run without --per-site, or use fewer sites (run.sites) or a shorter horizon (run.horizon_days)"
            }
            Part::Kept => "use fewer replications (-n)",
            Part::ReportReading => {
                "use fewer replications (-n) or a shorter horizon (run.horizon_days)"
            }
        }
    }
}

/// What a job needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Peak memory in bytes, by part (saturating).
    pub parts: Vec<(Part, u128)>,
    /// Simulated post-days (replications × posts × days), summed over scenarios.
    pub post_days: u128,
    /// Simulated site-days (replications × sites × days), summed over scenarios.
    pub site_days: u128,
    /// The most referrals any one site expects over the horizon.
    pub referrals_per_site: u128,
    /// Replications the runner may run ahead of the last written (see [`batch_size`]).
    pub batch: u128,
}

impl Estimate {
    /// Total peak memory in bytes.
    pub fn memory(&self) -> u128 {
        self.parts
            .iter()
            .fold(BASE_BYTES, |a, (_, b)| a.saturating_add(*b))
    }

    /// The part that needs the most memory.
    pub fn largest(&self) -> (Part, u128) {
        self.parts
            .iter()
            .copied()
            .max_by_key(|&(_, b)| b)
            .unwrap_or((Part::Model, 0))
    }
}

/// Memory one finished replication of `job` holds until it is written, plus the
/// per-site series when asked for.
fn replication_bytes(job: &Job) -> (u128, u128) {
    let weeks = job.weeks();
    let days = u128::from(job.horizon_days) + 1;
    let sites = job.sites();
    let series = weeks.saturating_mul(WEEK_BYTES);
    let per_site = if job.per_site {
        sites.saturating_mul(series.saturating_add(size_of::<Vec<WeekTotal>>() as u128))
    } else {
        0
    };
    // The total series and histogram, the site list, and a batch of chunk partials
    // (each a weekly series and a histogram of waits) while the replication runs.
    let chunks = sites.div_ceil(SITES_PER_CHUNK as u128);
    let partials = chunks
        .min(CHUNKS_PER_BATCH as u128)
        .saturating_mul(series.saturating_add(days.saturating_mul(8)));
    let own = series
        .saturating_add(days.saturating_mul(8))
        .saturating_add(sites.saturating_mul(8))
        .saturating_add(partials);
    (own, per_site)
}

/// Replications the runner may run ahead of the last written (its window): enough
/// to keep every thread busy, few enough that the finished ones waiting to be
/// written fit in [`IN_FLIGHT_BYTES`].
pub fn batch_size(replication_bytes: u128, threads: usize) -> u128 {
    let threads = threads.max(1) as u128;
    let fit = IN_FLIGHT_BYTES / replication_bytes.max(1);
    fit.min(MAX_BATCH).max(threads)
}

/// Estimates what `jobs` (one per scenario; they run one after another) need on
/// `threads` threads; `report` when the results are read back for a comparison's
/// report. Pure arithmetic, saturating: any sizes give an answer.
pub fn estimate(jobs: &[Job], threads: usize, report: bool) -> Estimate {
    let threads = threads.max(1) as u128;
    let mut parts = vec![
        (Part::Model, 0u128),
        (Part::Workspaces, 0),
        (Part::InFlight, 0),
        (Part::PerSiteSeries, 0),
        (Part::Kept, 0),
        (Part::ReportReading, 0),
    ];
    let (mut post_days, mut site_days, mut referrals_per_site, mut batch) = (0u128, 0u128, 0, 0);
    for job in jobs {
        let days = u128::from(job.horizon_days);
        let reps = u128::from(job.replications);
        let groups = job.groups.len() as u128;
        let model = (groups + 1).saturating_mul(days.saturating_mul(8));
        // Each busy thread simulates one site; nested parallelism (sites of one
        // replication in chunks) can hold a second one per thread.
        let posts_max = job
            .groups
            .iter()
            .map(|g| u128::from(g.link_workers))
            .max()
            .unwrap_or(0);
        let site_referrals = job
            .groups
            .iter()
            .map(|g| count(g.referrals_per_site))
            .max()
            .unwrap_or(0);
        let site = days
            .saturating_mul(SITE_DAY_BYTES)
            .saturating_add(posts_max.saturating_mul(POST_BYTES))
            .saturating_add(site_referrals.saturating_mul(PATIENT_BYTES));
        let workspaces = site.saturating_mul(2 * threads);
        let (own, per_site) = replication_bytes(job);
        let b = batch_size(own.saturating_add(per_site), threads as usize).min(reps.max(1));
        let kept = reps.saturating_mul(KEPT_BYTES);
        // Scenarios run one after another: the peak is the largest one's.
        for (part, bytes) in [
            (Part::Model, model),
            (Part::Workspaces, workspaces),
            (Part::InFlight, b.saturating_mul(own)),
            (Part::PerSiteSeries, b.saturating_mul(per_site)),
            (Part::Kept, kept),
        ] {
            let slot = parts.iter_mut().find(|(p, _)| *p == part).expect("listed");
            slot.1 = slot.1.max(bytes);
        }
        if report {
            let rows = reps.saturating_mul(job.weeks().saturating_add(1));
            let slot = &mut parts[5].1;
            *slot = slot.saturating_add(rows.saturating_mul(READ_ROW_BYTES));
        }
        post_days = post_days.saturating_add(reps.saturating_mul(job.posts()).saturating_mul(days));
        site_days = site_days.saturating_add(reps.saturating_mul(job.sites()).saturating_mul(days));
        referrals_per_site = referrals_per_site.max(site_referrals);
        batch = batch.max(b);
    }
    Estimate {
        parts,
        post_days,
        site_days,
        referrals_per_site,
        batch,
    }
}

/// A job refused before it starts: the estimate and what to change, in words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// How much memory a job may use, and where that figure came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryLimit {
    pub bytes: u128,
    pub source: String,
}

/// Refuses a job whose estimate does not fit `limit` or exceeds the work and size
/// ceilings; `what` names the job ("this run", "this comparison").
pub fn check(
    what: &str,
    jobs: &[Job],
    estimate: &Estimate,
    limit: &MemoryLimit,
) -> Result<(), Refusal> {
    let summary = describe(jobs);
    if estimate.referrals_per_site > MAX_REFERRALS_PER_SITE {
        return Err(Refusal(format!(
            "{what} is too large: a site could receive up to {} referrals over the horizon, more than the {} one site can hold ({summary}); lower referrals.rate_per_week or run.horizon_days",
            thousands(estimate.referrals_per_site),
            thousands(MAX_REFERRALS_PER_SITE)
        )));
    }
    let memory = estimate.memory();
    if memory > limit.bytes {
        let (part, bytes) = estimate.largest();
        return Err(Refusal(format!(
            "{what} is too large for this machine: it needs an estimated {} of memory, more than the {} allowed ({}); {} of it is for {}. Job: {summary}. To fit, {}",
            human_bytes(memory),
            human_bytes(limit.bytes),
            limit.source,
            human_bytes(bytes),
            part.describe(),
            part.advice()
        )));
    }
    if estimate.post_days > MAX_POST_DAYS {
        return Err(Refusal(format!(
            "{what} is too large: it would simulate {:.1e} post-days (replications × link worker posts × days), more than the ceiling of {:.0e} (months of computing). Job: {summary}. Use fewer replications (-n), fewer sites or link workers, or a shorter horizon (run.horizon_days); split a big study into a sweep's shards",
            estimate.post_days as f64, MAX_POST_DAYS as f64
        )));
    }
    Ok(())
}

/// The job in a few words, for messages.
fn describe(jobs: &[Job]) -> String {
    let Some(first) = jobs.first() else {
        return "nothing to run".into();
    };
    let scenarios = if jobs.len() > 1 {
        format!("{} scenarios × ", jobs.len())
    } else {
        String::new()
    };
    let sites = jobs.iter().map(Job::sites).max().unwrap_or(0);
    let posts = jobs.iter().map(Job::posts).max().unwrap_or(0);
    format!(
        "{scenarios}{} × {} × {} ({}){}",
        counted(u128::from(first.replications), "replication"),
        counted(u128::from(first.horizon_days), "day"),
        counted(sites, "site"),
        counted(posts, "link worker post"),
        if first.per_site {
            ", per-site series"
        } else {
            ""
        }
    )
}

/// `n` things, with thousands separators and a plural `s` when `n` is not 1.
fn counted(n: u128, what: &str) -> String {
    format!("{} {what}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in binary units (`1.5 GiB`).
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(sites: u32, link_workers: u32, horizon: u32, reps: u32, per_site: bool) -> Job {
        Job {
            groups: vec![Group {
                sites,
                link_workers,
                referrals_per_site: peak_referrals(12.0, 0.1, horizon),
            }],
            horizon_days: horizon,
            replications: reps,
            per_site,
        }
    }

    fn limit(bytes: u128) -> MemoryLimit {
        MemoryLimit {
            bytes,
            source: "test".into(),
        }
    }

    #[test]
    fn allocation_aborts_estimate_saturates_at_u32_max_everywhere() {
        let max = u32::MAX;
        let mut huge = job(max, max, max, max, true);
        huge.groups = vec![
            Group {
                sites: max,
                link_workers: max,
                referrals_per_site: f64::INFINITY,
            };
            3
        ];
        for threads in [0, 1, usize::MAX] {
            for report in [false, true] {
                let e = estimate(std::slice::from_ref(&huge), threads, report);
                assert!(e.memory() > 1 << 60);
                assert!(e.post_days > MAX_POST_DAYS);
                let err = check(
                    "this run",
                    std::slice::from_ref(&huge),
                    &e,
                    &limit(u128::MAX),
                );
                assert!(err.is_err());
            }
        }
        let nan = Group {
            sites: 1,
            link_workers: 1,
            referrals_per_site: f64::NAN,
        };
        assert_eq!(count(nan.referrals_per_site), u128::MAX);
        assert!(peak_referrals(12.0, 0.0, max).is_finite());
        assert_eq!(thousands(u128::MAX).len(), 39 + 12);
        assert!(human_bytes(u128::MAX).ends_with("EiB"));
    }

    #[test]
    fn baseline_fits_and_memory_is_bounded_in_replications() {
        let small = estimate(&[job(1, 3, 1825, 100, false)], 2, false);
        assert!(small.memory() < 100 << 20, "{small:?}");
        check(
            "run",
            &[job(1, 3, 1825, 100, false)],
            &small,
            &limit(1 << 30),
        )
        .unwrap();
        // Ten million replications: only the KPI values grow with n (8 B a KPI, ~270 B
        // a replication).
        let many = estimate(&[job(1, 3, 1825, 10_000_000, false)], 2, false);
        let kept = many.parts.iter().find(|p| p.0 == Part::Kept).unwrap().1;
        assert_eq!(kept, 10_000_000 * KEPT_BYTES);
        assert!(many.memory() - kept < 200 << 20, "{many:?}");
        assert!(many.memory() < 3 << 30);
    }

    #[test]
    fn refusals_say_the_estimate_and_what_to_change() {
        let jobs = [job(1_000_000, 3, 36_500, 100, true)];
        let e = estimate(&jobs, 2, false);
        assert_eq!(e.largest().0, Part::PerSiteSeries);
        let msg = check("this run", &jobs, &e, &limit(64 << 30))
            .unwrap_err()
            .0;
        assert!(msg.contains("TiB") && msg.contains("--per-site"), "{msg}");
        assert!(msg.contains("1,000,000 sites"), "{msg}");
        // Without per-site series the memory fits but the work does not.
        let jobs = [job(1_000_000, 3, 36_500, 100, false)];
        let e = estimate(&jobs, 2, false);
        let msg = check("this run", &jobs, &e, &limit(64 << 30))
            .unwrap_err()
            .0;
        assert!(msg.contains("post-days"), "{msg}");
        // Sites never multiply the workspace: one site per busy thread.
        let w = |sites| {
            estimate(&[job(sites, 3, 1825, 1, false)], 2, false)
                .parts
                .iter()
                .find(|p| p.0 == Part::Workspaces)
                .unwrap()
                .1
        };
        assert_eq!(w(1), w(1_000_000));
    }

    #[test]
    fn batches_keep_every_thread_busy_and_fit_the_in_flight_budget() {
        assert_eq!(batch_size(1, 2), MAX_BATCH);
        assert_eq!(batch_size(IN_FLIGHT_BYTES, 8), 8);
        assert_eq!(batch_size(u128::MAX, usize::MAX), usize::MAX as u128);
        assert_eq!(batch_size(0, 0), MAX_BATCH);
    }
}

//! `compare`'s robustness reruns: which assumptions decide this comparison, and the
//! comparison rerun across the plausible range of each (`robustness.csv`).

use crate::cli::CompareArgs;
use crate::model::Model;
use crate::output::atomic::Staging;
use crate::output::tables;
use crate::progress::RunBar;
use crate::robustness::{self, Assumption, Rerun};
use crate::scenario::Scenario;
use crate::scenario::levers::spec;
use crate::scenario::{SECTIONS, section_specs};
use crate::{rng, runner};

/// Values tried across each assumption's plausible range.
pub const GRID_POINTS: usize = 5;
/// At most this many assumptions are varied: the levers' first, then those behind the
/// headline outcomes. Each costs `GRID_POINTS` reruns of every option.
pub const MAX_ASSUMPTIONS: usize = 4;

/// The scalar keys whose values differ between any option and the baseline.
pub fn changed_keys(scenarios: &[Scenario]) -> Vec<String> {
    let Some((base, others)) = scenarios.split_first() else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for section in SECTIONS.iter().filter(|s| **s != "run") {
        for s in section_specs(section).unwrap_or_default() {
            let key = format!("{section}.{}", s.key);
            let value = |sc: &Scenario| sc.get_path(&key).ok();
            if others.iter().any(|o| value(o) != value(base)) && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// The assumptions that decide this comparison ([`robustness::decisive_keys`]) that
/// have a plausible range, with it.
pub fn decisive(scenarios: &[Scenario]) -> Vec<(String, (f64, f64))> {
    robustness::decisive_keys(&changed_keys(scenarios))
        .into_iter()
        .filter_map(|key| Some((key.to_string(), spec(key)?.plausible?)))
        .collect()
}

/// The assumptions to vary (at most [`MAX_ASSUMPTIONS`]) with their grids: what
/// [`rerun`] runs, and what the budget counts before anything runs. Keys a posterior
/// draws (`drawn`) are left out: their uncertainty is in the main results already.
pub fn plan(scenarios: &[Scenario], drawn: &[String]) -> Vec<Assumption> {
    decisive(scenarios)
        .into_iter()
        .filter(|(key, _)| !drawn.contains(key))
        .take(MAX_ASSUMPTIONS)
        .map(|(key, (low, high))| {
            let integer = matches!(
                scenarios[0].get_path(&key),
                Ok(crate::scenario::Number::Int(_))
            );
            Assumption {
                values: robustness::grid(low, high, GRID_POINTS, integer),
                key,
            }
        })
        .collect()
}

/// Reruns the comparison across each decisive assumption (at most
/// [`MAX_ASSUMPTIONS`]) and writes `robustness.csv` into the staging folder.
pub fn rerun(
    args: &CompareArgs,
    (scenarios, drawn): (&[Scenario], &[String]),
    arms: &[(String, String)],
    threads: usize,
    staging: &Staging,
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> anyhow::Result<()> {
    let assumptions = plan(scenarios, drawn);
    let replications = scenarios[0].run.replications;
    let reruns: usize = assumptions.iter().map(|a| a.values.len()).sum();
    let site_days: u64 = scenarios
        .iter()
        .map(|s| u64::from(s.run.sites) * u64::from(s.run.horizon_days) * u64::from(replications))
        .sum::<u64>()
        .saturating_mul(reruns as u64);
    let bar = RunBar::new(
        replications,
        (reruns * scenarios.len()) as u64,
        site_days,
        threads,
        args.quiet,
    );
    let independent = args.independent_streams;
    let prepare = move |i: usize, model: &mut Model| {
        if independent && i > 0 {
            model.seed = rng::mix(model.seed ^ rng::mix(i as u64));
        }
    };
    let site_days = |n| bar.site_days(n);
    let names: Vec<String> = arms.iter().map(|a| a.0.clone()).collect();
    let points = robustness::rerun(
        scenarios,
        &names,
        &assumptions,
        &Rerun {
            replications,
            threads,
            prepare: &prepare,
        },
        runner::Watch {
            on_done: &|| bar.replication_done(),
            progress: if bar.counts_site_days() {
                &site_days
            } else {
                &crate::engine::no_progress
            },
            cancel,
        },
    )?;
    bar.finish();
    staging.write(
        "robustness.csv",
        tables::robustness_csv(&points, arms).as_bytes(),
    )?;
    Ok(())
}

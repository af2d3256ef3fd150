//! The commands behind the CLI: each reads its inputs, calls the library, writes
//! results at the edge and reports. Shared steps (loading a scenario, writing one
//! scenario's result files) live here.

mod check;
mod compare;
mod report;
mod run;
mod sensitivity;
mod slurm;
mod sweep;

use std::path::Path;

use anyhow::Context;
use serde_json::json;

pub use check::check;
pub use compare::compare;
pub use report::{plot, report};
pub use run::run;
pub use sensitivity::sensitivity;
pub use slurm::{merge, slurm};
pub use sweep::sweep;

use crate::cli::ScenarioArgs;
use crate::output::{atomic::Staging, tables};
use crate::runner::Outcome;
use crate::scenario::{self, Scenario};

/// A command line that cannot work as given (exit code 2, like clap's own errors).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// How the random streams are laid out, for manifests.
pub const SEED_SCHEME: &str = "each random draw comes from a Xoshiro256++ stream seeded by SplitMix64(seed, replication, site, process, entity, index); the scenario is not part of the key, so scenarios run with the same seed share common random numbers";

/// Loads a scenario file with `--set` overrides and any extra `path=value` pairs.
fn load_scenario(path: &Path, overrides: &[String], extra: &[String]) -> anyhow::Result<Scenario> {
    let mut all = overrides.to_vec();
    all.extend_from_slice(extra);
    Ok(scenario::load(path, &all)?)
}

/// `run.replications=N` / `run.seed=S` overrides from the command-line flags.
fn run_overrides(replications: Option<u32>, seed: Option<u64>) -> Vec<String> {
    let mut extra = Vec::new();
    if let Some(n) = replications {
        extra.push(format!("run.replications={n}"));
    }
    if let Some(seed) = seed {
        extra.push(format!("run.seed={seed}"));
    }
    extra
}

/// The thread count: as asked, or every core.
fn threads(asked: Option<usize>) -> anyhow::Result<usize> {
    match asked {
        Some(0) => anyhow::bail!("--threads must be at least 1"),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// A scenario's display name: its file stem.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into())
}

/// One scenario's finished run, ready to be written.
struct FinishedRun<'a> {
    name: &'a str,
    path: &'a Path,
    args: &'a ScenarioArgs,
    scenario: &'a Scenario,
    outcomes: &'a [Outcome],
    threads: usize,
    wall_seconds: f64,
    per_site: bool,
}

/// Writes a scenario's result files under `prefix` in the staging folder
/// (`""` for a run folder, `scenarios/NAME/` in a comparison) and returns their names.
fn write_run(
    staging: &Staging,
    prefix: &str,
    run: &FinishedRun,
) -> anyhow::Result<Vec<&'static str>> {
    let outcomes = run.outcomes;
    let summaries = tables::summaries(outcomes);
    let patient_days: f64 = outcomes.iter().map(|o| o.replication.patient_days).sum();
    let mut files = vec!["summary.csv", "replications.csv", "timeseries.csv"];
    staging.write(
        &format!("{prefix}summary.csv"),
        tables::summary_csv(&summaries).as_bytes(),
    )?;
    staging.write(
        &format!("{prefix}replications.csv"),
        tables::replications_csv(outcomes).as_bytes(),
    )?;
    staging.write(
        &format!("{prefix}timeseries.csv"),
        tables::timeseries_csv(outcomes).as_bytes(),
    )?;
    if run.per_site {
        staging.write(
            &format!("{prefix}timeseries_by_site.csv"),
            tables::timeseries_by_site_csv(outcomes).as_bytes(),
        )?;
        files.push("timeseries_by_site.csv");
    }
    files.push("manifest.json");
    let scenario = run.scenario;
    let manifest = json!({
        "name": run.name,
        "holdsim_version": env!("CARGO_PKG_VERSION"),
        "holdsim_commit": crate::build_info::commit(),
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario_file": run.path.display().to_string(),
        "overrides": run.args.overrides,
        "replications": scenario.run.replications,
        "seed": scenario.run.seed,
        "seed_scheme": SEED_SCHEME,
        "kpi_window_days": [scenario.run.warmup_days, scenario.run.horizon_days],
        "threads": run.threads,
        "wall_time_seconds": run.wall_seconds,
        "patient_days": patient_days,
        "patient_days_per_second": patient_days / run.wall_seconds.max(1e-9),
        "created_utc": crate::output::utc_now(),
        "files": files,
        "scenario": scenario.to_json(),
    });
    staging.write(
        &format!("{prefix}manifest.json"),
        serde_json::to_string_pretty(&manifest)
            .context("manifest")?
            .as_bytes(),
    )?;
    Ok(files)
}

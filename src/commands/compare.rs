//! `holdsim compare`: every scenario with the same seed and replications (common
//! random numbers), one results folder per scenario, paired differences against the
//! baseline, plots and a self-contained report.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::json;

use super::{
    FinishedRun, PosteriorUsed, RunWriter, Simulated, UsageError, load_scenario, run_overrides,
    stem, stream_replications_watched, threads,
};
use crate::cli::{CompareArgs, ScenarioArgs};
use crate::engine::Options;
use crate::model::Model;
use crate::output::atomic::Staging;
use crate::progress::RunBar;
use crate::scenario::Scenario;
use crate::{budget, rng};

/// Unique display names from file stems (`baseline`, `baseline-2`, …).
fn unique_names(paths: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for p in paths {
        let base = stem(p);
        let mut name = base.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}-{k}");
            k += 1;
        }
        names.push(name);
    }
    names
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// `holdsim compare`: load and check every scenario, refuse what cannot fit, run
/// each into its own folder of one staging folder, then the report.
pub fn compare(args: &CompareArgs) -> anyhow::Result<()> {
    let paths = ordered_paths(args)?;
    let names = unique_names(&paths);
    let scenarios = load_comparable(&paths, args)?;
    let first = &scenarios[0];

    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("compare-{}", names.join("-vs-")))
    });
    let threads = threads(args.threads)?;
    let posterior = args
        .posterior
        .as_deref()
        .map(PosteriorUsed::read)
        .transpose()?;
    let arms = Arms {
        scenarios: &scenarios,
        paths: &paths,
        names: &names,
        posterior: posterior.as_ref(),
    };
    let compared = write_comparison(args, &arms, &out, threads, Hooks::NONE)?;

    if let Some(p) = &posterior {
        println!("{}", p.describe(first));
    }
    println!(
        "Compared {} scenarios, {} replications each on {}, seed {}; KPIs over days {}–{}; baseline: {}\n",
        names.len(),
        first.run.replications,
        streams(args),
        first.run.seed,
        first.run.warmup_days,
        first.run.horizon_days,
        first.title.as_deref().unwrap_or(&names[0])
    );
    print!("{}", compared.built.terminal);
    println!(
        "\nWrote {} (report.html, comparison.xlsx, verdict.csv, pairwise.csv, cost_effectiveness.csv, compare.csv{}, plots/, scenarios/) in {:.2} s.",
        compared.dir.display(),
        if args.no_robustness {
            ""
        } else {
            ", robustness.csv"
        },
        compared.wall_seconds
    );
    Ok(())
}

/// What a caller other than the CLI (the web app's jobs, `crate::serve`) is told while
/// a comparison runs, how it stops one, and what it adds to the folder before it is
/// committed. The CLI needs none of it: Ctrl-C ends its process.
#[derive(Clone, Copy)]
pub struct Hooks<'a> {
    /// After each finished replication of the main runs (not the robustness reruns).
    pub on_replication: &'a (dyn Fn() + Sync),
    /// Set to stop: the run ends with [`crate::runner::Stopped::Cancelled`] and the
    /// staging folder is removed.
    pub cancel: Option<&'a AtomicBool>,
    /// Called once the main runs are written into the staging folder (before the
    /// robustness reruns, the plots, the report and the workbook), so a watcher can
    /// show the main results early.
    pub on_main_results: &'a dyn Fn(&Staging),
    /// Writes extra files into the staging folder just before it is committed.
    pub extra_files: &'a dyn Fn(&Staging) -> anyhow::Result<()>,
}

impl Hooks<'_> {
    /// The CLI's: nobody watching, nothing to stop, nothing to add.
    pub const NONE: Hooks<'static> = Hooks {
        on_replication: &|| {},
        cancel: None,
        on_main_results: &|_| {},
        extra_files: &|_| Ok(()),
    };

    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// A finished comparison folder.
pub struct Compared {
    pub dir: PathBuf,
    pub built: crate::report::Built,
    pub wall_seconds: f64,
}

/// Runs loaded scenarios into the comparison folder `out` (atomically: it appears
/// whole or not at all): refuses what cannot fit, runs each arm, the robustness reruns
/// unless `args.no_robustness`, `compare.json` and the report. `holdsim compare` and
/// the web app's jobs both call it, so their folders cannot differ.
pub fn write_comparison(
    args: &CompareArgs,
    arms: &Arms,
    out: &Path,
    threads: usize,
    hooks: Hooks,
) -> anyhow::Result<Compared> {
    let scenarios = arms.scenarios;
    // A posterior that cannot run every scenario is refused before anything else.
    let drawn = arms.drawn()?;
    let drawn_keys = arms.posterior.map_or(&[][..], |p| p.posterior.paths());
    // Refuse what cannot fit before any folder is made or anything allocated; the
    // report reads every scenario's time series back, so that counts too.
    let mut jobs: Vec<budget::Job> = scenarios
        .iter()
        .map(|s| budget::Job::of(s, false))
        .collect();
    // The robustness reruns run every scenario again once per grid value.
    if !args.no_robustness {
        let reruns: usize = super::robustness::plan(scenarios, drawn_keys)
            .iter()
            .map(|a| a.values.len())
            .sum();
        let again = jobs.clone();
        for _ in 0..reruns {
            jobs.extend(again.iter().cloned());
        }
    }
    let estimate = budget::admit("this comparison", &jobs, threads, true)?;
    let staging = Staging::begin(out, args.force)?;
    let started = Instant::now();
    run_arms(args, arms, &drawn, (threads, &estimate), &staging, hooks)?;
    if !hooks.cancelled() {
        (hooks.on_main_results)(&staging);
    }
    if !args.no_robustness && !hooks.cancelled() {
        let titled: Vec<(String, String)> = arms
            .names
            .iter()
            .zip(scenarios)
            .map(|(n, s)| (n.clone(), s.title.clone().unwrap_or_else(|| n.clone())))
            .collect();
        super::robustness::rerun(
            args,
            (scenarios, drawn_keys),
            &titled,
            threads,
            &staging,
            hooks.cancel,
        )?;
    }
    if hooks.cancelled() {
        return Err(crate::runner::Stopped::Cancelled.into());
    }
    let wall_seconds = started.elapsed().as_secs_f64();

    let manifest = manifest(args, arms, threads, wall_seconds);
    staging.write(
        "compare.json",
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    let built = crate::report::build(staging.path())?;
    (hooks.extra_files)(&staging)?;
    let dir = staging.commit()?;
    Ok(Compared {
        dir,
        built,
        wall_seconds,
    })
}

/// The scenarios of a comparison, in order (the baseline first), with their files
/// and unique names.
pub struct Arms<'a> {
    pub scenarios: &'a [Scenario],
    /// Shown in manifests as each scenario's file.
    pub paths: &'a [PathBuf],
    /// Unique names: the folders under `scenarios/` and the `scenario` column.
    pub names: &'a [String],
    /// Parameters drawn per replication, the same particle for replication r of every
    /// scenario (`--posterior`).
    pub posterior: Option<&'a PosteriorUsed>,
}

impl Arms<'_> {
    /// Each scenario's draws from the posterior (none without one). A scenario that
    /// sets a drawn parameter to another value than the baseline's is refused: the
    /// posterior would overwrite the very change being compared.
    pub fn drawn(&self) -> anyhow::Result<Vec<Option<crate::posterior::Drawn>>> {
        let Some(used) = self.posterior else {
            return Ok(vec![None; self.scenarios.len()]);
        };
        if let Some(c) = used.changed_drawn_keys(self.scenarios).first() {
            return Err(UsageError(format!(
                "{} sets `{}` to {} (the baseline {}), but the posterior `{}` draws `{}` for every scenario; compare options that differ in other keys, or run without the posterior",
                self.names[c.option],
                c.key,
                c.option_value,
                c.baseline_value,
                used.source,
                c.key
            ))
            .into());
        }
        self.scenarios
            .iter()
            .zip(self.names)
            .map(|(s, name)| used.drawn_for(s, name).map(Some))
            .collect()
    }
}

/// The scenario files, baseline first; the others keep the order given.
fn ordered_paths(args: &CompareArgs) -> anyhow::Result<Vec<PathBuf>> {
    if args.scenarios.len() < 2 {
        return Err(super::UsageError(format!(
            "compare needs at least two scenario files (got {}); e.g. `holdsim compare scenarios/baseline.toml scenarios/supported.toml`",
            args.scenarios.len()
        ))
        .into());
    }
    let mut paths = args.scenarios.clone();
    if let Some(b) = &args.baseline {
        let Some(i) = paths.iter().position(|p| same_file(p, b)) else {
            return Err(super::UsageError(format!(
                "--baseline {} is not one of the scenarios given ({})",
                b.display(),
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into());
        };
        let baseline = paths.remove(i);
        paths.insert(0, baseline);
    }
    Ok(paths)
}

/// Every scenario with the same replications and seed (from the flags, else the
/// baseline's), refusing scenarios whose KPI windows differ.
fn load_comparable(paths: &[PathBuf], args: &CompareArgs) -> anyhow::Result<Vec<Scenario>> {
    let first = load_scenario(
        &paths[0],
        &args.overrides,
        &run_overrides(args.replications, args.seed),
    )?;
    let shared = run_overrides(Some(first.run.replications), Some(first.run.seed));
    let mut scenarios = vec![first];
    for p in &paths[1..] {
        scenarios.push(load_scenario(p, &args.overrides, &shared)?);
    }
    let a = &scenarios[0].run;
    for (s, p) in scenarios.iter().zip(paths).skip(1) {
        let b = &s.run;
        if (a.horizon_days, a.warmup_days) != (b.horizon_days, b.warmup_days) {
            return Err(super::UsageError(format!(
                "cannot compare {} (horizon {} days, warm-up {}) with {} (horizon {} days, warm-up {}): KPIs would cover different windows; make run.horizon_days and run.warmup_days equal (e.g. with --set)",
                paths[0].display(),
                a.horizon_days,
                a.warmup_days,
                p.display(),
                b.horizon_days,
                b.warmup_days
            )).into());
        }
    }
    Ok(scenarios)
}

/// Runs every scenario into `scenarios/NAME/` of the staging folder, one progress
/// bar for all.
fn run_arms(
    args: &CompareArgs,
    arms: &Arms,
    drawn: &[Option<crate::posterior::Drawn>],
    (threads, estimate): (usize, &budget::Estimate),
    staging: &Staging,
    hooks: Hooks,
) -> anyhow::Result<()> {
    let replications = arms.scenarios[0].run.replications;
    let bar = RunBar::new(
        replications,
        arms.scenarios.len() as u64,
        u64::try_from(estimate.site_days).unwrap_or(u64::MAX),
        threads,
        args.quiet,
    );
    let each = arms.scenarios.iter().zip(arms.paths).zip(arms.names);
    for (i, ((s, p), name)) in each.enumerate() {
        let mut model = Model::try_new(s)?;
        let mut drawn = drawn[i].clone();
        if args.independent_streams && i > 0 {
            model.seed = rng::mix(model.seed ^ rng::mix(i as u64));
            drawn = drawn.map(|d| d.with_model_seed(model.seed));
        }
        let t0 = Instant::now();
        let prefix = format!("scenarios/{name}/");
        let mut writer =
            RunWriter::begin(staging, &prefix, (false, drawn.is_some()), replications)?;
        stream_replications_watched(
            Simulated::new(&model, drawn.as_ref()),
            (replications, threads, estimate),
            &Options::default(),
            (&bar, hooks.on_replication, hooks.cancel),
            &mut writer,
        )?;
        let scenario_args = ScenarioArgs {
            scenario: p.clone(),
            overrides: args.overrides.clone(),
        };
        writer.finish(
            staging,
            &FinishedRun {
                name,
                path: p,
                args: &scenario_args,
                scenario: s,
                threads,
                wall_seconds: t0.elapsed().as_secs_f64(),
                posterior: arms.posterior,
            },
        )?;
    }
    bar.finish();
    Ok(())
}

fn streams(args: &CompareArgs) -> &'static str {
    if args.independent_streams {
        "independent streams"
    } else {
        "common random numbers"
    }
}

/// `compare.json`: what was compared, how, and with what.
fn manifest(args: &CompareArgs, arms: &Arms, threads: usize, wall: f64) -> serde_json::Value {
    let first = &arms.scenarios[0].run;
    let mut manifest = json!({
        "holdsim_version": env!("CARGO_PKG_VERSION"),
        "holdsim_commit": crate::build_info::commit(),
        "command": std::env::args().collect::<Vec<_>>(),
        "baseline": arms.names[0],
        "scenarios": arms.names.iter().zip(arms.paths).map(|(n, p)| json!({"name": n, "file": p.display().to_string()})).collect::<Vec<_>>(),
        "replications": first.replications,
        "seed": first.seed,
        "streams": if args.independent_streams { "independent per scenario" } else { "common random numbers" },
        "seed_scheme": super::SEED_SCHEME,
        "kpi_window_days": [first.warmup_days, first.horizon_days],
        "threads": threads,
        "wall_time_seconds": wall,
        "created_utc": crate::output::utc_now(),
    });
    if let Some(p) = arms.posterior {
        manifest["posterior"] = p.manifest();
    }
    manifest
}

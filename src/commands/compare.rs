//! `holdsim compare`: every scenario with the same seed and replications (common
//! random numbers), one results folder per scenario, paired differences against the
//! baseline, plots and a self-contained report.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;

use super::{
    FinishedRun, RunWriter, load_scenario, run_overrides, stem, stream_replications, threads,
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

pub fn compare(args: &CompareArgs) -> anyhow::Result<()> {
    if args.scenarios.len() < 2 {
        return Err(super::UsageError(format!(
            "compare needs at least two scenario files (got {}); e.g. `holdsim compare scenarios/baseline.toml scenarios/supported.toml`",
            args.scenarios.len()
        ))
        .into());
    }
    // The baseline goes first; the others keep the order given.
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
    let names = unique_names(&paths);

    // Replications and seed: from the flags, else the baseline's, for every scenario.
    let first = load_scenario(
        &paths[0],
        &args.overrides,
        &run_overrides(args.replications, args.seed),
    )?;
    let shared = run_overrides(Some(first.run.replications), Some(first.run.seed));
    let mut scenarios: Vec<Scenario> = Vec::new();
    for p in &paths {
        scenarios.push(load_scenario(p, &args.overrides, &shared)?);
    }
    for (s, p) in scenarios.iter().zip(&paths).skip(1) {
        let (a, b) = (&first.run, &s.run);
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

    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!("compare-{}", names.join("-vs-")))
    });
    let threads = threads(args.threads)?;
    // Refuse what cannot fit before any folder is made or anything allocated; the
    // report reads every scenario's time series back, so that counts too.
    let jobs: Vec<budget::Job> = scenarios
        .iter()
        .map(|s| budget::Job::of(s, false))
        .collect();
    let estimate = budget::admit("this comparison", &jobs, threads, true)?;
    let staging = Staging::begin(&out, args.force)?;
    let replications = first.run.replications;
    let bar = RunBar::new(
        replications,
        scenarios.len() as u64,
        u64::try_from(estimate.site_days).unwrap_or(u64::MAX),
        threads,
        args.quiet,
    );
    let started = Instant::now();
    for (i, ((s, p), name)) in scenarios.iter().zip(&paths).zip(&names).enumerate() {
        let mut model = Model::try_new(s)?;
        if args.independent_streams && i > 0 {
            model.seed = rng::mix(model.seed ^ rng::mix(i as u64));
        }
        let t0 = Instant::now();
        let prefix = format!("scenarios/{name}/");
        let mut writer = RunWriter::begin(&staging, &prefix, false, replications)?;
        stream_replications(
            &model,
            replications,
            threads,
            &estimate,
            &Options::default(),
            &bar,
            &mut writer,
        )?;
        let scenario_args = ScenarioArgs {
            scenario: p.clone(),
            overrides: args.overrides.clone(),
        };
        writer.finish(
            &staging,
            &FinishedRun {
                name,
                path: p,
                args: &scenario_args,
                scenario: s,
                threads,
                wall_seconds: t0.elapsed().as_secs_f64(),
            },
        )?;
    }
    bar.finish();
    let wall = started.elapsed().as_secs_f64();

    let manifest = json!({
        "holdsim_version": env!("CARGO_PKG_VERSION"),
        "holdsim_commit": crate::build_info::commit(),
        "command": std::env::args().collect::<Vec<_>>(),
        "baseline": names[0],
        "scenarios": names.iter().zip(&paths).map(|(n, p)| json!({"name": n, "file": p.display().to_string()})).collect::<Vec<_>>(),
        "replications": replications,
        "seed": first.run.seed,
        "streams": if args.independent_streams { "independent per scenario" } else { "common random numbers" },
        "seed_scheme": super::SEED_SCHEME,
        "kpi_window_days": [first.run.warmup_days, first.run.horizon_days],
        "threads": threads,
        "wall_time_seconds": wall,
        "created_utc": crate::output::utc_now(),
    });
    staging.write(
        "compare.json",
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;

    let built = crate::report::build(staging.path())?;
    let dir = staging.commit()?;

    println!(
        "Compared {} scenarios, {} replications each on {}, seed {}; KPIs over days {}–{}; baseline: {}\n",
        names.len(),
        replications,
        if args.independent_streams {
            "independent streams"
        } else {
            "common random numbers"
        },
        first.run.seed,
        first.run.warmup_days,
        first.run.horizon_days,
        names[0]
    );
    print!("{}", built.terminal);
    println!(
        "\nWrote {} (compare.csv, report.html, plots/, scenarios/) in {:.2} s.",
        dir.display(),
        wall
    );
    Ok(())
}

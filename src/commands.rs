//! The commands behind the CLI: each reads its inputs, calls the library, writes
//! results at the edge and reports.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use serde_json::json;

use crate::cli::{CheckArgs, RunArgs, ScenarioArgs};
use crate::engine::Options;
use crate::model::Model;
use crate::output::{atomic::Staging, tables, terminal};
use crate::scenario::{self, Scenario};
use crate::{progress, runner};

/// Loads the scenario with `--set` overrides and any extra `path=value` pairs.
fn load(args: &ScenarioArgs, extra: &[String]) -> anyhow::Result<Scenario> {
    let mut overrides = args.overrides.clone();
    overrides.extend_from_slice(extra);
    Ok(scenario::load(&args.scenario, &overrides)?)
}

pub fn check(args: &CheckArgs) -> anyhow::Result<()> {
    let s = load(&args.scenario, &[])?;
    println!(
        "# {} is valid. Resolved scenario, every default filled in:\n",
        args.scenario.scenario.display()
    );
    print!("{}", s.to_toml());
    Ok(())
}

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let mut extra = Vec::new();
    if let Some(n) = args.replications {
        extra.push(format!("run.replications={n}"));
    }
    if let Some(seed) = args.seed {
        extra.push(format!("run.seed={seed}"));
    }
    let scenario = load(&args.scenario, &extra)?;
    let path = &args.scenario.scenario;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("results").join(&name));
    let staging = Staging::begin(&out, args.force)?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        anyhow::bail!("--threads must be at least 1");
    }

    let model = Model::new(&scenario);
    let replications = scenario.run.replications;
    let options = Options {
        per_site_series: args.per_site,
        audit: false,
    };
    let bar = progress::bar(u64::from(replications), "replications", args.quiet);
    let started = Instant::now();
    let outcomes = runner::run(&model, replications, threads, &options, &|| bar.inc(1))?;
    let wall = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let summaries = tables::summaries(&outcomes);
    let patient_days: f64 = outcomes.iter().map(|o| o.replication.patient_days).sum();
    let mut files = vec!["summary.csv", "replications.csv", "timeseries.csv"];
    staging.write("summary.csv", tables::summary_csv(&summaries).as_bytes())?;
    staging.write(
        "replications.csv",
        tables::replications_csv(&outcomes).as_bytes(),
    )?;
    staging.write(
        "timeseries.csv",
        tables::timeseries_csv(&outcomes).as_bytes(),
    )?;
    if args.per_site {
        staging.write(
            "timeseries_by_site.csv",
            tables::timeseries_by_site_csv(&outcomes).as_bytes(),
        )?;
        files.push("timeseries_by_site.csv");
    }
    files.push("manifest.json");
    let manifest = json!({
        "name": name,
        "holdsim_version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario_file": path.display().to_string(),
        "overrides": args.scenario.overrides,
        "replications": replications,
        "seed": scenario.run.seed,
        "seed_scheme": "each random draw comes from a Xoshiro256++ stream seeded by SplitMix64(seed, replication, site, process, entity, index); the scenario is not part of the key, so scenarios run with the same seed share common random numbers (MODEL.md §5)",
        "kpi_window_days": [scenario.run.warmup_days, scenario.run.horizon_days],
        "threads": threads,
        "wall_time_seconds": wall,
        "patient_days": patient_days,
        "patient_days_per_second": patient_days / wall.max(1e-9),
        "created_unix_seconds": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
        "files": files,
        "scenario": scenario.to_json(),
    });
    staging.write(
        "manifest.json",
        serde_json::to_string_pretty(&manifest)
            .context("manifest")?
            .as_bytes(),
    )?;
    let dir = staging.commit()?;

    let r = &scenario.run;
    println!(
        "{}: {} replication{} × {} days, {} site{} × {} link workers; KPIs over days {}–{}; seed {}\n",
        path.display(),
        replications,
        if replications == 1 { "" } else { "s" },
        r.horizon_days,
        r.sites,
        if r.sites == 1 { "" } else { "s" },
        scenario.workforce.link_workers,
        r.warmup_days,
        r.horizon_days,
        r.seed
    );
    print!("{}", terminal::kpi_table(&summaries, replications as usize));
    println!(
        "\nWrote {} ({}) in {:.2} s on {} thread{} ({} patient-days/s).",
        dir.display(),
        files.join(", "),
        wall,
        threads,
        if threads == 1 { "" } else { "s" },
        format_rate(patient_days / wall.max(1e-9))
    );
    Ok(())
}

fn format_rate(x: f64) -> String {
    format!("{:.2e}", x)
}

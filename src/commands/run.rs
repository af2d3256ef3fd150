//! `holdsim run`: replications of one scenario, a KPI table, and a results folder.

use std::path::PathBuf;
use std::time::Instant;

use super::{FinishedRun, load_scenario, run_overrides, stem, threads, write_run};
use crate::cli::RunArgs;
use crate::engine::Options;
use crate::model::Model;
use crate::output::{atomic::Staging, tables, terminal};
use crate::{progress, runner};

pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let path = &args.scenario.scenario;
    let scenario = load_scenario(
        path,
        &args.scenario.overrides,
        &run_overrides(args.replications, args.seed),
    )?;
    let name = stem(path);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&name));
    let staging = Staging::begin(&out, args.force)?;
    let threads = threads(args.threads)?;

    let model = Model::try_new(&scenario)?;
    let replications = scenario.run.replications;
    let options = Options {
        per_site_series: args.per_site,
        audit: false,
    };
    let bar = progress::bar(u64::from(replications), "replications", args.quiet);
    let started = Instant::now();
    let outcomes = runner::run(&model, replications, threads, &options, &|| bar.inc(1))?;
    let wall_seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let files = write_run(
        &staging,
        "",
        &FinishedRun {
            name: &name,
            path,
            args: &args.scenario,
            scenario: &scenario,
            outcomes: &outcomes,
            threads,
            wall_seconds,
            per_site: args.per_site,
        },
    )?;
    let dir = staging.commit()?;

    let r = &scenario.run;
    let posts: u32 = model
        .site_models()
        .iter()
        .map(|m| m.sites * m.link_workers)
        .sum();
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    println!(
        "{}: {} replication{} × {} days, {} site{} with {} link worker post{}; KPIs over days {}–{}; seed {}\n",
        path.display(),
        replications,
        plural(replications),
        r.horizon_days,
        r.sites,
        plural(r.sites),
        posts,
        plural(posts),
        r.warmup_days,
        r.horizon_days,
        r.seed
    );
    print!(
        "{}",
        terminal::kpi_table(&tables::summaries(&outcomes), replications as usize)
    );
    let patient_days: f64 = outcomes.iter().map(|o| o.replication.patient_days).sum();
    println!(
        "\nWrote {} ({}) in {:.2} s on {} thread{} ({:.2e} patient-days/s).",
        dir.display(),
        files.join(", "),
        wall_seconds,
        threads,
        plural(threads as u32),
        patient_days / wall_seconds.max(1e-9)
    );
    Ok(())
}

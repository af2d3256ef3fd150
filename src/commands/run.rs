//! `holdsim run`: replications of one scenario, a KPI table, and a results folder.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use super::{
    FinishedRun, PosteriorUsed, RunWriter, Simulated, load_scenario, run_overrides, stem,
    stream_replications, threads,
};
use crate::budget;
use crate::cli::RunArgs;
use crate::engine::Options;
use crate::model::Model;
use crate::output::{atomic::Staging, terminal, workbook};
use crate::progress::RunBar;
use crate::scenario::Scenario;

/// Runs the scenario's replications into a results folder, then prints what ran, the
/// KPI table and what was written.
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
    let threads = threads(args.threads)?;
    // Refuse what cannot fit before any folder is made or anything allocated.
    let jobs = [budget::Job::of(&scenario, args.per_site)];
    let estimate = budget::admit("this run", &jobs, threads, false)?;
    let posterior = args
        .posterior
        .as_deref()
        .map(PosteriorUsed::read)
        .transpose()?;
    let drawn = posterior
        .as_ref()
        .map(|p| p.drawn_for(&scenario, &path.display().to_string()))
        .transpose()?;
    let staging = Staging::begin(&out, args.force)?;

    let model = Model::try_new(&scenario)?;
    let simulated = Simulated::new(&model, drawn.as_ref());
    let replications = scenario.run.replications;
    let options = Options {
        per_site_series: args.per_site,
        audit: false,
    };
    let bar = RunBar::new(
        replications,
        1,
        u64::try_from(estimate.site_days).unwrap_or(u64::MAX),
        threads,
        args.quiet,
    );
    let started = Instant::now();
    let mut writer = RunWriter::begin(
        &staging,
        "",
        (args.per_site, posterior.is_some()),
        replications,
    )?;
    let workbook_file = workbook::file_name(1);
    writer.also_writes(workbook_file);
    writer.keep_for_workbook();
    stream_replications(
        simulated,
        replications,
        threads,
        &estimate,
        &options,
        &bar,
        &mut writer,
    )?;
    let wall_seconds = started.elapsed().as_secs_f64();
    bar.finish();

    let kept_rows = writer.take_for_workbook();
    let (files, summaries, patient_days) = writer.finish(
        &staging,
        &FinishedRun {
            name: &name,
            path,
            args: &args.scenario,
            scenario: &scenario,
            threads,
            wall_seconds,
            posterior: posterior.as_ref(),
        },
    )?;
    // The workbook's summaries are the run's: the same values, summarised alike.
    let workbook_rows = kept_rows
        .context("the run's rows were not kept for its workbook")?
        .with_summaries(summaries.clone());
    let written = workbook::write_run(&staging, &name, &scenario, &workbook_rows)?;
    debug_assert_eq!(written, workbook_file);
    let dir = staging.commit()?;

    println!("{}\n", describe_run(path, &scenario, &model));
    match &posterior {
        Some(p) => {
            println!("{}\n", p.describe(&scenario));
            print!(
                "{}",
                terminal::kpi_table_with_posterior(&summaries, replications as usize)
            );
        }
        None => print!("{}", terminal::kpi_table(&summaries, replications as usize)),
    }
    println!(
        "\nWrote {} ({}) in {:.2} s on {} thread{} ({:.2e} patient-days/s).",
        dir.display(),
        files.join(", "),
        wall_seconds,
        threads,
        plural(threads as u64),
        patient_days / wall_seconds.max(1e-9)
    );
    Ok(())
}

/// "" for one, "s" for more (or none).
fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The line above the KPI table: what was run, over which days, from which seed.
fn describe_run(path: &Path, scenario: &Scenario, model: &Model) -> String {
    let r = &scenario.run;
    // Checked: sites × posts can pass u32 (the budget allows it; only the sum is shown).
    let posts: u64 = model
        .site_models()
        .iter()
        .map(|m| u64::from(m.sites) * u64::from(m.link_workers))
        .fold(0, u64::saturating_add);
    // A titled scenario is named by its title, its file in brackets.
    let named = match &scenario.title {
        Some(title) => format!("{title} ({})", path.display()),
        None => path.display().to_string(),
    };
    format!(
        "{named}: {} replication{} × {} days, {} site{} with {} link worker post{}; KPIs over days {}–{}; seed {}",
        r.replications,
        plural(u64::from(r.replications)),
        r.horizon_days,
        r.sites,
        plural(u64::from(r.sites)),
        posts,
        plural(posts),
        r.warmup_days,
        r.horizon_days,
        r.seed
    )
}

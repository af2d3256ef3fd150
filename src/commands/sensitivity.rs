//! `holdsim sensitivity`: Morris screening or Sobol' indices of chosen KPIs over
//! parameter ranges. The design runs as a sweep (streamed, resumable); the indices,
//! their bootstrap CIs and a chart per KPI are written next to it.

use std::fmt::Write;

use anyhow::Context;

use super::sweep::{default_out, run_sweep};
use super::threads;
use crate::cli::SweepArgs;
use crate::experiment::Experiment;
use crate::experiment::sensitivity::IndexRow;
use crate::output::atomic::write_file;
use crate::output::field;

/// `indices.csv`: one row per (KPI, factor).
pub fn indices_csv(method: &str, rows: &[IndexRow]) -> String {
    let mut out = String::from(
        "method,kpi,factor,mu_star,mu_star_ci_low,mu_star_ci_high,mu,sigma,first_order,first_ci_low,first_ci_high,total_order,total_ci_low,total_ci_high,used\n",
    );
    for r in rows {
        let cells = [
            r.mu_star,
            r.mu_star_ci.0,
            r.mu_star_ci.1,
            r.mu,
            r.sigma,
            r.first,
            r.first_ci.0,
            r.first_ci.1,
            r.total,
            r.total_ci.0,
            r.total_ci.1,
        ]
        .map(|x| field(Some(x)));
        let _ = writeln!(
            out,
            "{method},{},{},{},{}",
            r.kpi.name(),
            r.factor,
            cells.join(","),
            r.used
        );
    }
    out
}

pub fn sensitivity(args: &SweepArgs) -> anyhow::Result<()> {
    let experiment = Experiment::load(&args.experiment, &args.overrides)?;
    let Some(analysis) = &experiment.sensitivity else {
        anyhow::bail!(
            "{} has no [sensitivity] table; a [design] experiment runs with `holdsim sweep {}`",
            args.experiment.display(),
            args.experiment.display()
        );
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.experiment));
    let run = run_sweep(
        &experiment,
        &out,
        threads(args.threads)?,
        args.force,
        args.quiet,
        &args.overrides,
        None,
    )?;

    // Each point's output: the KPI's mean over its replications (NaN when undefined or failed).
    // summary.csv columns: point,kpi,n,mean,…
    let text = std::fs::read_to_string(out.join("summary.csv"))
        .context("reading the sweep's summary.csv")?;
    let mut rows = Vec::new();
    for &kpi in &analysis.kpis {
        let mut outputs = vec![f64::NAN; experiment.points.len()];
        for line in text.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            if cells.get(1) == Some(&kpi.name())
                && let (Some(Ok(p)), Some(Ok(m))) = (
                    cells.first().map(|c| c.parse::<usize>()),
                    cells.get(3).map(|c| c.parse::<f64>()),
                )
                && p < outputs.len()
            {
                outputs[p] = m;
            }
        }
        rows.extend(analysis.indices(kpi, &experiment.factors, &outputs));
    }
    write_file(
        &out.join("indices.csv"),
        indices_csv(analysis.method_name(), &rows).as_bytes(),
    )?;
    let figures = crate::plot::sensitivity::render(
        &rows,
        analysis.method_name(),
        &experiment.factors,
        &out.join("plots"),
    )?;

    println!("{}\n", run.summary);
    for &kpi in &analysis.kpis {
        println!(
            "{} — {}",
            kpi.label(),
            if analysis.method_name() == "morris" {
                "Morris μ* (effect of moving a factor across its range) [95% CI], σ"
            } else {
                "Sobol' first-order S1 and total-order ST [95% CI]"
            }
        );
        let mut these: Vec<&IndexRow> = rows.iter().filter(|r| r.kpi == kpi).collect();
        these.sort_by(|a, b| {
            let key = |r: &IndexRow| {
                if analysis.method_name() == "morris" {
                    r.mu_star
                } else {
                    r.total
                }
            };
            key(b).total_cmp(&key(a))
        });
        for r in these {
            if analysis.method_name() == "morris" {
                println!(
                    "  {:<44} μ* {:>10} [{}, {}]  σ {:>10}",
                    r.factor,
                    crate::output::terminal::readable(r.mu_star),
                    crate::output::terminal::readable(r.mu_star_ci.0),
                    crate::output::terminal::readable(r.mu_star_ci.1),
                    crate::output::terminal::readable(r.sigma)
                );
            } else {
                println!(
                    "  {:<44} S1 {:>6.3} [{:.3}, {:.3}]  ST {:>6.3} [{:.3}, {:.3}]",
                    r.factor,
                    r.first,
                    r.first_ci.0,
                    r.first_ci.1,
                    r.total,
                    r.total_ci.0,
                    r.total_ci.1
                );
            }
        }
        println!();
    }
    println!(
        "Wrote {} and {} chart{} in {}.",
        out.join("indices.csv").display(),
        figures,
        if figures == 1 { "" } else { "s" },
        out.join("plots").display()
    );
    Ok(())
}

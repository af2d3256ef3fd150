//! `holdsim sensitivity`: Morris screening or Sobol' indices of chosen KPIs over
//! parameter ranges. The design runs as a sweep (streamed, resumable); the indices,
//! their bootstrap CIs and a chart per KPI are written next to it.

use std::path::Path;

use anyhow::Context;

use super::sweep::{out_and_shard, run_sweep};
use super::{UsageError, threads};
use crate::cli::SweepArgs;
use crate::experiment::sensitivity::IndexRow;
use crate::kpi::Kpi;
use crate::output::atomic::write_file;
use crate::output::folder::{self, FolderLock};
use crate::output::table::{Cell, Column, ColumnKind, Csv, Format, ReadError, Schema, TableReader};

/// `indices.csv`'s columns.
pub fn indices_schema() -> Schema {
    Schema::new(vec![
        Column::new("method", ColumnKind::Text),
        Column::new("kpi", ColumnKind::Text),
        Column::new("factor", ColumnKind::Text),
    ])
    .with(
        [
            "mu_star",
            "mu_star_ci_low",
            "mu_star_ci_high",
            "mu",
            "sigma",
            "first_order",
            "first_ci_low",
            "first_ci_high",
            "total_order",
            "total_ci_low",
            "total_ci_high",
        ],
        ColumnKind::Float,
    )
    .with(["used"], ColumnKind::Int)
}

/// `indices.csv`: one row per (KPI, factor).
pub fn indices_csv(method: &str, rows: &[IndexRow]) -> anyhow::Result<Vec<u8>> {
    Csv.bytes(&indices_schema(), &mut |sink| {
        rows.iter().try_for_each(|r| {
            let mut cells = [Cell::Float(None); 15];
            cells[0] = Cell::Text(method);
            cells[1] = Cell::Text(r.kpi.name());
            cells[2] = Cell::Text(&r.factor);
            for (cell, x) in cells[3..14].iter_mut().zip([
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
            ]) {
                *cell = Cell::Float(Some(x));
            }
            cells[14] = Cell::count(r.used);
            sink.row(&cells)
        })
    })
}

/// Whether `dir` holds shard folders (`shard-K-of-N/`) but no merged results yet.
fn unmerged_shards(dir: &Path) -> bool {
    if dir.join("manifest.json").exists() {
        return false;
    }
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix("shard-")
                .and_then(|rest| rest.split_once("-of-"))
                .is_some_and(|(k, n)| k.parse::<usize>().is_ok() && n.parse::<usize>().is_ok())
        })
    })
}

/// Runs the analysis's design (all of it, or one shard) and, once every point is in
/// `DIR`, computes the indices. A shard only runs its points into
/// `DIR/shard-K-of-N/`: indices need every point, so they come after
/// `holdsim merge DIR` and a final `holdsim sensitivity EXP --out DIR`, which finds
/// the merged sweep complete and reads it — the same indices as a single run.
pub fn sensitivity(args: &SweepArgs) -> anyhow::Result<()> {
    sensitivity_in(args, super::sweep::Session::of(args))
}

/// [`sensitivity`] with a caller's `session` (its `force` and `quiet` are the caller's).
pub fn sensitivity_in(args: &SweepArgs, session: super::sweep::Session<'_>) -> anyhow::Result<()> {
    let experiment = crate::experiment::load(&args.experiment, &args.overrides)?;
    let Some(analysis) = &experiment.sensitivity else {
        return Err(super::UsageError(format!(
            "{} has no [sensitivity] table; a [design] experiment runs with `holdsim sweep {}`",
            args.experiment.display(),
            args.experiment.display()
        ))
        .into());
    };
    let (out, shard) = out_and_shard(args, session)?;
    let threads = threads(args.threads)?;
    if shard.is_none() && !args.force && unmerged_shards(&out) {
        return Err(super::UsageError(format!(
            "`{}` holds the shards of a sharded analysis but no merged results: when every shard is done, run `holdsim merge {}`, then rerun this command to compute the indices",
            out.display(),
            out.display()
        ))
        .into());
    }
    let run = run_sweep(&experiment, &out, threads, session, &args.overrides, shard)?;
    if let Some(sh) = shard {
        session.say(&run.summary);
        session.say(format!(
            "Indices need every point: when all {} shards are done, run `holdsim merge {}`, then `holdsim sensitivity {} --out {}` to compute them.",
            sh.count,
            out.display(),
            args.experiment.display(),
            out.display()
        ));
        return Ok(());
    }

    // The sweep has released its folder; hold it again while indices and charts are
    // written, so a concurrent `--force` cannot replace it underneath.
    let _lock = FolderLock::acquire(&folder::resolve(&out)?, &out)?;
    let outputs = point_means(
        &out.join("summary.csv"),
        &analysis.kpis,
        experiment.points.len(),
    )?;
    let mut rows = Vec::new();
    for (&kpi, outputs) in analysis.kpis.iter().zip(&outputs) {
        rows.extend(analysis.indices(kpi, &experiment.factors, outputs));
    }
    write_file(
        &out.join("indices.csv"),
        &indices_csv(analysis.method_name(), &rows)?,
    )?;
    let figures = crate::plot::sensitivity::render(
        &rows,
        analysis.method_name(),
        &experiment.factors,
        &out.join("plots"),
    )?;

    if !session.silent {
        println!("{}\n", run.summary);
        print_indices(analysis, &rows);
        println!(
            "Wrote {} and {} chart{} in {}.",
            out.join("indices.csv").display(),
            figures,
            if figures == 1 { "" } else { "s" },
            out.join("plots").display()
        );
    }
    Ok(())
}

/// The indices on the terminal, per KPI, factors by decreasing effect.
fn print_indices(analysis: &crate::experiment::sensitivity::Sensitivity, rows: &[IndexRow]) {
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
                    crate::numbers::significant(r.mu_star),
                    crate::numbers::significant(r.mu_star_ci.0),
                    crate::numbers::significant(r.mu_star_ci.1),
                    crate::numbers::significant(r.sigma)
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
}

/// Each point's output for each of `kpis`: the KPI's mean over the point's
/// replications, read from the sweep's `summary.csv` by column name (NaN where the
/// KPI was undefined or the point failed). Every row is checked: a point outside the
/// design or a cell that is not a number is refused with the file and line.
fn point_means(summary: &Path, kpis: &[Kpi], points: usize) -> anyhow::Result<Vec<Vec<f64>>> {
    let shown = summary.display();
    let file = std::fs::File::open(summary).with_context(|| format!("cannot read `{shown}`"))?;
    let damaged = |e: ReadError| -> anyhow::Error {
        if e.is_io() {
            anyhow::Error::new(e)
        } else {
            UsageError(format!(
                "{e}; the sweep's files are damaged (rerun with --force)"
            ))
            .into()
        }
    };
    let mut reader =
        TableReader::open(std::io::BufReader::new(file), format!("`{shown}`")).map_err(damaged)?;
    reader.require(&["point", "kpi", "mean"]).map_err(|e| {
        anyhow::Error::new(UsageError(format!(
            "{e}; it is not a sweep's summary (rerun with --force)"
        )))
    })?;
    let mut outputs = vec![vec![f64::NAN; points]; kpis.len()];
    while let Some(row) = reader.next_row().map_err(damaged)? {
        let Some(k) = kpis.iter().position(|k| row.text("kpi") == k.name()) else {
            continue;
        };
        let point = row
            .whole("point")
            .ok()
            .and_then(|p| usize::try_from(p).ok())
            .filter(|&p| p < points)
            .ok_or_else(|| {
                anyhow::Error::new(UsageError(format!(
                    "`{shown}`, line {}: `point` is not a point of the design (0 to {}); the sweep's files are damaged (rerun with --force)",
                    row.line(),
                    points.saturating_sub(1)
                )))
            })?;
        outputs[k][point] = row.number("mean").map_err(damaged)?.unwrap_or(f64::NAN);
    }
    Ok(outputs)
}

//! `holdsim plot` and `holdsim report`: figures and the HTML report from a results
//! folder (a run or a comparison), without rerunning: argument handling and the
//! folder lock; the building itself is [`crate::report::build`], which `compare` uses too.

use std::path::Path;

use crate::cli::{PlotArgs, ResultsArgs};
use crate::output::folder::{self, FolderLock};
use crate::results::load_any;
use crate::{plot, report};

/// Locks the results folder `dir` while figures or a report are written into it, so
/// a concurrent `--force` run cannot replace it underneath (and vice versa).
fn lock(dir: &Path) -> anyhow::Result<FolderLock> {
    if !dir.is_dir() {
        return Err(super::UsageError(format!(
            "`{}` is not a folder; give a results folder written by `holdsim run` or `holdsim compare`",
            dir.display()
        ))
        .into());
    }
    FolderLock::acquire(&folder::resolve(dir)?, dir)
}

/// `holdsim plot`: the standard figures, at the size, with the titles and the labels
/// asked for (the report keeps its defaults: `holdsim report` redraws them).
pub fn plot(args: &PlotArgs) -> anyhow::Result<()> {
    let labels = plot::Labels::parse(&args.labels).map_err(super::UsageError)?;
    let look = plot::Look {
        width: args.width,
        height: args.height,
        no_title: args.no_title,
        labels,
        only: args.only.clone(),
    };
    let _lock = lock(&args.results)?;
    let runs = load_any(&args.results)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.results.join("plots"));
    let figures = plot::render_all_with(&runs, &out, &look)?;
    println!(
        "Wrote {} figures (SVG and PNG) to {}:",
        figures.len(),
        out.display()
    );
    for f in &figures {
        println!("  {}.svg / .png  {}", f.stem, f.title);
    }
    Ok(())
}

pub fn report(args: &ResultsArgs) -> anyhow::Result<()> {
    let _lock = lock(&args.results)?;
    report::build(&args.results)?;
    println!(
        "Wrote {} (and its plots/ and workbook).",
        args.results.join("report.html").display()
    );
    Ok(())
}

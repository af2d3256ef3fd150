//! `holdsim plot` and `holdsim report`: figures and the HTML report from a results
//! folder (a run or a comparison), without rerunning. `compare` uses the same path.

use std::path::Path;

use anyhow::Context;

use crate::cli::ResultsArgs;
use crate::output::folder::{self, FolderLock};
use crate::output::{atomic::write_file, tables, terminal};
use crate::report::{self, Meta};
use crate::results::load_any;
use crate::{compare, plot};

/// What building a report produced, for the terminal.
pub struct Built {
    pub terminal: String,
}

/// Reads `dir`, writes `compare.csv` (comparisons only), `plots/` and `report.html`.
pub fn build(dir: &Path) -> anyhow::Result<Built> {
    let runs = load_any(dir)?;
    let rows = compare::compare(&runs);
    let names: Vec<String> = runs.iter().map(|r| r.name.clone()).collect();
    if runs.len() > 1 {
        write_file(
            &dir.join("compare.csv"),
            tables::compare_csv(&rows).as_bytes(),
        )?;
    }
    let figures = plot::render_all(&runs, &dir.join("plots"))?;
    let manifest_path = if runs.len() > 1 {
        dir.join("compare.json")
    } else {
        dir.join("manifest.json")
    };
    let text = std::fs::read_to_string(&manifest_path)
        .with_context(|| format!("cannot read `{}`", manifest_path.display()))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not valid JSON", manifest_path.display()))?;
    let html = report::html(&runs, &rows, &figures, &Meta::from_manifest(&manifest));
    write_file(&dir.join("report.html"), html.as_bytes())?;
    let terminal = if runs.len() > 1 {
        terminal::comparison_table(&rows, &names)
    } else {
        terminal::kpi_table(
            &tables::summaries_of(&runs[0]),
            runs[0].replications.rows.len(),
        )
    };
    Ok(Built { terminal })
}

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

pub fn plot(args: &ResultsArgs) -> anyhow::Result<()> {
    let _lock = lock(&args.results)?;
    let runs = load_any(&args.results)?;
    let out = args.results.join("plots");
    let figures = plot::render_all(&runs, &out)?;
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
    build(&args.results)?;
    println!(
        "Wrote {} (and its plots/).",
        args.results.join("report.html").display()
    );
    Ok(())
}

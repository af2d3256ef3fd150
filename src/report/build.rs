//! A results folder's report, built from what is on disk: `compare.csv` (comparisons
//! only), `plots/`, `report.html` and the workbook (`comparison.xlsx` or
//! `results.xlsx`, rebuilt with the report so the two never disagree), plus the table
//! the terminal prints. `holdsim
//! report` and `holdsim compare` both call [`build`], so the two cannot differ.

use std::path::Path;

use anyhow::Context;

use super::Meta;
use crate::output::{atomic::write_file, tables, terminal};
use crate::results::load_any;
use crate::{compare, plot};

/// What building a report produced, for the terminal.
pub struct Built {
    pub terminal: String,
}

/// Reads `dir`, writes `compare.csv` (comparisons only), `plots/`, `report.html` and
/// the workbook.
pub fn build(dir: &Path) -> anyhow::Result<Built> {
    let runs = load_any(dir)?;
    let rows = compare::compare(&runs);
    let arms: Vec<(String, String)> = runs
        .iter()
        .map(|r| (r.name.clone(), r.title.clone()))
        .collect();
    if runs.len() > 1 {
        write_file(
            &dir.join("compare.csv"),
            tables::compare_csv(&rows, &arms).as_bytes(),
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
    let html = super::html(&runs, &rows, &figures, &Meta::from_manifest(&manifest));
    write_file(&dir.join("report.html"), html.as_bytes())?;
    crate::output::workbook::write(dir, &runs, &rows)?;
    let terminal = if runs.len() > 1 {
        terminal::comparison_table(&rows, &arms)
    } else {
        terminal::kpi_table(
            &tables::summaries_of(&runs[0]),
            runs[0].replications.rows.len(),
        )
    };
    Ok(Built { terminal })
}

//! A results folder's report, built from what is on disk: `compare.csv` (comparisons
//! only), `plots/` and `report.html`, plus the table the terminal prints. `holdsim
//! report` and `holdsim compare` both call [`build`], so the two cannot differ.

use std::path::Path;

use anyhow::Context;

use super::Meta;
use crate::output::{atomic::write_file, tables, terminal};
use crate::results::load_any;
use crate::{analysis, plot};

/// What building a report produced, for the terminal.
pub struct Built {
    pub terminal: String,
}

/// Reads `dir`, writes the comparison's tables (`compare.csv`, `pairwise.csv`,
/// `verdict.csv`, `cost_effectiveness.csv`; comparisons only), `plots/` and
/// `report.html`.
pub fn build(dir: &Path) -> anyhow::Result<Built> {
    let runs = load_any(dir)?;
    let analysis = analysis::analyse(&runs);
    let rows = &analysis.rows;
    let arms: Vec<(String, String)> = runs
        .iter()
        .map(|r| (r.name.clone(), r.title.clone()))
        .collect();
    if runs.len() > 1 {
        let names: Vec<String> = runs.iter().map(|r| r.name.clone()).collect();
        for (file, text) in [
            ("compare.csv", tables::compare_csv(rows, &arms)),
            (
                "pairwise.csv",
                tables::pairwise_csv(&analysis.pairs, &names),
            ),
            (
                "verdict.csv",
                tables::verdict_csv(&analysis.verdicts, &arms),
            ),
            (
                "cost_effectiveness.csv",
                tables::cost_effectiveness_csv(&analysis.effects, &arms),
            ),
        ] {
            write_file(&dir.join(file), text.as_bytes())?;
        }
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
    let html = super::html(&runs, &analysis, &figures, &Meta::from_manifest(&manifest));
    write_file(&dir.join("report.html"), html.as_bytes())?;
    let terminal = if runs.len() > 1 {
        terminal::comparison_table(rows, &arms)
            + &super::answer::terminal(&analysis, &arms, runs[0].window())
    } else {
        terminal::kpi_table(
            &tables::summaries_of(&runs[0]),
            runs[0].replications.rows.len(),
        )
    };
    Ok(Built { terminal })
}

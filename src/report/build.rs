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
use crate::{analysis, plot};

/// What building a report produced, for the terminal.
pub struct Built {
    pub terminal: String,
}

/// Reads `dir`, writes the comparison's tables (`compare.csv`, `pairwise.csv`,
/// `verdict.csv`, `cost_effectiveness.csv`; comparisons only), `plots/`,
/// `report.html` and the workbook.
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
    let robustness = read_robustness(dir, &runs)?;
    let html = super::html(
        &runs,
        &analysis,
        robustness.as_deref(),
        &figures,
        &Meta::from_manifest(&manifest),
    );
    write_file(&dir.join("report.html"), html.as_bytes())?;
    crate::output::workbook::write(dir, &runs, &analysis)?;
    let drew_parameters = manifest.get("posterior").is_some();
    let terminal = if runs.len() > 1 {
        terminal::comparison_table(rows, &arms)
            + &if drew_parameters {
                terminal::chance_of_doing_better(rows, &arms)
            } else {
                String::new()
            }
            + &super::answer::terminal(&analysis, &arms, runs[0].window())
            + &robustness_lines(&analysis, robustness.as_deref(), &arms)
    } else if drew_parameters {
        terminal::kpi_table_with_posterior(
            &tables::summaries_of(&runs[0]),
            runs[0].replications.rows.len(),
        )
    } else {
        terminal::kpi_table(
            &tables::summaries_of(&runs[0]),
            runs[0].replications.rows.len(),
        )
    };
    Ok(Built { terminal })
}

/// `robustness.csv` of a comparison, if `compare` wrote one.
fn read_robustness(
    dir: &Path,
    runs: &[crate::results::RunResults],
) -> anyhow::Result<Option<Vec<crate::robustness::GridPoint>>> {
    let path = dir.join("robustness.csv");
    if runs.len() < 2 || !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let names: Vec<String> = runs.iter().map(|r| r.name.clone()).collect();
    tables::read_robustness(&text, &format!("`{}`", path.display()), &names)
        .map(Some)
        .map_err(|e| crate::results::damaged(format!("{e:#}")))
}

/// The terminal's lines on the robustness reruns: every finding where the best option
/// changes, or one line saying the verdict held.
fn robustness_lines(
    analysis: &crate::analysis::Analysis,
    points: Option<&[crate::robustness::GridPoint]>,
    arms: &[(String, String)],
) -> String {
    let Some(points) = points else {
        return String::new();
    };
    let findings = super::decisive::robustness_findings(analysis, points);
    let mut out = String::from(
        "\nIs the verdict robust? Every option rerun across each deciding assumption:\n",
    );
    for key in super::decisive::tried_keys(points) {
        let (head, lines) = super::decisive::assumption_findings(key, &findings, arms, true);
        out.push_str(&format!(
            "  {head}{}\n",
            if lines.is_empty() { "." } else { ":" }
        ));
        for line in lines {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

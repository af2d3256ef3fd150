//! The KPI table printed at the end of a run: mean and 95% CI, readable at a glance.

use std::fmt::Write;

use crate::compare::{Difference, RelativeUndefined, Row};
use crate::kpi::Kpi;
use crate::numbers::{MISSING, kpi_difference_with_ci, kpi_value, relative_change};
use crate::stats::Summary;

/// The width of the label column: the longest label of the KPIs shown (labels are
/// plain words and some are long; a fixed width would push their rows out of line).
fn label_width<'a>(kpis: impl Iterator<Item = &'a Kpi>, header: &str) -> usize {
    kpis.map(|k| k.label().chars().count())
        .chain([header.chars().count()])
        .max()
        .unwrap_or(0)
}

/// The table: one row per KPI with its mean, 95% CI and the replications used.
pub fn kpi_table(summaries: &[(Kpi, Option<Summary>)], replications: usize) -> String {
    kpi_table_of(summaries, replications, false)
}

/// As [`kpi_table`] for a run whose replications drew their parameters from a
/// posterior: beside the CI of the mean (chance in estimating the mean), the central
/// 95% of replications, where parameter uncertainty and chance together put a single
/// replication's value.
pub fn kpi_table_with_posterior(
    summaries: &[(Kpi, Option<Summary>)],
    replications: usize,
) -> String {
    kpi_table_of(summaries, replications, true)
}

fn kpi_table_of(summaries: &[(Kpi, Option<Summary>)], replications: usize, spread: bool) -> String {
    let mut out = String::new();
    let header = "KPI (over the window, all sites)";
    let w = label_width(summaries.iter().map(|(k, _)| k), header);
    let interval =
        |k: Kpi, low: f64, high: f64| format!("[{}, {}]", kpi_value(k, low), kpi_value(k, high));
    if spread {
        let _ = writeln!(
            out,
            "{header:<w$} {:>12}  {:<24}  95% of replications",
            "mean", "95% CI of the mean"
        );
    } else {
        let _ = writeln!(out, "{header:<w$} {:>12}  95% CI", "mean");
    }
    let _ = writeln!(out, "{}", "─".repeat(w + if spread { 66 } else { 40 }));
    for (k, s) in summaries {
        match s {
            Some(s) => {
                let ci = if s.n > 1 {
                    interval(*k, s.ci_low, s.ci_high)
                } else {
                    "(one replication)".into()
                };
                let ci = if spread {
                    format!("{ci:<24}  {}", interval(*k, s.p2_5, s.p97_5))
                } else {
                    ci
                };
                let used = if s.n < replications {
                    format!("  n = {}", s.n)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "{:<w$} {:>12}  {ci}{used}",
                    k.label(),
                    kpi_value(*k, s.mean)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "{:<w$} {:>12}  (undefined in every replication)",
                    k.label(),
                    MISSING
                );
            }
        }
    }
    out
}

/// With parameters drawn from a posterior: per headline KPI, how often each option did
/// better than the baseline across paired replications (same particle, same streams).
pub fn chance_of_doing_better(rows: &[Row], arms: &[(String, String)]) -> String {
    let mut out = String::from(
        "\nChance of doing better than the baseline (share of paired runs; each run drew its assumptions from the posterior):\n",
    );
    for kpi in Kpi::headlines() {
        let chances: Vec<String> = arms[1..]
            .iter()
            .filter_map(|(name, title)| {
                let row = rows.iter().find(|r| &r.scenario == name && r.kpi == kpi)?;
                let p = row.probability_better()?;
                Some(format!("{title} {}", crate::numbers::percent(p)))
            })
            .collect();
        if !chances.is_empty() {
            let _ = writeln!(out, "  {}: {}", kpi.label(), chances.join("; "));
        }
    }
    out
}

/// One table per compared scenario: baseline mean, scenario mean, paired difference
/// with its 95% CI and relative change; `*` marks a CI that excludes zero.
pub fn comparison_table(rows: &[Row], arms: &[(String, String)]) -> String {
    let mut out = String::new();
    let Some((baseline, baseline_title)) = arms.first() else {
        return out;
    };
    for (name, title) in &arms[1..] {
        // The titles in full on the line above; the narrow columns say which is which.
        let _ = writeln!(
            out,
            "{title} vs {baseline_title} (paired by replication; * = 95% CI of the difference excludes 0)"
        );
        let w = label_width(
            rows.iter().filter(|r| &r.scenario == name).map(|r| &r.kpi),
            "KPI",
        );
        let _ = writeln!(
            out,
            "{:<w$} {:>11} {:>11}  {:<32} relative [95% CI]",
            "KPI", "baseline", "option", "difference [95% CI]"
        );
        let _ = writeln!(out, "{}", "─".repeat(w + 82));
        for row in rows.iter().filter(|r| &r.scenario == name) {
            let base = rows
                .iter()
                .find(|r| &r.scenario == baseline && r.kpi == row.kpi)
                .and_then(|r| r.summary);
            let mean =
                |s: Option<Summary>| s.map_or(MISSING.into(), |s| kpi_value(row.kpi, s.mean));
            let (diff, rel) = match row.difference {
                Some(d) if d.n > 1 => (difference_text(row.kpi, &d), relative_text(&d)),
                _ => (MISSING.into(), MISSING.into()),
            };
            let line = format!(
                "{:<w$} {:>11} {:>11}  {:<32} {rel}",
                row.kpi.label(),
                mean(base),
                mean(row.summary),
                diff,
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out.push('\n');
    }
    out
}

/// "-0.116 [-0.160, -0.0719] *": the paired difference, its 95% CI, and `*` when the
/// CI excludes zero.
fn difference_text(kpi: Kpi, d: &Difference) -> String {
    let flag = if d.significant() { " *" } else { "" };
    kpi_difference_with_ci(kpi, d.mean, d.ci_low, d.ci_high) + flag
}

/// "-38% [-45%, -30%]": the difference relative to the baseline mean, with its CI.
fn relative_text(d: &Difference) -> String {
    match d.relative {
        Ok((r, lo, hi)) => relative_change(r, lo, hi),
        Err(RelativeUndefined::BaselineZero) => "baseline 0".into(),
        Err(_) => MISSING.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kpi_row_shows_mean_and_interval_as_the_formatter_writes_them() {
        let s = Summary {
            n: 10,
            mean: 0.0312,
            sd: 0.0015,
            ci_low: 0.0301,
            ci_high: 0.0323,
            p5: 0.029,
            p50: 0.031,
            p95: 0.034,
            p2_5: 0.028,
            p97_5: 0.035,
        };
        let table = kpi_table(&[(Kpi::ShareReturnedToGp, Some(s))], 10);
        assert!(table.contains("3.12%  [3.01%, 3.23%]"), "{table}");
        let undefined = kpi_table(&[(Kpi::WaitP90Days, None)], 10);
        assert!(
            undefined.contains("(undefined in every replication)"),
            "{undefined}"
        );
    }
}
